"""Mapped extraction: ordered selector fallbacks per field; the first that yields wins, and
which one did is recorded."""
from __future__ import annotations

from copy import deepcopy
from functools import lru_cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

TEXT_FIELDS = ("title", "date", "summary", "category", "author")
LIST_FIELDS = ("attachments", "images")
_TRANSLATOR = HTMLTranslator()


@lru_cache(maxsize=2048)
def _compiled(selector: str) -> etree.XPath:
    """A mapping's CSS selector (with parsel's ::text and ::attr()) as compiled XPath, once:
    evaluating it on the parsed tree skips parsel's per-result wrapping."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(selector), smart_strings=False)


def _strings(root, selector: str) -> list[str]:
    return [r if isinstance(r, str) else etree.tostring(r, method="html", encoding="unicode", with_tail=False)
            for r in _compiled(selector)(root)]


def _clean(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def parse_page(html: str):
    """The page as an lxml tree, parsed the way Scrapy's selectors parse it (once per page:
    mapped fields and legal-document metadata are both read from it)."""
    return Selector(text=html).root


def _without(element, selectors):
    """A copy of the body element without what the mapping's `exclude` selectors match."""
    if not selectors:
        return element
    copy = deepcopy(element)
    for selector in selectors:
        for found in _compiled(selector)(copy):
            if not isinstance(found, str) and found is not copy and found.getparent() is not None:
                found.drop_tree()
    return copy


def extract_fields(page, fields: dict) -> tuple[dict, dict]:
    """Returns (values, sources): values[field] is text, HTML (body) or a list of hrefs.
    `page` is HTML text or a tree from parse_page."""
    root = parse_page(page) if isinstance(page, str) else page
    values: dict = {}
    sources: dict = {}
    for name in TEXT_FIELDS:
        for selector in fields.get(name, ()):
            text = _clean(_strings(root, selector))
            if text:
                values[name], sources[name] = text, selector
                break
    for selector in fields.get("body", ()):
        found = _compiled(selector)(root)
        if found and not isinstance(found[0], str) and _clean(found[0].xpath(".//text()")):
            body = _without(found[0], fields.get("exclude", ()))
            values["body"], sources["body"] = etree.tostring(body, method="html", encoding="unicode",
                                                             with_tail=False), selector
            break
    for name in LIST_FIELDS:
        seen: list[str] = []
        for selector in fields.get(name, ()):
            for href in _strings(root, selector):
                href = href.strip()
                if href and href not in seen:
                    seen.append(href)
                    sources.setdefault(name, selector)
        values[name] = seen
    return values, sources


def explain_fields(html: str, fields: dict) -> list[dict]:
    """For each field and each of its selectors in order: what the selector yields and whether
    it is the one extraction uses. This is how people write and fix mappings."""
    doc = Selector(text=html)
    values, sources = extract_fields(doc.root, fields)
    rows = []
    for name, selectors in fields.items():
        for selector in selectors:
            found = doc.css(selector)
            if name == "body":
                preview = _clean(found[0].css("::text").getall()) if found else ""
            else:
                preview = _clean(found.getall()) if name not in LIST_FIELDS else ", ".join(found.getall())
            rows.append({"field": name, "selector": selector, "matches": len(found), "value": preview,
                         "used": sources.get(name) == selector})
    return rows
