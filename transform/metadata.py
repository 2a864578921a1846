"""The page's own metadata, the second step of every field's fallback chain (after the
mapping's selectors, before automatic extraction): JSON-LD, `og:` and `article:` meta,
`itemprop`, `<time datetime>`, `rel=category` and breadcrumbs, hidden template lists
included (NukeViet fills its visible breadcrumb from a hidden `ul.temp-breadcrumbs`).

Each value comes with its source, written `meta:<where>`, so `field_sources` says which
step gave each field."""
from __future__ import annotations

import json
import re
from functools import lru_cache

from lxml import etree

from .auto import agreed_headline
from .sections import names_section
from .taxonomy import fold

# Types of JSON-LD objects that describe one piece of content.
_ITEM_TYPES = {"article", "newsarticle", "blogposting", "report", "govermentpermit", "legislation",
               "scholarlyarticle", "techarticle", "webpage", "aboutpage", "contactpage"}
_LIST_TYPES = {"collectionpage", "searchresultspage", "itemlist"}
_HOME = {"trang chu", "home", "trang nhat", "trang dau"}


@lru_cache(maxsize=64)
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, smart_strings=False)


def _first(root, xpath: str) -> str | None:
    for value in _xpath(xpath)(root):
        text = " ".join((value if isinstance(value, str) else " ".join(value.itertext())).split())
        if text:
            return text
    return None


def _metas(root) -> dict[str, str]:
    """Every <meta property|name> of the page, once: key -> content (the first wins)."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key and key not in found and meta.get("content"):
            found[key] = meta.get("content")
    return found


def _itemprops(root) -> dict[str, list]:
    """Elements by itemprop, in document order, in one pass."""
    found: dict[str, list] = {}
    for element in _xpath("//*[@itemprop]")(root):
        found.setdefault(element.get("itemprop"), []).append(element)
    return found


def _prop_text(elements) -> str | None:
    for element in elements or ():
        value = element.get("content") or element.get("datetime") or " ".join(" ".join(element.itertext()).split())
        if value and value.strip():
            return " ".join(value.split())
    return None


def json_ld(root) -> list[dict]:
    """Every JSON-LD object on the page (`@graph` members flattened); broken blocks skipped."""
    found = []
    for script in _xpath('//script[@type="application/ld+json"]/text()')(root):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            entry = stack.pop(0)
            if isinstance(entry, dict):
                found.append(entry)
                graph = entry.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return found


def _types(entry: dict) -> set[str]:
    kind = entry.get("@type")
    return {str(k).lower() for k in (kind if isinstance(kind, list) else [kind]) if k}


def _name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return " ".join(str(value).split()) or None if value else None


def breadcrumb(root, title: str | None = None) -> tuple[str | None, str | None]:
    """(the section a breadcrumb names, where it was found): the last crumb that is not the
    home page nor the page's own title. Template lists hidden for JavaScript count too."""
    # One scan for every kind of trail, then each kind in order of trust.
    trails = _xpath('//*[contains(@itemtype, "BreadcrumbList") or contains(@class, "breadcrumb")'
                    ' or (self::nav and contains(@aria-label, "readcrumb"))]')(root)
    for where, wanted, inner in (
            ("breadcrumb-schema", lambda e: "BreadcrumbList" in (e.get("itemtype") or ""), './/*[@itemprop="name"]'),
            ("breadcrumb", lambda e: "temp-breadcrumbs" in (e.get("class") or "").split(), ".//li"),
            ("breadcrumb", lambda e: "breadcrumb" in (e.get("class") or ""), ".//li | .//a"),
            ("breadcrumb", lambda e: e.tag == "nav", ".//a")):
        crumbs = [" ".join(" ".join(c.itertext()).split()) for e in trails if wanted(e) for c in _xpath(inner)(e)]
        crumbs = [c.strip(" »>/|›") for c in crumbs]
        crumbs = [c for c in crumbs if c and fold(c) not in _HOME and (not title or fold(c) != fold(title))]
        if crumbs:
            return crumbs[-1], f"meta:{where}"
    for entry in json_ld(root):
        if "breadcrumblist" in _types(entry):
            names = [_name(i.get("item")) or _name(i) for i in entry.get("itemListElement") or [] if isinstance(i, dict)]
            names = [n for n in names if n and fold(n) not in _HOME and (not title or fold(n) != fold(title))]
            if names:
                return names[-1], "meta:json-ld:breadcrumb"
    return None, None


_AUTHOR_URL = re.compile(r"^https?://")


def _signals(root, entries) -> dict:
    signals = {}
    for entry in entries:
        types = _types(entry)
        if types & _LIST_TYPES:
            signals["json_ld_list"] = sorted(types & _LIST_TYPES)
        if types & _ITEM_TYPES and types - {"webpage"}:
            signals["json_ld_item"] = sorted(types)
    og_type = next((m.get("content", "").lower() for m in root.iter("meta") if m.get("property") == "og:type"), "")
    if og_type:
        signals["og_type"] = og_type
    return signals


