"""Legacy categories -> the regulation profile's content groups, compared without
diacritics and case (`Tin tức - Sự kiện` = `TIN TUC SU KIEN`)."""
from __future__ import annotations

import re
import unicodedata

# Item kind implied by a content group; everything else is an article.
KIND_BY_GROUP = {"legal-docs": "document", "procedures": "procedure", "organization": "page", "qa": "qa"}


def fold(name: str) -> str:
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def loose(text: str | None) -> str:
    """Text compared as a reader compares titles: case, punctuation and spacing ignored,
    diacritics kept (`Tin tức` and `tin tuc` differ, `Tin tức:` and `tin tức` do not)."""
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").casefold()).split())


def build_index(groups, overrides: dict | None = None) -> dict[str, str]:
    """folded name -> group code, from each group's name and aliases, then agency overrides."""
    index = {}
    for group in groups:
        for name in (group.name, *group.aliases):
            index.setdefault(fold(name), group.code)
    for name, code in (overrides or {}).items():
        index[fold(name)] = code
    return index


def assign_group(category: str | None, index: dict[str, str]) -> tuple[str, str | None]:
    """(group code, warning or None)."""
    if not category:
        return "other", "no legacy category found; assigned to group 'other'"
    key = fold(category)
    code = index.get(key)
    if code:
        return code, None
    # Else the longest group name or alias the category contains as whole words
    # ("Chiến lược - Quy hoạch" -> plans, "Lấy ý kiến người dân" -> consultation).
    words = f" {key} "
    found = max(((alias, code) for alias, code in index.items() if alias and f" {alias} " in words),
                key=lambda pair: len(pair[0]), default=None)
    if found:
        return found[1], None
    return "other", f"legacy category {category!r} is not mapped to a content group; assigned to 'other'"
