"""Per-agency progress, derived from evidence: the ledger and what the portal really shows."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.ledger import agencies as agency_store, idmap, pages as page_store, plans, staging
from ..core.ledger.db import transaction
from . import context
from .reports import write_progress_xlsx
from .results import AgencyProgress, Progress


def today_local(timezone: str) -> dt.date:
    """Today where the province is (PORTALIZE_TODAY pins it for reports and tests)."""
    if os.environ.get("PORTALIZE_TODAY"):
        return dt.date.fromisoformat(os.environ["PORTALIZE_TODAY"])
    return dt.datetime.now(ZoneInfo(timezone)).date()


def agency_progress(registry, portal, today: dt.date) -> list[AgencyProgress]:
    linked = {link["key"] for link in portal.links()}
    statutory = registry.profile.deadline
    rows = []
    with transaction() as session:
        for agency in registry.agencies.values():
            crawled = page_store.finished_runs(session, agency.code)
            applied = plans.applied_count(session, agency.code)
            loaded = idmap.loaded_count(session, agency.code)
            state = "registered" if agency_store.known(session, agency.code) else "unregistered"
            if agency.code in linked:
                state = "linked"
            if crawled:
                state = "crawled"
            if applied and loaded:
                state = "loaded"
            if agency.disposition == "archive-only" and agency_store.has_event(session, agency.code, "archived"):
                state = "archived"
            staged = staging.counts(session, agency.code)
            accepted = agency_store.last_event(session, agency.code, "quality-accepted") if state == "loaded" else None
            rows.append(AgencyProgress(
                code=agency.code, name=agency.name, level=agency.level, state=state,
                disposition=agency.disposition, successor=agency.successor, linked=agency.code in linked,
                pages=page_store.page_count(session, agency.code), staged=staged.get("ok", 0),
                skipped=staged.get("skipped", 0), loaded=loaded, target_date=agency.target_date,
                days_left=((agency.target_date or statutory) - today).days,
                statutory_days_overdue=max(0, (today - statutory).days),
                quality_override=accepted.get("reason") if accepted else None))
    return rows


def progress(xlsx: str | Path | None = None) -> Progress:
    """Every agency's lifecycle state and counts against its deadline; with `xlsx`, also the
    table as a spreadsheet to hand to leadership."""
    registry = context.load()
    today = today_local(registry.profile.timezone)
    with context.portal_of(registry) as portal:
        rows = agency_progress(registry, portal, today)
    result = Progress(today=today, deadline=registry.profile.deadline, profile=registry.profile.title,
                      agencies=rows)
    if xlsx:
        result.xlsx = str(write_progress_xlsx(Path(xlsx), rows, registry, today))
    return result
