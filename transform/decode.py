"""Bytes -> NFC Unicode text, with a warning when a legacy encoding was involved."""
from __future__ import annotations

import codecs
import re
import unicodedata
from html import unescape

from w3lib.encoding import html_to_unicode

from .encodings import Repair, cp1252_text, repair_text, vietnamese_hint

UNICODE = {"utf-8", "utf8", "ascii", "us-ascii"}


# UTF-8 read as a single-byte code page: `Ã¡`, `áº`, `Ä`, `á»` (what re-decoding valid UTF-8
# as Windows-1258 would produce).
_MOJIBAKE = ("Ã", "áº", "á»", "Ä‘", "Æ°")


def _redecode(body: bytes, text: str) -> tuple[str, str] | None:
    """Bytes declared (or guessed) as UTF-8 that are not: read them as Windows-1258, the
    Vietnamese Windows code page (TCVN3 and VNI font texts are repaired later, from it), when
    that reading is clean. None when it is not."""
    try:
        candidate = body.decode("cp1258")
    except UnicodeDecodeError:
        return None
    if any(m in candidate for m in _MOJIBAKE) or "\ufffd" in candidate:
        return None  # mostly real UTF-8 with a few bad bytes: keep the UTF-8 reading
    return candidate, "windows-1258"


# Code pages whose reading the later repair (encodings.repair_text) already undoes: legacy
# Vietnamese bytes read as cp1252 (latin-1 and ascii are read so too).
_REPAIRED_LATER = {"cp1252"}
_SAMPLE_BYTES = 32_000
_TAG = re.compile(r"<[^>]*>")


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()


def _legacy_name(found: str) -> str:
    return Repair("", found).warning.removeprefix("repaired ").removesuffix(" text to NFC Unicode")


def _vietnamese_in(body: bytes) -> tuple[str | None, bool]:
    """(the legacy Vietnamese encoding the bytes read as through cp1252, as encodings.repair_text
    would repair it (True) or only hint at it (False)); (None, False) when they do not."""
    view = cp1252_text(body[:_SAMPLE_BYTES])
    sample = " ".join(unescape(_TAG.sub(" ", view)).split())[:4000]
    found = repair_text(sample).encoding
    if found in ("tcvn3", "vni", "cp1258", "utf8-as-cp1252"):
        return found, True
    return vietnamese_hint(sample), False


def _misdeclared(body: bytes, encoding: str) -> tuple[str | None, str | None]:
    """(the page as cp1252 text, a warning) when the bytes of a page decoded as `encoding` (a
    code page of another language: windows-1251, koi8-r, gb2312...) are Vietnamese in a legacy
    encoding (TCVN3, VNI, Windows-1258, UTF-8): the cp1252 reading, which the later repair undoes.
    (None, a warning) when only part of it reads so; (None, None) when nothing does."""
    found, repairable = _vietnamese_in(body)
    if found is None or (found == "cp1258" and encoding == "cp1258"):
        return None, None
    if repairable:
        return cp1252_text(body), (f"declared or read as {encoding}, but its bytes are Vietnamese in "
                                   f"{_legacy_name(found)}: its text is repaired from that")
    return None, (f"declared or read as {encoding}, but some of its text reads as Vietnamese in "
                  f"{_legacy_name(found)}, too little to repair it: check the page's encoding on the legacy site")


def decode_html(body: bytes, content_type: str | None) -> tuple[str, list[str]]:
    encoding, text = html_to_unicode(content_type, body)
    warnings = []
    codec = _codec(encoding)
    if codec not in _REPAIRED_LATER and codec not in ("utf-8", "ascii") and not codec.startswith("utf-"):
        misread, warning = _misdeclared(body, codec)
        if warning:
            warnings.append(warning)
        if misread is not None:
            text, encoding = misread, "cp1252"
    bad = text.count("\ufffd")
    if bad and encoding.lower().replace("_", "-") in UNICODE:
        redecoded = _redecode(body, text)
        found, repairable = _vietnamese_in(body) if redecoded else (None, False)
        if found in ("tcvn3", "vni") and repairable:  # font encodings: repaired from the cp1252 reading
            text, encoding = cp1252_text(body), "cp1252"
            warnings.append(f"declared or read as UTF-8, but {bad} byte sequence(s) are not UTF-8: its bytes are "
                            f"Vietnamese in {_legacy_name(found)}: its text is repaired from that")
        elif redecoded:
            text, encoding = redecoded
            warnings.append(f"declared or read as UTF-8, but {bad} byte sequence(s) are not UTF-8: "
                            "re-read as Windows-1258")
        else:
            warnings.append(f"{bad} character(s) could not be decoded (U+FFFD): check the page's encoding")
    normalised = unicodedata.normalize("NFC", text)
    if encoding.lower().replace("_", "-") not in UNICODE:
        warnings.append(f"decoded from legacy encoding {encoding} and normalised to NFC Unicode")
    elif normalised != text:
        warnings.append("decomposed Unicode (NFD) normalised to NFC")
    return normalised, warnings
