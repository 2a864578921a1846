"""What a site repeats on every page, learned from a sample of its pages: the site name that
titles carry (`Bài viết – Sở Tài nguyên và Môi trường`) and the text blocks of its template
(menus, sidebars, visitor counters, polls, session notices) that must not end up in bodies.

Numbers are folded before blocks are compared, so a visitor counter that changes on every
request is still one block, and never makes a re-run plan an update."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+")
_DIGITS = re.compile(r"\d+")
_BLOCK_TAGS = {"p", "li", "td", "th", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "div", "section", "aside", "ul",
               "ol", "table", "form", "span", "font", "b", "strong", "label", "blockquote", "figcaption", "center"}
_MIN_PAGES = 5        # fewer pages than this teach nothing
_SITE_NAME_SHARE = 0.3
_BOILERPLATE_SHARE = 0.5
_MIN_BLOCK = 12       # characters: shorter blocks ("Trang chủ") are left alone


@dataclass(frozen=True)
class SiteTemplate:
    site_names: tuple[str, ...] = ()
    boilerplate: frozenset = field(default_factory=frozenset)  # keys of template text blocks
    generic_titles: frozenset = field(default_factory=frozenset)  # <title>s many pages share
    pages: int = 0  # how many pages it was learned from


def block_key(text: str) -> str | None:
    """A block's text, spaces and case folded and digits made 0, as a short digest."""
    text = _DIGITS.sub("0", " ".join(text.split()).casefold())
    if len(text) < _MIN_BLOCK:
        return None
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _text(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _segments(title: str) -> list[str]:
    parts = _SEPARATORS.split(" ".join(title.split()))
    return [parts[0], parts[-1]] if len(parts) > 1 else []


def learn_template(pages) -> SiteTemplate:
    """`pages`: HTML texts of a sample of the site's pages (about 60 suffice)."""
    names: Counter = Counter()
    blocks: Counter = Counter()
    titles: Counter = Counter()
    count = 0
    for html in pages:
        try:
            root = lxml.html.document_fromstring(html)
        except (etree.ParserError, ValueError):
            continue
        count += 1
        title = root.findtext(".//title") or ""
        names.update(set(_segments(title)))
        titles[" ".join(title.split())] += 1
        site_name = root.xpath('string(//meta[@property="og:site_name"]/@content)').strip()
        if site_name:
            names[site_name] += 1
        keys = set()
        body = root.find("body")
        for element in (body.iter() if body is not None else ()):
            if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
                key = block_key(_text(element))
                if key:
                    keys.add(key)
        blocks.update(keys)
    if count < _MIN_PAGES:
        return SiteTemplate(pages=count)
    site_names = tuple(n for n, c in names.most_common(3) if c >= max(3, _SITE_NAME_SHARE * count) and len(n) >= 3)
    boilerplate = frozenset(k for k, c in blocks.items() if c >= max(3, _BOILERPLATE_SHARE * count))
    generic = frozenset(t for t, c in titles.items() if t and c >= max(3, 0.2 * count))
    return SiteTemplate(site_names, boilerplate, generic, count)


def clean_title(title: str | None, site_names) -> str | None:
    """The title without the site name before or after a separator; None when nothing but the
    site name is left."""
    if not title:
        return None
    title = " ".join(title.split())
    for name in site_names:
        if title.casefold() == name.casefold():
            return None
        for pattern in (rf"^(.+?)\s+[|\-–—:·»]\s+{re.escape(name)}$", rf"^{re.escape(name)}\s+[|\-–—:·»]\s+(.+)$"):
            match = re.match(pattern, title, re.I)
            if match:
                title = match[1].strip()
    return title or None


def strip_boilerplate(body_html: str, template: SiteTemplate) -> tuple[str, int]:
    """The body without the site's template blocks; (html, blocks removed)."""
    if not template.boilerplate or not body_html:
        return body_html, 0
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return body_html, 0
    gone: list = []
    for element in list(root.iter()):
        if element is root or not isinstance(element.tag, str) or element.tag not in _BLOCK_TAGS:
            continue
        if any(a in gone for a in element.iterancestors()):
            continue  # inside a block removed already
        key = block_key(_text(element))
        if key and key in template.boilerplate:
            gone.append(element)
    if not gone:
        return body_html, 0
    # Blocks repeated on every page that make up most of the body are the body (pages made from
    # one template, numbers aside), not the site's furniture: kept.
    total = len(_text(root))
    if sum(len(_text(e)) for e in gone) > total / 2:
        return body_html, 0
    for element in gone:
        element.drop_tree()
    removed = len(gone)
    if not removed:
        return body_html, 0
    inner = (root.text or "") + "".join(etree.tostring(c, method="html", encoding="unicode") for c in root)
    return inner, removed
