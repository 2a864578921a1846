"""The same content under several URLs becomes one article with aliases, never two copies."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .sanitize import html_text
from .schema import Article
from .taxonomy import fold


def fingerprint(article: Article) -> str:
    """Same title and same body text (diacritics, case and spacing aside) -> same fingerprint."""
    return content_fingerprint(article.title, article.body_html, article.summary)


def content_fingerprint(title: str, body_html: str, summary: str | None = None) -> str:
    """The body's text without a first paragraph that is the summary: one site shows the sapo at
    the top of its article (kept there by the transform), another re-posting it word for word
    keeps it only as the summary; the same article either way."""
    body = fold(html_text(body_html or ""))
    lead = fold(summary or "")
    if lead and body.startswith(lead):
        body = body[len(lead):].lstrip()
    text = fold(title or "") + "\n" + body
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Duplicates:
    """Which article keeps each content and which URLs point to it."""
    aliases: dict[str, list[str]] = field(default_factory=dict)  # kept uid -> the other URLs, in order
    copies: dict[str, tuple[str, str]] = field(default_factory=dict)  # dropped uid -> (kept uid, kept URL)


def group_duplicates(entries) -> Duplicates:
    """From (fingerprint, source URL, uid[, preferred]) of every article of an agency: the first
    of each fingerprint is kept (a URL the preset calls an item first, then the shortest URL,
    then alphabetical: a module's index page showing its only page is the alias); later ones
    become aliases."""
    found = Duplicates()
    first: dict[str, tuple[str, str]] = {}
    for key, url, uid, *_ in sorted(entries, key=lambda e: (not (e[3] if len(e) > 3 else False), len(e[1]), e[1])):
        if key not in first:
            first[key] = (uid, url)
            continue
        kept_uid, kept_url = first[key]
        found.aliases.setdefault(kept_uid, []).append(url)
        found.copies[uid] = (kept_uid, kept_url)
    return found


def duplicate_reason(kept_uid: str, kept_url: str) -> str:
    return f"same content as {kept_uid} ({kept_url}); kept there as an alias"
