"""The one decision on which URLs the portal may hold as a link or a picture: http(s), mailto
and tel, or a relative address; every other scheme (javascript:, vbscript:, data:, file:, ...)
is refused. Used wherever a URL from a legacy site reaches a page: the sanitised body, the
Markdown, attachments and images, the fields sent to portals, the review and portal pages. Pure.

The scheme is read as generously as any reader could read it: HTML entities decoded (again and
again: `&amp;#106;` once stored and rendered twice), Unicode compatibility forms folded
(`ｊａｖａｓｃｒｉｐｔ:`), and every control character and whitespace removed (browsers drop
tabs and newlines anywhere, others drop the rest), so `java\\tscript:`, `JaVaScRiPt:`,
`&#106;avascript:` and ` \\x01javascript:` are all refused."""
from __future__ import annotations

import re
import unicodedata
from html import unescape

SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff\s]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.I)
_SAFE_START = re.compile(r"(?:https?|mailto|tel):", re.I)
_RASTER_DATA = re.compile(r"data:image/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=]*", re.I)


def _readings(url: str):
    """Every form a reader could make of `url`: decoded as HTML up to a fixed point, each
    folded (NFKC) and with invisible characters removed."""
    seen = set()
    text = url
    for _ in range(8):
        for form in (text, unicodedata.normalize("NFKC", text)):
            compact = _INVISIBLE.sub("", form)
            if compact not in seen:
                seen.add(compact)
                yield compact
        decoded = unescape(text)
        if decoded == text:
            return
        text = decoded
    yield "javascript:"  # entities nested deeper than any reader decodes: refused, not guessed


def url_scheme(compact: str) -> str | None:
    """The scheme of a URL (lowercase), or None for a relative address."""
    match = _SCHEME.match(compact)
    return match[1].lower() if match else None


def safe_url(url: str | None, image: bool = False) -> str | None:
    """`url` (without its surrounding whitespace) when every reading of it is an http(s),
    mailto or tel URL or a relative address; else None. `image`: the URL is a picture's
    source, where a base64 raster `data:image/...` URL (a pasted picture) is also kept: it
    cannot run script."""
    if url is None:
        return None
    stripped = url.strip()
    # Most addresses: a safe scheme first (no reading can change its letters), or plain ASCII
    # with no `:` and no `&` (no reading can make a scheme of it).
    if _SAFE_START.match(stripped) or (stripped.isascii() and ":" not in stripped and "&" not in stripped):
        return stripped
    for compact in _readings(url):
        scheme = url_scheme(compact)
        if scheme is None or scheme in SCHEMES:
            continue
        if image and scheme == "data" and _RASTER_DATA.fullmatch(compact):
            continue
        return None
    return stripped


def is_safe_url(url: str | None, image: bool = False) -> bool:
    return safe_url(url, image) is not None
