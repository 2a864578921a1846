"""Interim links kept as one HTML list on a portal page (WordPress, most vendor CMSs): one
`<li>` per unit, read back by its `data-portalize-link` key. Pure."""
from __future__ import annotations

import html
import re

LINKS_SLUG = "lien-ket-don-vi"
LINKS_TITLE = "Liên kết trang thông tin điện tử các đơn vị"
_LINK = re.compile(r'<li data-portalize-link="([^"]*)" data-group="([^"]*)"><a href="([^"]*)">(.*?)</a></li>')


def parse_links(content: str | None) -> list[dict]:
    return [{"key": html.unescape(k), "group": html.unescape(g), "url": html.unescape(u), "title": html.unescape(t)}
            for k, g, u, t in _LINK.findall(content or "")]


def links_html(links: list[dict]) -> str:
    items = "\n".join(f'<li data-portalize-link="{html.escape(link["key"])}" data-group="{html.escape(link["group"])}">'
                      f'<a href="{html.escape(link["url"])}">{html.escape(link["title"])}</a></li>' for link in links)
    return f'<ul class="portalize-links">\n{items}\n</ul>'


def with_link(links: list[dict], key: str, title: str, url: str, group: str) -> tuple[list[dict], bool]:
    """(the list with this unit's link put or replaced, whether it is new)."""
    created = not any(link["key"] == key for link in links)
    return [link for link in links if link["key"] != key] + [{"key": key, "title": title, "url": url, "group": group}], created
