"""Bytes -> NFC Unicode text, with a warning when a legacy encoding was involved."""
from __future__ import annotations

import unicodedata

from w3lib.encoding import html_to_unicode

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


def decode_html(body: bytes, content_type: str | None) -> tuple[str, list[str]]:
    encoding, text = html_to_unicode(content_type, body)
    warnings = []
    bad = text.count("\ufffd")
    if bad and encoding.lower().replace("_", "-") in UNICODE:
        redecoded = _redecode(body, text)
        if redecoded:
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
