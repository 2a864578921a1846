"""Vietnamese pages whose declared encoding is wrong (issue 21): the same sample page, its bytes in
Windows-1258, TCVN3 or VNI, declared as the code page of another language (windows-1254,
windows-1250, koi8-r, gb2312, shift_jis, iso-8859-5, windows-1251) or as one that already
worked (utf-8, latin-1, windows-1252, ascii, none), comes out as the right Vietnamese text, or
with a warning naming the legacy encoding: never garbled in silence. The sample phrases and
tables come from ../shared/data/vn-encodings."""
from __future__ import annotations

import csv
import unicodedata

import pytest

from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.schema import Article

from .test_encodings import DUYDEV, VNI_CORRECTIONS, letters, prose, to_cp1258, whatwg_1258

DECLARED = ["windows-1254", "windows-1250", "koi8-r", "gb2312", "shift_jis", "iso-8859-5", "windows-1251",
            "utf-8", "latin-1", "windows-1252", "ascii", None]
LEGACY_NAMES = {"cp1258": "Windows-1258", "tcvn3": "TCVN3", "vni": "VNI-Windows"}


def _phrase() -> str:
    with (DUYDEV / "sample_phrases.csv").open(encoding="utf-8") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    return rows["greeting"]["unicode"]


def _encode(text: str, encoding: str) -> bytes:
    """Unicode -> the bytes a legacy Vietnamese page holds, from the shared tables."""
    if encoding == "cp1258":
        return to_cp1258(text, whatwg_1258())
    column = f"{encoding}_bytes_hex"
    table = {r["unicode"]: bytes.fromhex(VNI_CORRECTIONS.get(r["unicode"], r[column]) if encoding == "vni"
                                         else r[column]) for r in letters()}
    return b"".join(table.get(ch) or ch.encode("ascii") for ch in unicodedata.normalize("NFC", text))


def _page(encoding: str) -> tuple[str, str, bytes]:
    title, paragraph = _phrase(), prose()[0].replace("\u2013", "-")  # the tables hold letters and ASCII
    html = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{paragraph}</p></article></body></html>")
    return title, paragraph, _encode(html, encoding)


@pytest.mark.parametrize("declared", DECLARED)
@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
def test_vietnamese_under_a_wrong_declaration_is_repaired_or_warned(encoding, declared):
    title, paragraph, body = _page(encoding)
    content_type = f"text/html; charset={declared}" if declared else "text/html"
    result = transform_page(RawPage("http://ubnd.tinhmau.gov.vn/tin/thong-bao.html", 200, body, content_type),
                            Mapping(agency="ubnd"))
    assert isinstance(result, Article), result.reason
    repaired = result.title == title and paragraph in result.body_markdown.replace("\n", " ")
    warned = any(LEGACY_NAMES[encoding] in w for w in result.warnings)
    assert repaired or warned, (result.title, result.warnings)
    assert repaired, (result.title, result.body_markdown[:120], result.warnings)  # every case here is repaired


def test_a_page_really_in_another_language_is_left_alone():
    """A Russian page in windows-1251 and a Chinese one in gb2312 read as declared, no warning."""
    for text, declared in (("Администрация города сообщает о графике приёма граждан в октябре.", "windows-1251"),
                           ("市人民政府关于十月份接待群众安排的通知，请各单位认真执行。", "gb2312")):
        html = f"<html><head><title>{text[:20]}</title></head><body><article><h1>{text[:20]}</h1><p>{text}</p></article></body></html>"
        result = transform_page(RawPage("http://ubnd.tinhmau.gov.vn/tin/x.html", 200, html.encode(declared),
                                        f"text/html; charset={declared}"), Mapping(agency="ubnd"))
        assert isinstance(result, Article) and text in result.body_markdown
        assert not any("Vietnamese" in w or "repaired" in w for w in result.warnings), result.warnings


def test_too_little_vietnamese_to_repair_is_still_said():
    """A page mostly in English with one TCVN3 phrase, declared windows-1251: too little to repair
    with confidence, so a warning names TCVN3 and asks for the page's encoding."""
    with (DUYDEV / "sample_phrases.csv").open(encoding="utf-8") as f:
        phrase = next(row for row in csv.DictReader(f) if row["name"] == "sentence")
    english = ("The provincial people's committee publishes the annual report of the department of "
               "natural resources and environment, with the tables of land use and the list of projects "
               "approved in the year, for the information of citizens and businesses. ") * 2
    html = (f"<html><head><title>Annual report</title></head><body><article><h1>Annual report</h1>"
            f"<p>{english}</p><p>{phrase['tcvn3']}</p></article></body></html>")
    body = html.encode("cp1252")
    result = transform_page(RawPage("http://ubnd.tinhmau.gov.vn/tin/report.html", 200, body,
                                    "text/html; charset=windows-1251"), Mapping(agency="ubnd"))
    assert isinstance(result, Article), result.reason
    repaired = phrase["unicode"] in result.body_markdown
    warned = any("TCVN3" in w and "check the page's encoding" in w for w in result.warnings)
    assert repaired or warned, result.warnings