class PageMetadata:
    """The page's metadata, read field by field as the fallback chain asks: `candidates(name)`
    is a list of (value, source) in order of trust. Costly parts (breadcrumbs, the agreed
    headline) are read only for the field that needs them."""

    def __init__(self, root, url: str = ""):
        self.root = root
        self.url = url
        self._cache: dict[str, list] = {}
        self._entries = self._metas = self._props = None
        self._sections: dict[str, bool] = {}

    def names_section(self, text: str | None) -> bool:
        """Whether `text` is the name the page's links give to a section it sits in, or to the
        site (`sections.names_section`): a title equal to one is not the page's headline."""
        if not text:
            return False
        if text not in self._sections:
            self._sections[text] = names_section(self.root, self.url, text)
        return self._sections[text]

    @property
    def entries(self) -> list[dict]:
        if self._entries is None:
            self._entries = [e for e in json_ld(self.root)]
        return self._entries

    @property
    def items(self) -> list[dict]:
        return [e for e in self.entries if _types(e) & _ITEM_TYPES]

    @property
    def metas(self) -> dict:
        if self._metas is None:
            self._metas = _metas(self.root)
        return self._metas

    @property
    def props(self) -> dict:
        if self._props is None:
            self._props = _itemprops(self.root)
        return self._props

    def shows(self, text: str) -> bool:
        """Whether an element of the page has `text` as its own whole text."""
        wanted = " ".join(text.split())
        return bool(wanted) and any(" ".join((element.text or "").split()) == wanted
                                    for element in self.root.iter() if isinstance(element.tag, str))

    @property
    def document_title(self) -> str | None:
        return _first(self.root, "//title")

    @property
    def signals(self) -> dict:
        return _signals(self.root, self.entries)

    def candidates(self, name: str) -> list:
        if name not in self._cache:
            found: list = []
            for value, source in getattr(self, f"_{name}")():
                if value:
                    value = " ".join(str(value).split())
                    if value and all(v != value for v, _ in found):
                        found.append((value, source))
            self._cache[name] = found
        return self._cache[name]

    # One generator per field, in order of trust.
    def _title(self):
        headline = next((_name(e.get("headline")) for e in self.items if e.get("headline")), None)
        # The visible headline the page's own references (og:title, <title>, JSON-LD) agree
        # with. The references alone come after automatic extraction (they often carry the
        # site's name or an editor's variant of the headline): `title_fallback`.
        yield agreed_headline(self.root, headline, self.names_section), "meta:headline"

    def _title_fallback(self):
        for entry in self.items:
            yield _name(entry.get("headline")) or _name(entry.get("name")), "meta:json-ld:headline"
        yield self.metas.get("og:title"), "meta:og:title"
        yield _prop_text(self.props.get("headline")), "meta:itemprop:headline"
        yield _first(self.root, "//title"), "meta:title"

    def _date(self):
        for entry in self.items:
            yield entry.get("datePublished") or entry.get("dateCreated"), "meta:json-ld:datePublished"
        yield self.metas.get("article:published_time"), "meta:article:published_time"
        yield _prop_text(self.props.get("datePublished")), "meta:itemprop:datePublished"
        # The first <time datetime> outside the page's navigation and side columns.
        yield _first(self.root, '//time[@datetime][not(ancestor::nav or ancestor::aside or ancestor::footer'
                                ' or ancestor::*[contains(@class, "sidebar") or contains(@class, "widget")])]'
                                '/@datetime'), "meta:time"

    def _updated(self):
        for entry in self.items:
            yield entry.get("dateModified"), "meta:json-ld:dateModified"
        yield self.metas.get("article:modified_time"), "meta:article:modified_time"

    def _summary(self):
        for entry in self.items:
            yield entry.get("description"), "meta:json-ld:description"
        yield self.metas.get("og:description") or self.metas.get("description"), "meta:description"

    def _category(self):
        for entry in self.items:
            yield _name(entry.get("articleSection")), "meta:json-ld:articleSection"
        yield self.metas.get("article:section"), "meta:article:section"
        yield _prop_text(self.props.get("articleSection")), "meta:itemprop:articleSection"
        yield _first(self.root, '//a[contains(concat(" ", normalize-space(@rel), " "), " category ")]'), \
            "meta:rel-category"
        title = (self.candidates("title") or self.candidates("title_fallback") or [(None, None)])[0][0]
        yield breadcrumb(self.root, title)

    def _author(self):
        for entry in self.items:
            yield _name(entry.get("author")), "meta:json-ld:author"
        author = self.metas.get("article:author") or self.metas.get("author")
        if author and not _AUTHOR_URL.match(author):
            yield author, "meta:author"
        authors = self.props.get("author") or []
        names = [e for e in self.props.get("name", ()) if any(a in authors for a in e.iterancestors())]
        yield _prop_text(names) or _prop_text(authors), "meta:itemprop:author"
        yield _first(self.root, '//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]'), "meta:rel-author"
