"""What each use case returns: typed results that a Python caller reads as attributes, the CLI
formats, and `--json` prints through `to_dict()`."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _plain(dataclasses.asdict(value))
    return value


class Result:
    """Mixed into every result: `to_dict()` gives JSON-ready values (dates as ISO text)."""

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))


@dataclass
class Validation(Result):
    agencies: int
    platforms: int
    profile: str
    deadline: dt.date
    warnings: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # `file:key: message` of files left out


@dataclass
class AgencyInfo(Result):
    code: str
    name: str
    level: str
    platform: str
    disposition: str
    successor: str | None
    base_urls: list[str]
    target: str
    target_date: dt.date | None


@dataclass
class Registration(Result):
    agency: str
    name: str
    created: bool
    platform: str
    detected: bool = False
    evidence: list[str] = field(default_factory=list)


@dataclass
class LinkResult(Result):
    agency: str
    url: str
    created: bool


@dataclass
class CrawlSummary(Result):
    agency: str
    status: str  # finished | limited | interrupted | failed
    run: int | None = None
    pages: int = 0
    by_status: dict = field(default_factory=dict)
    by_kind: dict = field(default_factory=dict)
    not_modified: int = 0
    known_not_rechecked: int = 0
    resumed: bool = False
    resumed_from_ledger: list = field(default_factory=list)  # [(run id, how it stopped)]
    errors: list = field(default_factory=list)  # [(url, error)]
    unreached: int = 0
    depth_limited: int = 0
    sitemaps_limited: int = 0  # sitemaps not fetched: past PORTALIZE_MAX_SITEMAPS
    max_sitemaps: int | None = None
    cloaking_checks: int = 0  # pages asked again with a Googlebot User-Agent (crawlers/cloaking.py)
    cloaking_found: int = 0  # of them, pages that gave Googlebot other links or betting words
    unreached_report: str | None = None
    reason: str | None = None
    log: str | None = None


@dataclass
class TransformSummary(Result):
    agency: str
    ok: int
    skipped: int
    warnings: int
    compromised: int = 0
    quarantined: int = 0  # articles with evidence of injected SEO spam (planned as skips until forced)
    report: str | None = None
    lists: int = 0  # list pages (how items were found; never loaded)
    files: int = 0
    feeds: int = 0
    quality: dict = field(default_factory=dict)  # the field report (transform.quality)
    quality_problems: list = field(default_factory=list)  # what `plan` will refuse
    quality_report: str | None = None
    site_names: list = field(default_factory=list)  # learned, stripped from titles
    template_blocks: int = 0  # template text blocks learned, removed from bodies


@dataclass
class PlanEntryView(Result):
    uid: str
    action: str
    title: str
    reason: str | None
    diff: list
    unresolved: list = field(default_factory=list)  # legacy links left as they are


@dataclass
class PlanResult(Result):
    plan: int | None
    agency: str
    summary: dict
    html: str | None
    entries: list[PlanEntryView] = field(default_factory=list)
    archive_only: bool = False
    quality: dict = field(default_factory=dict)  # the field report the gate checked
    accepted_quality: str | None = None  # the reason a person gave for accepting it
    status: str | None = None  # pending, applying, applied, superseded (plan show)


@dataclass
class ApplyResult(Result):
    plan: int
    agency: str
    already_applied: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflicts: int = 0
    recovered: int = 0  # of those created or updated: found already written by a stopped run, recorded now
    restored: int = 0  # rollback: items given back the fields an earlier plan wrote
    deleted: int = 0  # items removed (gone from the source with --sync, or created by a rolled-back plan)


@dataclass
class AgencyProgress(Result):
    code: str
    name: str
    level: str
    state: str
    disposition: str
    successor: str | None
    linked: bool
    pages: int
    staged: int
    skipped: int
    loaded: int
    target_date: dt.date | None
    days_left: int
    statutory_days_overdue: int
    quality_override: str | None = None  # loaded under an accepted quality-gate override: why
    former_province: str | None = None  # before the 2025 mergers
    former_district: str | None = None
    milestones: dict = field(default_factory=dict)  # link/content/cutover -> {date, days, done, changed}
    done: bool = False  # loaded in full (archive-only: archived)
    done_on: str | None = None
    evidence: dict = field(default_factory=dict)  # state -> what shows it
    unaccounted: int | None = None  # crawled legacy URLs not accounted for at the last `verify` (None: never run)
    history: list = field(default_factory=list)  # every event: {at, event, detail}


@dataclass
class Progress(Result):
    today: dt.date
    deadline: dt.date
    profile: str
    agencies: list[AgencyProgress]
    xlsx: str | None = None
    csv: str | None = None
    html: str | None = None


@dataclass
class Detection(Result):
    url: str
    platform: str
    score: int
    evidence: list[str]
    candidates: list[dict]


@dataclass
class FieldCheck(Result):
    url: str
    agency: str
    platform: str
    label: str
    warnings: list[str]
    rows: list[dict]
    missing: list[str]


@dataclass
class CategoryCount(Result):
    legacy_category: str
    group: str
    count: int
    mapped: bool


@dataclass
class ArchiveResult(Result):
    agency: str
    path: str | None
    records: int


@dataclass
class RedirectsResult(Result):
    agency: str
    format: str
    path: str
    moved: int  # 301 rows (items, their other addresses, files, list pages)
    gone: int  # 410 rows: not migrated on purpose
    refused: int  # targets off the portal's host, never exported
    left_out: list[dict] = field(default_factory=list)  # {legacy_url, reason}: not safe in this server's config


@dataclass
class DemoResult(Result):
    plans: list[int]
    changes: int
    plan_reviews: str
    ledger: str
    portal: str


@dataclass
class VerifyResult(Result):
    agency: str
    ok: bool
    crawled: int
    loaded: int
    gaps: dict  # kind -> [{url, detail}]: unaccounted, missing_items, missing_files, missing_groups, ...
    quality_accepted: str | None = None
    report: str | None = None


@dataclass
class StatusResult(Result):
    agency: str
    linked: bool
    present: int  # loaded items found on the portal now
    loaded: int
    cut_over: bool  # the legacy host redirects to the portal
    evidence: dict
