"""Field-level diffs between what the portal has and what a plan would write."""
from __future__ import annotations

import difflib
import json

SUMMARY_FIELDS = ("title", "published_at", "kind", "group", "source_url", "attachments", "images")


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def field_diff(old: dict | None, new: dict) -> list[dict]:
    """[{field, old, new, lines}] for each field that differs; `lines` is a unified diff
    for long text fields. A create (old is None) lists the headline fields only."""
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
        changes.append(change)
    return changes
