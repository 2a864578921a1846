"""Per-agency progress, derived from evidence (the ledger, and what the portal shows), with each
unit's milestones and their dates as last changed, rolled up the way a province reports it."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from ..core.ledger import agencies as agency_store, idmap, pages as page_store, staging
from ..core.ledger.db import transaction
from . import context
from .reports import write_progress_csv, write_progress_html, write_progress_xlsx
from .results import AgencyProgress, Progress

STATES = ("unregistered", "registered", "linked", "crawled", "loaded", "verified", "cut-over", "archived")


def today_local(timezone: str) -> dt.date:
    """Today where the province is (PORTALIZE_TODAY pins it for reports and tests)."""
    if os.environ.get("PORTALIZE_TODAY"):
        return dt.date.fromisoformat(os.environ["PORTALIZE_TODAY"])
    return dt.datetime.now(ZoneInfo(timezone)).date()


def milestones_of(agency, events, statutory: dt.date, today: dt.date, linked: bool = False,
                  done: bool = False) -> dict:
    """link / content / cutover -> {date, days, done, changed}: the agency file's dates, then
    each audited change (`portalize agencies set-date`) in order."""
    dates = {"content": agency.target_date or statutory, **{k: v for k, v in agency.milestones.items() if v}}
    changed = {}
    for event in events:
        if event.event == "date-changed":
            dates[event.detail["milestone"]] = dt.date.fromisoformat(event.detail["to"])
            changed[event.detail["milestone"]] = event.detail
    cut = next((e for e in reversed(events) if e.event in ("cut-over", "not-cut-over")), None)
    finished = {"link": linked, "content": done, "cutover": cut is not None and cut.event == "cut-over"}
    return {name: {"date": when.isoformat(), "days": (when - today).days, "done": finished[name],
                   "changed": changed.get(name)}
            for name, when in sorted(dates.items(), key=lambda kv: ("link", "content", "cutover").index(kv[0]))}


def agency_progress(registry, portal, today: dt.date) -> list[AgencyProgress]:
    linked = {link["key"]: link["url"] for link in portal.links()}
    statutory = registry.profile.deadline
    rows = []
    with transaction() as session:
        events = agency_store.all_events(session)
        pages = page_store.counts_by_agency(session)
        staged_counts = staging.counts_by_agency(session)
        loaded_counts = idmap.loaded_by_agency(session)
        for agency in registry.agencies.values():
            history = events.get(agency.code, [])
            crawled = pages.get(agency.code, {}).get("finished_runs", 0)
            limited = pages.get(agency.code, {}).get("limited_runs", 0)
            loaded = loaded_counts.get(agency.code, 0)
            staged = staged_counts.get(agency.code, {})
            state = "registered" if any(e.event == "registered" for e in history) else "unregistered"
            evidence = {}
            if agency.code in linked:
                state, evidence["linked"] = "linked", linked[agency.code]
            if crawled or limited:
                state = "crawled"
                evidence["crawled"] = (f"{crawled} finished crawl run(s)" if crawled else
                                       f"{limited} crawl run(s) stopped at their page limit (--max-pages)")
            if loaded and any(e.event == "loaded" for e in history):
                state, evidence["loaded"] = "loaded", f"{loaded} of {staged.get('ok', 0)} articles in the id map"
            if state == "loaded":
                verified = _latest(history, ("verified", "verify-failed", "loaded"))
                if verified is not None and verified.event == "verified":
                    state, evidence["verified"] = "verified", f"no gap at {verified.at:%d/%m/%Y %H:%M}"
                cut = _latest(history, ("cut-over", "not-cut-over"))
                if cut is not None and cut.event == "cut-over":
                    state, evidence["cut-over"] = "cut-over", cut.detail.get("evidence")
            archived = next((e for e in reversed(history) if e.event == "archived"), None)
            published = next((e for e in reversed(history) if e.event == "redirects-exported"), None)
            if agency.disposition == "archive-only" and archived:
                state = "archived"
                evidence["archived"] = (f"WARC {archived.detail.get('path') or ''}; " +
                                        (f"410 list {published.detail.get('path')}" if published else
                                         "410 list not published yet (portalize redirects)"))
            done_event = None
            # Articles quarantined as suspected injected spam are out until a person forces them.
            held = next((e.detail.get("quarantined", 0) for e in reversed(history) if e.event == "transformed"), 0)
            if agency.disposition == "archive-only":  # done when archived and its 410 list published
                done_event = max(archived, published, key=lambda e: e.at) if archived and published else None
            elif state in ("loaded", "verified", "cut-over") and loaded >= staged.get("ok", 0) - held:
                done_event = next((e for e in reversed(history) if e.event == "loaded"), None)
            accepted = next((e.detail for e in reversed(history) if e.event == "quality-accepted"), None)
            checked = _latest(history, ("verified", "verify-failed"))
            target = agency.target_date or statutory
            milestones = milestones_of(agency, history, statutory, today, agency.code in linked, done_event is not None)
            rows.append(AgencyProgress(
                code=agency.code, name=agency.name, level=agency.level, state=state,
                disposition=agency.disposition, successor=agency.successor, linked=agency.code in linked,
                pages=pages.get(agency.code, {}).get("pages", 0), staged=staged.get("ok", 0),
                skipped=staged.get("skipped", 0), loaded=loaded, target_date=agency.target_date,
                days_left=(target - today).days, statutory_days_overdue=max(0, (today - statutory).days),
                quality_override=accepted.get("reason") if accepted and state == "loaded" else None,
                former_province=agency.former.get("province"), former_district=agency.former.get("district"),
                milestones=milestones, done=done_event is not None,
                done_on=done_event.at.date().isoformat() if done_event else None, evidence=evidence,
                unaccounted=checked.detail.get("unaccounted") if checked else None,
                history=[{"at": e.at.isoformat(timespec="minutes"), "event": e.event,
                          "detail": {k: v for k, v in (e.detail or {}).items() if k != "this_run"}} for e in history]))
    return sorted(rows, key=urgency)


def _latest(history, kinds):
    return next((e for e in reversed(history) if e.event in kinds), None)


def urgency(row: AgencyProgress) -> tuple:
    """Open units first, the most overdue pending milestone first; done units last."""
    pending = [m["days"] for m in row.milestones.values() if not m["done"]]
    return (row.done, min(pending) if pending else 10**6, row.code)


def progress(xlsx: str | Path | None = None, csv: str | Path | None = None, html: str | Path | None = None,
             lang: str = "vi") -> Progress:
    """Every agency's lifecycle state, milestones and counts against its deadlines; with `xlsx`,
    `csv` or `html`, also as a file to hand to leadership (Vietnamese, or English with lang=en)."""
    registry = context.load()
    today = today_local(registry.profile.timezone)
    with context.portal_of(registry) as portal:
        rows = agency_progress(registry, portal, today)
    result = Progress(today=today, deadline=registry.profile.deadline, profile=registry.profile.title,
                      agencies=rows)
    if xlsx:
        result.xlsx = str(write_progress_xlsx(Path(xlsx), rows, registry, today))
    if csv:
        result.csv = str(write_progress_csv(Path(csv), rows, registry, today, lang))
    if html:
        result.html = str(write_progress_html(Path(html), rows, registry, today, lang))
    return result
