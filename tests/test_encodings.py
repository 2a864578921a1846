"""Encoding gate: every letter and sample phrase in TCVN3, VNI and Windows-1258 comes back as
correct NFC Unicode, and clean Unicode text is never altered. Tables and samples come from
../shared/data/vn-encodings (written by others)."""
from __future__ import annotations

import csv
import json
import unicodedata

import pytest

from portalize.transform.encodings import cp1252_text, decode_legacy, repair_text

from .conftest import ROOT, SHARED

VN = SHARED / "data" / "vn-encodings"
DUYDEV = VN / "duydev-vietnamese-conversion"
VNI_CORRECTIONS = {"ỹ": "79 f5", "Ỹ": "59 d5"}  # see scripts/build_encoding_tables.py


def letters():
    with (DUYDEV / "mapping_unicode_vni_tcvn3_viqr.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def whatwg_1258() -> dict[str, int]:
    """codepoint -> byte, from the WHATWG index (independent of Python's codec)."""
    table = {chr(b): b for b in range(0x80)}
    for line in (VN / "whatwg-encoding" / "index-windows-1258.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pointer, code = line.split()[:2]
            table[chr(int(code, 16))] = 0x80 + int(pointer)
    return table


def to_cp1258(text: str, table) -> bytes:
    out = bytearray()
    for ch in text:
        if ch in table:
            out.append(table[ch])
            continue
        # Base letter (with its vowel modifier) precomposed, then the combining tone mark.
        nfd = unicodedata.normalize("NFD", ch)
        tones = [m for m in nfd if m in "\u0300\u0301\u0303\u0309\u0323"]
        base = unicodedata.normalize("NFC", "".join(m for m in nfd if m not in tones))
        out.append(table[base])
        out.extend(table[m] for m in tones)
    return bytes(out)


def test_every_letter_decodes_in_each_legacy_encoding():
    cp1258 = whatwg_1258()
    rows = letters()
    assert len(rows) == 134
    for row in rows:
        letter = row["unicode"]
        assert decode_legacy(bytes.fromhex(row["tcvn3_bytes_hex"]), "tcvn3") == letter, row
        vni = VNI_CORRECTIONS.get(letter, row["vni_bytes_hex"])
        assert decode_legacy(bytes.fromhex(vni), "vni") == letter, row
        assert decode_legacy(to_cp1258(letter, cp1258), "cp1258") == letter, row


@pytest.mark.parametrize("encoding", ["tcvn3_bytes_hex", "vni_bytes_hex"])
def test_the_whole_alphabet_is_detected_and_repaired(encoding):
    rows = letters()
    legacy = " ".join(cp1252_text(bytes.fromhex(VNI_CORRECTIONS.get(r["unicode"], r[encoding])
                                                if encoding == "vni_bytes_hex" else r[encoding])) for r in rows)
    repaired = repair_text(legacy)
    assert repaired.text == " ".join(r["unicode"] for r in rows)
    assert repaired.encoding == encoding.split("_")[0]
    assert "repaired" in repaired.warning


def test_sample_phrases_are_repaired():
    with (DUYDEV / "sample_phrases.csv").open(encoding="utf-8") as f:
        phrases = list(csv.DictReader(f))
    checked = 0
    for row in phrases:
        for column in ("vni", "tcvn3"):
            if row[column]:
                result = repair_text(row[column])
                assert result.text == row["unicode"], (column, row)
                assert result.encoding == column
                checked += 1
    assert checked == 4


def _encode_with_table(text: str, column: str) -> str:
    """Unicode prose -> the legacy text form (as cp1252 reads it), using the shared table."""
    reverse = {r["unicode"]: cp1252_text(bytes.fromhex(VNI_CORRECTIONS.get(r["unicode"], r[f"{column}_bytes_hex"])
                                                       if column == "vni" else r[f"{column}_bytes_hex"]))
               for r in letters()}
    return "".join(reverse.get(ch, ch) for ch in text)


def prose() -> list[str]:
    text = (DUYDEV / "sample-unicode.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if len(p.strip()) > 20]


@pytest.mark.parametrize("column", ["tcvn3", "vni"])
def test_prose_typed_in_legacy_fonts_is_repaired(column):
    paragraphs = prose()
    assert len(paragraphs) >= 3
    for paragraph in paragraphs:
        legacy = _encode_with_table(paragraph, column)
        assert legacy != paragraph
        assert repair_text(legacy).text == unicodedata.normalize("NFC", paragraph)


def test_windows_1258_read_as_cp1252_is_repaired():
    table = whatwg_1258()
    for paragraph in prose():
        misread = cp1252_text(to_cp1258(paragraph, table))
        result = repair_text(misread)
        assert result.text == paragraph and result.encoding == "cp1258"


def test_utf8_mojibake_and_nfd_are_repaired():
    for paragraph in prose():
        # As a browser shows UTF-8 read as windows-1252 (WHATWG: undefined bytes -> C1 controls).
        mojibake = cp1252_text(paragraph.encode("utf-8"))
        fixed = repair_text(mojibake)
        assert fixed.encoding == "utf8-as-cp1252" and fixed.text == paragraph
        nfd = unicodedata.normalize("NFD", paragraph)
        assert repair_text(nfd).text == paragraph and repair_text(nfd).encoding == "nfd"


def clean_texts():
    yield from prose()
    for path in sorted((ROOT / "tests" / "golden").glob("*/*.md")):
        yield path.read_text(encoding="utf-8")
    truth = json.loads((SHARED / "data" / "zyte-article-benchmark-dev" / "ground-truth.json").read_text(encoding="utf-8"))
    for item in truth.values():
        yield item["articleBody"]
    evaldata = json.loads((SHARED / "data" / "trafilatura-eval-dev" / "evaldata.json").read_text(encoding="utf-8"))
    for item in evaldata.values():
        for snippet in item.get("with", []) + item.get("without", []):
            yield snippet
        if item.get("title"):
            yield item["title"]


def test_clean_unicode_is_never_altered():
    assert len(list((ROOT / "tests" / "golden").glob("*/*.md"))) == 37
    count = 0
    for text in clean_texts():
        nfc = unicodedata.normalize("NFC", text)
        result = repair_text(nfc)
        assert result.text == nfc and result.encoding is None, text[:200]
        count += 1
    assert count > 1000


@pytest.mark.parametrize("declared", ["text/html; charset=utf-8", None])
def test_windows_1258_under_a_utf8_declaration_is_read_right_and_said(declared):
    from portalize.samples.server import encode_cp1258
    from portalize.transform.decode import decode_html
    words = "Ủy ban nhân dân xã thông báo lịch nghỉ lễ Quốc khánh cho cán bộ, công chức."
    body = encode_cp1258(f"<html><head><meta charset='utf-8'></head><body><p>{words}</p></body></html>")
    text, warnings = decode_html(body, declared)
    assert words in text and "\ufffd" not in text
    assert any("re-read as Windows-1258" in w for w in warnings)


def test_a_few_bad_bytes_in_utf8_are_flagged_not_misread():
    from portalize.transform.decode import decode_html
    body = "<html><body><p>Thông báo nghỉ lễ</p></body></html>".encode() .replace(b"</p>", b"\xff</p>")
    text, warnings = decode_html(body, "text/html; charset=utf-8")
    assert "Thông báo nghỉ lễ" in text
    assert any("could not be decoded (U+FFFD)" in w for w in warnings)
