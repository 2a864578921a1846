"""Mapped extraction: ordered selector fallbacks per field; the first that yields wins, and
which one did is recorded."""
from __future__ import annotations

from parsel import Selector

TEXT_FIELDS = ("title", "date", "summary", "category", "author")
LIST_FIELDS = ("attachments", "images")


def _clean(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def extract_fields(html: str, fields: dict) -> tuple[dict, dict]:
    """Returns (values, sources): values[field] is text, HTML (body) or a list of hrefs."""
    doc = Selector(text=html)
    values: dict = {}
    sources: dict = {}
    for name in TEXT_FIELDS:
        for selector in fields.get(name, ()):
            text = _clean(doc.css(selector).getall())
            if text:
                values[name], sources[name] = text, selector
                break
    for selector in fields.get("body", ()):
        found = doc.css(selector)
        if found and _clean(found[0].css("::text").getall()):
            values["body"], sources["body"] = found[0].get(), selector
            break
    for name in LIST_FIELDS:
        seen: list[str] = []
        for selector in fields.get(name, ()):
            for href in doc.css(selector).getall():
                href = href.strip()
                if href and href not in seen:
                    seen.append(href)
                    sources.setdefault(name, selector)
        values[name] = seen
    return values, sources
