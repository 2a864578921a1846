"""The agency registry use cases: validate, list, register (with platform detection)."""
from __future__ import annotations

from ..core import config
from ..core.errors import MappingError
from ..core.ledger import agencies as agency_store
from ..core.ledger.db import transaction
from ..core.registry import load_registry
from ..crawlers.fetch import fetch_page
from ..transform.decode import decode_html
from . import context
from .detect import detect_platform
from .results import AgencyInfo, Registration, Validation


def validate() -> Validation:
    """Check every mapping file. Raises MappingError listing every `file:key: message`, broken
    agency files included (other commands run without them, with a warning)."""
    registry = load_registry()
    if registry.broken:
        problems = [p for file_problems in registry.broken.values() for p in file_problems]
        raise MappingError(problems + [f"{len(problems)} problem(s) in {config.mappings_dir()}"])
    return Validation(agencies=len(registry.agencies), platforms=len(registry.platforms), profile=registry.profile.id,
                      deadline=registry.profile.deadline, warnings=list(registry.warnings))


def list_agencies() -> list[AgencyInfo]:
    registry = context.load()
    return [AgencyInfo(code=a.code, name=a.name, level=a.level, platform=a.platform.name, disposition=a.disposition,
                       successor=a.successor, base_urls=list(a.base_urls), target=a.subsite_path,
                       target_date=a.target_date)
            for a in registry.agencies.values()]


def register(codes=(), all_: bool = False, origins: dict | None = None) -> list[Registration]:
    """Record agencies in the ledger (state: registered); detect the platform of those whose
    file names none, from their home page (fetched with the crawl's guards)."""
    registry = context.load()
    done = []
    for agency in context.select(registry, codes, all_):
        detection = None
        if not agency.platform_declared:
            page = fetch_page(agency.base_urls[0], origins, agency.hosts, agency.obey_robots, agency.local_test_host)
            detection, _ = detect_platform(page.url, decode_html(page.body, page.content_type)[0], registry.platforms)
        with transaction() as session:
            created = agency_store.register_agency(session, agency)
            if detection:
                agency_store.set_platform(session, agency.code, detection.platform)
                agency_store.record_event(session, agency.code, "detected", platform=detection.platform,
                                          evidence=detection.evidence)
        done.append(Registration(agency=agency.code, name=agency.name, created=created,
                                 platform=detection.platform if detection else agency.platform.name,
                                 detected=detection is not None,
                                 evidence=list(detection.evidence) if detection else []))
    return done


def set_date(code: str, milestone: str, when: str, reason: str, by: str | None = None) -> dict:
    """Move one of an agency's milestones (link, content, cutover): an audited event saying
    who, when and why; progress counts days against the date as last moved."""
    import datetime as dt
    import getpass

    from ..core.errors import UsageProblem
    from ..core.registry import MILESTONES
    from .progress import milestones_of, today_local

    if milestone not in MILESTONES:
        raise UsageProblem(f"unknown milestone {milestone!r}; valid: {', '.join(MILESTONES)}")
    if not reason or not reason.strip():
        raise UsageProblem("a date is never moved without a reason: give --reason \"...\"")
    try:
        new = dt.date.fromisoformat(when)
    except ValueError:
        raise UsageProblem(f"{when!r} is not a date (use YYYY-MM-DD)") from None
    registry = context.load()
    agency = registry.agency(code)
    with transaction() as session:
        current = milestones_of(agency, agency_store.events_of(session, code), registry.profile.deadline,
                                today_local(registry.profile.timezone)).get(milestone)
        detail = {"milestone": milestone, "from": current["date"] if current else None, "to": new.isoformat(),
                  "reason": reason.strip(), "by": by or getpass.getuser()}
        agency_store.register_agency(session, agency)
        agency_store.record_event(session, code, "date-changed", **detail)
    return detail
