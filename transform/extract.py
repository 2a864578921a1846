"""Mapped extraction: ordered selector fallbacks per field; the first that yields wins, and
which one did is recorded."""
from __future__ import annotations

from copy import deepcopy
from functools import lru_cache

import lxml.html
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

_HAS_TEXT = etree.XPath("boolean(normalize-space(.))")
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


# Scrapy's selector parser (recovering, no size limit) without comments and processing
# instructions: nothing reads them, and trafilatura then works on this same tree. A new parser
# per page: one kept for all pages keeps libxml2's dictionary, which interns short texts of
# every page parsed (350 MB after 4,000 pages).
_PARSER_OPTIONS = {"recover": True, "encoding": "utf-8", "huge_tree": True, "remove_comments": True,
                   "remove_pis": True}


class TooDeep(ValueError):
    """The page nests elements deeper than libxml2 reads: everything past that depth is lost."""


def parse_page(html: str):
    """The page as an lxml tree, parsed once per page and read by every step (mapped fields,
    metadata, classification, legal-document properties, automatic extraction). Raises TooDeep
    when the parser stopped at its depth limit (the rest of the page would silently vanish)."""
    # A NUL byte (lxml stops at one) becomes a space: legacy databases pad and separate words with it.
    body = html.strip().replace("\x00", " ").encode("utf-8", "surrogatepass") or b"<html/>"
    parser = lxml.html.HTMLParser(**_PARSER_OPTIONS)
    root = etree.fromstring(body, parser=parser)
    too_deep = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"
                     and "depth" in e.message.lower()), None)
    if too_deep is not None:
        raise TooDeep(f"{too_deep.message.split(',')[0].strip()} (line {too_deep.line})")
    return root if root is not None else etree.fromstring(b"<html/>", parser=parser)


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
        if found and not isinstance(found[0], str) and _HAS_TEXT(found[0]):
            body = _without(found[0], fields.get("exclude", ()))
            values["body"], sources["body"] = etree.tostring(body, method="html", encoding="unicode",
                                                             with_tail=False), selector
            break
    for name in LIST_FIELDS:
        seen: dict[str, None] = {}  # in document order, once each
        for selector in fields.get(name, ()):
            for href in _strings(root, selector):
                href = href.strip()
                if href and href not in seen:
                    seen[href] = None
                    sources.setdefault(name, selector)
        values[name] = list(seen)
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
