"""Safe HTML for a portal article: an allow-list through nh3, links made absolute first."""
from __future__ import annotations

import lxml.html
import nh3

TAGS = {"p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "span", "h2", "h3", "h4",
        "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "table", "thead", "tbody", "tfoot",
        "tr", "th", "td", "caption", "colgroup", "col", "figure", "figcaption", "img", "a"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "col": {"span"}}
SCHEMES = {"http", "https", "mailto", "tel"}


def absolutize(html: str, base_url: str) -> str:
    if not html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    fragment.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    return lxml.html.tostring(fragment, encoding="unicode")


def sanitize(html: str, base_url: str) -> str:
    cleaned = nh3.clean(absolutize(html, base_url), tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                        clean_content_tags={"script", "style", "noscript", "template"}, link_rel="noopener",
                        strip_comments=True)
    return "\n".join(line.rstrip() for line in cleaned.strip().splitlines() if line.strip())
