"""portalize as a library: every use case is a function returning a typed result.

    from portalize import api
    api.register(["stnmt"])
    summaries = api.crawl(["stnmt"], origins={"stnmt.tinhmau.gov.vn": "http://127.0.0.1:8000"})
    [plan] = api.plan(["stnmt"])
    print(plan.summary, plan.html)
    api.apply(plan.plan)

Every result has `to_dict()` (what `--json` prints). Expected failures raise a
`PortalizeError` whose `hint` is the next command to run.
"""
from __future__ import annotations

from .app.agencies import list_agencies, register, set_date, validate
from .app.archive import archive
from .app.crawl import crawl, setting_value
from .app.db import status as db_status, upgrade as db_upgrade
from .app.demo import demo
from .app.inspect import categories, check_mapping, detect, extract
from .app.links import link, switch as switch_links, unlink
from .app.plan import apply, plan, rollback, show_plan
from .app.portal_front import serve_portal
from .app.progress import progress
from .app.redirects import redirects
from .app.results import (AgencyInfo, AgencyProgress, ApplyResult, ArchiveResult, CategoryCount, CrawlSummary,
                          DemoResult, Detection, FieldCheck, LinkResult, PlanEntryView, PlanResult, Progress,
                          Registration, TransformSummary, Validation)
from .app.samples import serve_samples
from .app.transform import transform
from .app.verify import refresh as refresh_status, verify
from .core.errors import (CrawlFailed, MappingError, NoAgencySelected, NothingFound, NothingStaged, NotExtracted,
                          Busy, LedgerUnreadable, PortalizeError, SchemaOutdated, UsageProblem)
from .core.ledger.db import ledger_problem
from .crawlers.spiders.legacy import parse_origins

__all__ = [
    "validate", "list_agencies", "register", "set_date", "link", "switch_links", "unlink", "crawl", "transform", "plan",
    "show_plan", "apply", "rollback", "progress", "archive", "verify", "refresh_status",
    "detect", "extract", "check_mapping", "categories", "demo", "db_upgrade", "db_status", "serve_samples",
    "parse_origins", "ledger_problem", "serve_portal", "redirects", "setting_value", "UsageProblem",
    "AgencyInfo", "AgencyProgress", "ApplyResult", "ArchiveResult", "CategoryCount", "CrawlSummary", "DemoResult",
    "Detection", "FieldCheck", "LinkResult", "PlanEntryView", "PlanResult", "Progress", "Registration",
    "TransformSummary", "Validation",
    "PortalizeError", "MappingError", "CrawlFailed", "NoAgencySelected", "NothingFound", "NothingStaged",
    "NotExtracted", "LedgerUnreadable", "Busy",
    "SchemaOutdated",
]
