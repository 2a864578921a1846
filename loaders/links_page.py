"""Interim links kept as one HTML list on a portal page (WordPress, most vendor CMSs): one
`<li>` per unit, read back by its `data-portalize-link` key. `LinksOnAPage` gives an adapter
`links`, `register_link` and `remove_link` from how it reads and writes that page."""
from __future__ import annotations

import html
import re

from .base import LinkRef

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


class LinksOnAPage:
    """The interim-link part of the portal contract for an adapter that keeps the links on one
    page. The adapter gives `_read_links()` -> (its page, or None; the page's HTML) and
    `_write_links(page, html)` (page None: create it)."""

    def links(self) -> list[dict]:
        return parse_links(self._read_links()[1])

    def register_link(self, key: str, title: str, url: str, group: str) -> LinkRef:
        page, content = self._read_links()
        links, created = with_link(parse_links(content), key, title, url, group)
        self._write_links(page, links_html(links))
        return LinkRef(key, url, created)

    def remove_link(self, key: str) -> bool:
        page, content = self._read_links()
        links = parse_links(content)
        kept = [link for link in links if link["key"] != key]
        if len(kept) != len(links):
            self._write_links(page, links_html(kept))
        return len(kept) != len(links)
