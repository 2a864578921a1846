"""The names a page gives to the sections it sits in, from its own links: a title equal to one
names the section or the site, not the page (vbpl.vn's `<title>` is `Trung ương`, the name its
banner and menu give the database the page is in)."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

_HOME_FILE = re.compile(r"/(?:index\.\w+|default\.aspx|home\.aspx)$", re.I)


def _place(path: str) -> str:
    """A path as a folder is named: lower case, `index.html`/`Default.aspx` and the trailing slash cut."""
    return _HOME_FILE.sub("", path.lower()).rstrip("/") or "/"


_LINKS_SHOWING = etree.XPath("//a[@href][normalize-space(.) = $text]")


def names_section(root, url: str, text: str) -> bool:
    """Whether `text` is the text of a link to the page's home page or to a folder above it
    (`Trung ương` linking `/tw` from `/tw/Pages/vbpq-toanvan.aspx`): then it names the section
    the page sits in, or the site. Links with a query name an item or a view, not a section."""
    page = urlsplit(url)
    wanted = " ".join((text or "").split())
    if not page.hostname or not wanted:
        return False
    parts = [p for p in _place(page.path).split("/") if p]
    above = {"/" + "/".join(parts[:n]) if n else "/" for n in range(len(parts))}
    origins = tuple(f"{scheme}://{page.netloc}".lower() for scheme in ("http", "https"))
    for link in _LINKS_SHOWING(root, text=wanted):
        path = _path(link.get("href") or "", url, origins, page.hostname)
        if path is not None and _place(path) in above:
            return True
    return False


def _path(href: str, url: str, origins: tuple[str, ...], host: str) -> str | None:
    """The path of a link to the page's own host with no query, or None (most links are read
    without urljoin: a path from the root, or an address on the page's origin)."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")) or "?" in href:
        return None
    href = href.split("#", 1)[0]
    if href.startswith("/") and not href.startswith("//"):
        return href
    lowered = href.lower()
    for origin in origins:
        if lowered.startswith(origin) and (len(href) == len(origin) or href[len(origin)] == "/"):
            return href[len(origin):] or "/"
    if lowered.startswith(("http:", "https:", "//")):
        return None  # another host
    target = urlsplit(urljoin(url, href))  # relative: `../tin-tuc/`, `trang-chu.html`
    return target.path if target.hostname == host and not target.query else None
