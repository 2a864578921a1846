"""Per-agency progress, derived from evidence: the ledger and what the portal really shows."""
from __future__ import annotations

from sqlalchemy import func, select

from .ledger.db import transaction
from .ledger.models import AgencyEvent, AgencyRow, CrawlRun, IdMap, Page, Plan, StagedArticle



def agency_progress(registry, portal) -> list[dict]:
    linked = {link["key"] for link in portal.links()}
    rows = []
    with transaction() as session:
        def count(query):
            return session.scalar(query) or 0

        for agency in registry.agencies.values():
            known = session.get(AgencyRow, agency.code) is not None
            crawled = count(select(func.count()).select_from(CrawlRun)
                            .where(CrawlRun.agency == agency.code, CrawlRun.status == "finished"))
            applied = count(select(func.count()).select_from(Plan)
                            .where(Plan.agency == agency.code, Plan.status == "applied"))
            loaded = count(select(func.count()).select_from(IdMap).where(IdMap.agency == agency.code))
            state = "unregistered" if not known else "registered"
            if agency.code in linked:
                state = "linked"
            if crawled:
                state = "crawled"
            if applied and loaded:
                state = "loaded"
            archived = count(select(func.count()).select_from(AgencyEvent)
                             .where(AgencyEvent.agency == agency.code, AgencyEvent.event == "archived"))
            if archived and agency.disposition == "archive-only":
                state = "archived"
            staged = dict(session.execute(select(StagedArticle.status, func.count())
                                          .where(StagedArticle.agency == agency.code)
                                          .group_by(StagedArticle.status)).all())
            rows.append({
                "code": agency.code, "name": agency.name, "level": agency.level, "state": state,
                "disposition": agency.disposition, "successor": agency.successor,
                "linked": agency.code in linked,
                "pages": count(select(func.count()).select_from(Page).where(Page.agency == agency.code)),
                "staged": staged.get("ok", 0), "skipped": staged.get("skipped", 0), "loaded": loaded,
                "target_date": agency.target_date,
            })
    return rows
