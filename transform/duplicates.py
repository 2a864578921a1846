"""The same content under several URLs becomes one article with aliases, never two copies."""
from __future__ import annotations

import dataclasses
import hashlib

from .sanitize import html_text
from .schema import Article, SkippedPage
from .taxonomy import fold


def fingerprint(article: Article) -> str:
    """Same title and same body text (diacritics, case and spacing aside) -> same fingerprint."""
    return content_fingerprint(article.title, article.body_html)


def content_fingerprint(title: str, body_html: str) -> str:
    text = fold(title or "") + "\n" + fold(html_text(body_html or ""))
    return hashlib.sha256(text.encode()).hexdigest()


def merge_duplicates(results: list) -> list:
    """Keep the first article of each fingerprint (shortest URL wins among equals); later ones
    become SkippedPage records naming it, and their URLs become its aliases."""
    kept: dict[str, int] = {}  # fingerprint -> index in out
    articles = sorted((r for r in results if isinstance(r, Article)), key=lambda a: (len(a.source_url), a.source_url))
    out: list = [r for r in results if isinstance(r, SkippedPage)]
    for article in articles:
        key = fingerprint(article)
        if key not in kept:
            kept[key] = len(out)
            out.append(article)
            continue
        first = out[kept[key]]
        merged = dataclasses.replace(first, aliases=[*first.aliases, article.source_url])
        merged.content_hash = merged.compute_hash()
        out[kept[key]] = merged
        out.append(SkippedPage(article.uid, article.agency, article.source_url,
                               f"same content as {first.uid} ({first.source_url}); kept there as an alias"))
    return out
