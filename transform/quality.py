"""The field report of one agency's transform, and the quality gate a plan must pass.

For each field: the share filled by the mapping's selectors, by the page's metadata, by
automatic extraction, and missing (from each item's `field_sources`); items per kind and per
content group. Pure: it reads staged article dicts and returns numbers."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FIELDS = ("title", "date", "category", "body", "author", "summary")
STEPS = ("mapping", "metadata", "auto", "missing")
_NOT_OF_PAGES = ("date", "category", "author")  # static pages have none: not counted for them
_VALUE = {"title": "title", "date": "published_at", "category": "legacy_category", "body": "body_html",
          "author": "author", "summary": "summary"}


def step_of(source: str | None) -> str:
    """Which step of the fallback chain a `field_sources` entry names."""
    if not source:
        return "missing"
    if source.startswith("meta:"):
        return "metadata"
    if source.startswith("auto") or source == "url":
        return "auto"
    return "mapping"


@dataclass
class FieldReport:
    items: int = 0
    lists: int = 0
    excluded: int = 0
    kinds: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)  # field -> {step: count}
    dated_items: int = 0  # items a date, a category and an author are expected of (not static pages)
    listed: int = 0  # in-host URLs the site's sitemaps and feeds list
    listed_missing: list = field(default_factory=list)  # of those, the ones the crawl never stored

    def share(self, name: str, step: str) -> float:
        total = self.dated_items if name in _NOT_OF_PAGES else self.items
        return self.steps.get(name, {}).get(step, 0) / total if total else 0.0

    @property
    def other_share(self) -> float:
        return self.groups.get("other", 0) / self.items if self.items else 0.0

    def problems(self, thresholds: dict) -> list[str]:
        """What crosses the thresholds, in words a person can act on."""
        out = []
        if self.items < thresholds.get("min_items", 1):
            out.append(f"{self.items} items found ({self.lists} list pages, {self.excluded} other pages): "
                       "the preset finds nothing on this site")
            return out
        for name, key in (("title", "max_missing_title"), ("date", "max_missing_date")):
            missing = self.share(name, "missing")
            if missing > thresholds.get(key, 1):
                out.append(f"{name} missing on {missing:.0%} of items (allowed: {thresholds[key]:.0%})")
        if self.listed and len(self.listed_missing) > thresholds.get("max_unlisted", 0.02) * self.listed:
            out.append(f"the site's sitemaps and feeds list {self.listed} pages; {len(self.listed_missing)} were never "
                       f"stored (e.g. {self.listed_missing[0]}): the crawl missed them (traps too broad, robots.txt, "
                       "page or depth limits); see the crawl's unreached report")
        if self.other_share > thresholds.get("max_other", 1):
            out.append(f"{self.other_share:.0%} of items in content group 'other' (allowed: {thresholds['max_other']:.0%}); "
                       "map their legacy categories under `categories:` in the agency's file")
        return out

    def item_stats(self) -> dict:
        """What the report counts of the items themselves (kept with the transform that staged
        them, so a plan need not read every article again)."""
        return {"items": self.items, "kinds": self.kinds, "groups": self.groups, "steps": self.steps,
                "dated_items": self.dated_items}

    def rows(self) -> list[list]:
        """field, mapping, metadata, auto, missing (shares), for CSV and HTML."""
        return [[name, *(round(self.share(name, step), 3) for step in STEPS)] for name in FIELDS]

    def to_dict(self) -> dict:
        return {"items": self.items, "lists": self.lists, "excluded": self.excluded, "kinds": self.kinds,
                "listed": self.listed, "listed_missing": len(self.listed_missing),
                "groups": self.groups, "other_share": round(self.other_share, 3),
                "fields": {name: {step: round(self.share(name, step), 3) for step in STEPS} for name in FIELDS}}


def field_report(items, lists: int = 0, excluded: int = 0, listed: int = 0, listed_missing=()) -> FieldReport:
    """`items`: staged article dicts (status ok); `listed`: in-host URLs of the site's sitemaps
    and feeds, `listed_missing`: those never stored."""
    steps = {name: Counter() for name in FIELDS}
    kinds, groups, dated = Counter(), Counter(), 0
    count = 0
    for item in items:
        count += 1
        kinds[item.get("kind")] += 1
        groups[item.get("group")] += 1
        sources = item.get("field_sources") or {}
        expects_date = item.get("kind") != "page"
        dated += expects_date
        for name in FIELDS:
            if name in _NOT_OF_PAGES and not expects_date:
                continue
            filled = item.get(_VALUE[name])
            steps[name][step_of(sources.get(name)) if filled else "missing"] += 1
    return FieldReport(items=count, lists=lists, excluded=excluded, kinds=dict(kinds), groups=dict(groups),
                       steps={k: dict(v) for k, v in steps.items()}, dated_items=dated, listed=listed,
                       listed_missing=sorted(listed_missing))
