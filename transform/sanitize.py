"""Safe HTML for a portal article: an allow-list through nh3, links made absolute."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import nh3

from .embedded import is_data_url, is_image_data_url
from .fragments import parse_fragment
from .safe_urls import SCHEMES, safe_url

TAGS = {"p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "span", "h2", "h3", "h4",
        "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "table", "thead", "tbody", "tfoot",
        "tr", "th", "td", "caption", "colgroup", "col", "figure", "figcaption", "img", "a"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "col": {"span"}}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(html: str) -> str:
    """Control characters out (lxml refuses them); a NUL between two words becomes a space
    (removed, it would join them)."""
    return _CONTROL.sub("", html.replace("\x00", " "))


def _clean(html: str, attribute_filter) -> str:
    # `data` passes nh3's scheme check only to reach the filter, which keeps it for pasted
    # raster images (<img src>) and nowhere else.
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES | {"data"},
                     clean_content_tags={"script", "style", "noscript", "template"}, link_rel=None,
                     strip_comments=True, attribute_filter=attribute_filter)


def _link_filter(base_url: str | None):
    """An nh3 attribute filter for href and src: a `data:` URL only as an image's source and
    only for a raster image; other links made absolute against the page URL (when given). nh3
    calls it after its own scheme check; safe_url (the one decision on schemes) reads the
    value and the joined URL again."""
    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src"):
            return value
        if is_data_url(value):
            return value.strip() if tag == "img" and attribute == "src" and is_image_data_url(value) else None
        if safe_url(value) is None:
            return None
        if base_url is None:
            return value
        try:
            joined = urljoin(base_url, value.strip())
            return joined if urlsplit(joined).scheme.lower() in SCHEMES and safe_url(joined) else None
        except ValueError:  # a URL urllib cannot read (a broken IPv6 host): dropped, as lxml would
            return None
    return check


def sanitize(html: str, base_url: str) -> str:
    """Allow-list sanitising with nh3 (any input, however broken), links made absolute in the
    second pass.

    Control characters (which lxml refuses) are removed before nh3, and again before a second
    pass when nh3's output holds any (`java&#1;script:` decoded): removed only after the last
    pass, it would become `javascript:` behind nh3's back."""
    links = _link_filter(base_url)
    once = _clean(_without_controls(html), links)
    out = _clean(_without_controls(once), links) if _CONTROL.search(once) else once
    return "\n".join(line.rstrip() for line in out.strip().splitlines() if line.strip())


_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "br", "hr",
           "figure", "figcaption", "blockquote", "pre", "table", "caption", "section", "article"}


def html_text(html: str) -> str:
    """Plain text of an HTML fragment, one line per block (words of two blocks never merge)."""
    if not html or not html.strip():
        return ""
    root = parse_fragment(_without_controls(html))
    parts: list[str] = []

    def walk(element):
        block = isinstance(element.tag, str) and element.tag in _BLOCKS
        if block:
            parts.append("\n")
        if isinstance(element.tag, str) and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
