"""The names a page gives to the sections it sits in, from its own links: a title equal to one
names the section or the site, not the page (vbpl.vn's `<title>` is `Trung ương`, the name its
banner and menu give the database the page is in)."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from .taxonomy import loose

_HOME_FILE = re.compile(r"/(?:index\.\w+|default\.aspx|home\.aspx)$", re.I)


def _place(path: str) -> str:
    """A path as a folder is named: lower case, `index.html`/`Default.aspx` and the trailing slash cut."""
    return _HOME_FILE.sub("", path.lower()).rstrip("/") or "/"


def section_names(root, url: str) -> set[str]:
    """The `loose` texts of the links to the page's home page or to a folder above it (links with a query name
    an item or a view, not a section)."""
    page = urlsplit(url)
    if not page.hostname:
        return set()
    parts = [p for p in _place(page.path).split("/") if p]
    above = {"/" + "/".join(parts[:n]) if n else "/" for n in range(len(parts))}
    names = set()
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urlsplit(urljoin(url, href))
        if target.hostname == page.hostname and not target.query and _place(target.path) in above:
            text = loose(" ".join(link.itertext()))
            if text:
                names.add(text)
    return names
