"""Bytes -> NFC Unicode text, with a warning when a legacy encoding was involved."""
from __future__ import annotations

import unicodedata

from w3lib.encoding import html_to_unicode

UNICODE = {"utf-8", "utf8", "ascii", "us-ascii"}


def decode_html(body: bytes, content_type: str | None) -> tuple[str, list[str]]:
    encoding, text = html_to_unicode(content_type, body)
    warnings = []
    normalised = unicodedata.normalize("NFC", text)
    if encoding.lower().replace("_", "-") not in UNICODE:
        warnings.append(f"decoded from legacy encoding {encoding} and normalised to NFC Unicode")
    elif normalised != text:
        warnings.append("decomposed Unicode (NFD) normalised to NFC")
    return normalised, warnings
