"""What a migrated file is, decided from its bytes and its name's extension against an
allow-list, never from the Content-Type a legacy server sent: a `bao-cao.pdf` sent as
text/html, or a `.png` holding an SVG with script, must not become a page of the portal's
origin. Anything outside the allow-list, or whose bytes do not match its extension, is
application/octet-stream. Pure (reads only the bytes it is given)."""
from __future__ import annotations

import filetype

OCTET_STREAM = "application/octet-stream"

# Extension -> media type: the only types a migrated file keeps.
ALLOWED = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "rtf": "application/rtf",
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
}

# What the bytes must be for each extension (the names filetype gives). Office documents are
# one of two containers, OLE (doc, xls, ppt) or ZIP (docx, ..., odt): either is accepted for
# any Office name (a .docx renamed .doc is common), and checked by its magic number.
_OFFICE = {"ole", "zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt"}
_SIGNATURES = {
    "pdf": {"pdf"}, "doc": _OFFICE, "xls": _OFFICE, "ppt": _OFFICE, "docx": _OFFICE, "xlsx": _OFFICE,
    "pptx": _OFFICE, "odt": _OFFICE, "ods": _OFFICE, "zip": {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"},
    "rtf": {"rtf"}, "png": {"png", "apng"}, "jpg": {"jpg"}, "jpeg": {"jpg"}, "gif": {"gif"}, "webp": {"webp"},
    "bmp": {"bmp"}, "tif": {"tif"}, "tiff": {"tif"}, "rar": {"rar"}, "7z": {"7z"},
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bytes that name their own type where the extension is missing or wrong (a `.jpg` that is a PNG).
_BY_SIGNATURE = {"pdf": "pdf", "png": "png", "apng": "png", "jpg": "jpg", "gif": "gif", "webp": "webp",
                 "bmp": "bmp", "tif": "tif", "rar": "rar", "7z": "7z", "zip": "zip", "docx": "docx",
                 "xlsx": "xlsx", "pptx": "pptx", "odt": "odt", "ods": "ods", "doc": "doc", "xls": "xls",
                 "ppt": "ppt", "rtf": "rtf"}
_TEXT = {"txt", "csv", "svg"}
# Shown in the page (from the portal's origin) rather than downloaded: no script can run in them.
INLINE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})


def extension(filename: str | None) -> str:
    stem, dot, ext = (filename or "").rpartition(".")
    return ext.lower().strip() if dot and stem else ""


def _is_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a character cut at the sample's end
            return False
    return True


def _is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:65536].lower()


def file_type(filename: str | None, data: bytes | None = None) -> str:
    """The media type a migrated file is stored and served as: the allow-listed type of its
    extension, confirmed by its bytes when they are given (without them, the extension's
    type); a file whose bytes name another allow-listed type gets that type; anything else
    is application/octet-stream (downloaded, never shown)."""
    ext = extension(filename)
    if data is None:
        return ALLOWED.get(ext, OCTET_STREAM)
    kind = filetype.guess(data[:8192])
    found = "ole" if data.startswith(_OLE_MAGIC) else kind.extension if kind else None
    if ext in _SIGNATURES and found in _SIGNATURES[ext]:
        return ALLOWED[ext]
    if ext == "pdf" and b"%PDF-" in data[:1024]:  # readers allow a little before the header
        return ALLOWED[ext]
    if found in _BY_SIGNATURE:
        return ALLOWED[_BY_SIGNATURE[found]]
    if ext in _TEXT and found is None and _is_text(data):
        if ext == "svg":
            return ALLOWED["svg"] if _is_svg(data) else OCTET_STREAM
        return ALLOWED[ext]  # plain text, sent with nosniff: never read as a page
    return OCTET_STREAM


def is_inline(media_type: str | None) -> bool:
    """Whether a file of this type may be shown in the browser from the portal's origin (PDF
    and raster images); any other is sent as an attachment."""
    return (media_type or "").split(";")[0].strip().lower() in INLINE
