"""Field-level and word-level diffs between what the portal was given and what a plan writes."""
from __future__ import annotations

import difflib
import json
import re

SUMMARY_FIELDS = ("title", "published_at", "kind", "group", "source_url", "attachments", "images")
TEXT_FIELDS = ("title", "summary", "body_markdown", "author")
_WORD = re.compile(r"\s+|[^\s]+")


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def word_diff(old: str, new: str) -> list[list[str]]:
    """[[op, text], ...] with op "=" (kept), "-" (removed) or "+" (added), word by word, so a
    change at the end of a long title is seen at the end of it."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    out: list[list[str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(["=", "".join(a[i1:i2])])
        else:
            if i2 > i1:
                out.append(["-", "".join(a[i1:i2])])
            if j2 > j1:
                out.append(["+", "".join(b[j1:j2])])
    return out


def field_diff(old: dict | None, new: dict) -> list[dict]:
    """[{field, old, new, lines, words}] for each field that differs; `lines` is a unified diff
    for long text fields, `words` a word-level diff of text fields. A create (old is None)
    lists the headline fields only."""
    changes = []
    names = SUMMARY_FIELDS if old is None else sorted(new)
    for name in names:
        before, after = (old or {}).get(name), new.get(name)
        if old is not None and before == after:
            continue
        change = {"field": name, "old": _show(before), "new": _show(after)}
        if name in ("body_markdown", "body_html", "summary") and old is not None:
            change["lines"] = list(difflib.unified_diff(_show(before).splitlines(), _show(after).splitlines(),
                                                        "portal", "legacy", lineterm="", n=1))
        if name in TEXT_FIELDS and old is not None:
            change["words"] = word_diff(_show(before), _show(after))
        changes.append(change)
    return changes
