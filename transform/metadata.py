"""The page's own metadata, the second step of every field's fallback chain (after the
mapping's selectors, before automatic extraction): JSON-LD, `og:` and `article:` meta,
`itemprop`, `<time datetime>`, `rel=category` and breadcrumbs, hidden template lists
included (NukeViet fills its visible breadcrumb from a hidden `ul.temp-breadcrumbs`).

Each value comes with its source, written `meta:<where>`, so `field_sources` says which
step gave each field."""
from __future__ import annotations

import json
import re

from .auto import agreed_headline
from .taxonomy import fold

# Types of JSON-LD objects that describe one piece of content.
_ITEM_TYPES = {"article", "newsarticle", "blogposting", "report", "govermentpermit", "legislation",
               "scholarlyarticle", "techarticle", "webpage", "aboutpage", "contactpage"}
_LIST_TYPES = {"collectionpage", "searchresultspage", "itemlist"}
_HOME = {"trang chu", "home", "trang nhat", "trang dau"}


def _first(root, xpath: str) -> str | None:
    for value in root.xpath(xpath):
        text = " ".join((value if isinstance(value, str) else " ".join(value.itertext())).split())
        if text:
            return text
    return None


def _meta(root, key: str) -> str | None:
    return _first(root, f'//meta[@property="{key}" or @name="{key}"]/@content')


def json_ld(root) -> list[dict]:
    """Every JSON-LD object on the page (`@graph` members flattened); broken blocks skipped."""
    found = []
    for script in root.xpath('//script[@type="application/ld+json"]/text()'):
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
    for where, xpath in (
            ("breadcrumb-schema", '//*[contains(@itemtype, "BreadcrumbList")]//*[@itemprop="name"]'),
            ("breadcrumb", '//*[contains(concat(" ", normalize-space(@class), " "), " temp-breadcrumbs ")]//li'),
            ("breadcrumb", '//*[contains(@class, "breadcrumb")]//li | //*[contains(@class, "breadcrumb")]//a'),
            ("breadcrumb", '//nav[contains(@aria-label, "readcrumb")]//a')):
        crumbs = [" ".join(" ".join(e.itertext()).split()) for e in root.xpath(xpath)]
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


def page_metadata(root) -> tuple[dict, dict]:
    """(candidates, signals) from the page's metadata: for each field, a list of (value,
    source) in order of trust. Signals feed page classification."""
    candidates: dict[str, list] = {k: [] for k in ("title", "title_fallback", "date", "updated", "summary",
                                                   "category", "author")}
    signals: dict = {}

    def add(name, value, source):
        if value:
            value = " ".join(str(value).split())
            if value and all(v != value for v, _ in candidates[name]):
                candidates[name].append((value, source))

    entries = json_ld(root)
    headline = next((_name(e.get("headline")) for e in entries if _types(e) & _ITEM_TYPES and e.get("headline")), None)
    # The visible headline the page's own references (og:title, <title>, JSON-LD) agree with.
    # The references alone come after automatic extraction (they often carry the site's name
    # or an editor's variant of the headline): `title_fallback`.
    add("title", agreed_headline(root, headline), "meta:headline")
    for entry in entries:
        types = _types(entry)
        if types & _LIST_TYPES:
            signals["json_ld_list"] = sorted(types & _LIST_TYPES)
        if not types & _ITEM_TYPES:
            continue
        if types - {"webpage"}:
            signals["json_ld_item"] = sorted(types)
        add("title_fallback", _name(entry.get("headline")) or _name(entry.get("name")), "meta:json-ld:headline")
        add("date", entry.get("datePublished") or entry.get("dateCreated"), "meta:json-ld:datePublished")
        add("updated", entry.get("dateModified"), "meta:json-ld:dateModified")
        add("summary", entry.get("description"), "meta:json-ld:description")
        add("category", _name(entry.get("articleSection")), "meta:json-ld:articleSection")
        add("author", _name(entry.get("author")), "meta:json-ld:author")
    og_type = (_meta(root, "og:type") or "").lower()
    if og_type:
        signals["og_type"] = og_type
    add("title_fallback", _meta(root, "og:title"), "meta:og:title")
    add("date", _meta(root, "article:published_time"), "meta:article:published_time")
    add("updated", _meta(root, "article:modified_time"), "meta:article:modified_time")
    add("summary", _meta(root, "og:description") or _meta(root, "description"), "meta:description")
    add("category", _meta(root, "article:section"), "meta:article:section")
    author = _meta(root, "article:author") or _meta(root, "author")
    if author and not _AUTHOR_URL.match(author):
        add("author", author, "meta:author")
    add("title_fallback", _first(root, '//*[@itemprop="headline"]'), "meta:itemprop:headline")
    add("title_fallback", _first(root, "//title"), "meta:title")
    add("date", _first(root, '//*[@itemprop="datePublished"]/@content | //*[@itemprop="datePublished"]/@datetime'
                             ' | //*[@itemprop="datePublished"]'), "meta:itemprop:datePublished")
    add("category", _first(root, '//*[@itemprop="articleSection"]'), "meta:itemprop:articleSection")
    add("author", _first(root, '//*[@itemprop="author"]//*[@itemprop="name"] | //*[@itemprop="author"]'),
        "meta:itemprop:author")
    # The first <time datetime> outside the page's navigation and side columns.
    add("date", _first(root, '//time[@datetime][not(ancestor::nav or ancestor::aside or ancestor::footer'
                             ' or ancestor::*[contains(@class, "sidebar") or contains(@class, "widget")])]/@datetime'),
        "meta:time")
    add("category", _first(root, '//a[contains(concat(" ", normalize-space(@rel), " "), " category ")]'),
        "meta:rel-category")
    add("author", _first(root, '//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]'), "meta:rel-author")
    title_hint = (candidates["title"] or candidates["title_fallback"] or [(None, None)])[0][0]
    crumb, where = breadcrumb(root, title_hint)
    add("category", crumb, where)
    signals["time_elements"] = int(root.xpath("count(//time)"))
    return candidates, signals
