"""A migrated file's type from its bytes and extension against the allow-list (issue 21, hole
2): what portal serve and apply send, never the type the legacy server claimed."""
from __future__ import annotations

import io
import zipfile

from portalize.samples.server import sample_png
from portalize.transform.filetypes import OCTET_STREAM, file_type, is_inline

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_types_come_from_the_bytes_and_the_allow_list():
    png = sample_png("anh")
    assert file_type("bao-cao.pdf", PDF) == "application/pdf"
    assert file_type("bao-cao.pdf", HTML) == OCTET_STREAM  # HTML named .pdf
    assert file_type("anh.png", SVG) == OCTET_STREAM  # an SVG with script named .png
    assert file_type("anh.png", png) == "image/png"
    assert file_type("anh.jpg", png) == "image/png"  # mislabelled, but a picture all the same
    assert file_type("trang.html", HTML) == OCTET_STREAM and file_type("x.exe", b"MZ\x90\x00" + b"\x00" * 60) == OCTET_STREAM
    assert file_type("so-do.svg", SVG) == "image/svg+xml" and file_type("so-do.svg", HTML) == OCTET_STREAM
    assert file_type("quyet-dinh.docx", docx()).endswith("wordprocessingml.document")
    assert file_type("quyet-dinh.doc", OLE) == "application/msword"
    assert file_type("bieu-mau.doc", docx()) == "application/msword"  # a .docx renamed .doc
    assert file_type("quyet-dinh.doc", HTML) == OCTET_STREAM
    assert file_type("danh-sach.csv", "Họ tên,Đơn vị\n".encode()) == "text/csv"
    assert file_type("ghi-chu.txt", b"\x00\x01binary") == OCTET_STREAM
    assert file_type("khong-ten", PDF) == "application/pdf"  # no extension: the bytes say
    assert file_type("bao-cao.pdf") == "application/pdf" and file_type("trang.html") == OCTET_STREAM  # no bytes yet


def test_only_pdf_and_raster_pictures_are_shown_inline():
    assert is_inline("application/pdf") and is_inline("image/png") and is_inline("image/jpeg")
    assert not any(is_inline(t) for t in ("image/svg+xml", "text/plain", "text/html", OCTET_STREAM,
                                          "application/msword", "application/zip"))
