"""Running transform over an agency's stored pages (no network) into staged articles."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select

from transform.duplicates import merge_duplicates
from transform.hidden import COMPROMISE_HINT
from transform.pipeline import Mapping, RawPage, disposition_filename, transform_page
from transform.schema import Asset, SkippedPage
from transform.taxonomy import build_index

from .ledger import store
from .ledger.db import transaction
from .ledger.models import Page, StagedArticle
from .reports import write_csv


def mapping_for(registry, agency) -> Mapping:
    platform = agency.platform
    return Mapping(agency=agency.code, platform=platform.name, version=platform.version, fields=platform.fields,
                   drop_params=tuple(platform.discovery.get("drop_params") or ()),
                   group_index=build_index(registry.profile.groups, agency.categories))


def transform_agency(registry, agency, progress=None) -> dict:
    """Replace the agency's staged articles with a fresh transform of its stored pages, in one
    transaction. Returns counts: ok, skipped, and warnings by kind."""
    mapping = mapping_for(registry, agency)
    counts = Counter()
    with transaction() as session:
        pages = session.scalars(select(Page).where(Page.agency == agency.code).order_by(Page.url)).all()
        assets = {p.url: Asset(url=p.url, filename=disposition_filename((p.headers or {}).get("Content-Disposition")),
                               media_type=(p.content_type or "").split(";")[0] or None,
                               size=p.size, sha256=p.sha256)
                  for p in pages if p.kind == "asset" and p.status == 200}
        items = [p for p in pages if p.kind == "item"]
        session.execute(delete(StagedArticle).where(StagedArticle.agency == agency.code))
        task = progress.add_task(f"transform {agency.code}", total=len(items)) if progress else None
        results, page_ids = [], {}
        for page in items:
            raw = RawPage(page.url, page.status, store.load_body(session, page.sha256), page.content_type,
                          page.fetched_at)
            result = transform_page(raw, mapping, assets)
            results.append(result)
            page_ids[result.uid] = page.id
            if progress:
                progress.advance(task)
        report = []
        for result in merge_duplicates(results):
            page_id = page_ids[result.uid]
            if isinstance(result, SkippedPage):
                session.add(StagedArticle(uid=result.uid, agency=agency.code, page_id=page_id, status="skipped",
                                          reason=result.reason, data={"source_url": result.source_url}))
                counts["skipped"] += 1
                report.append((result.source_url, "", "skipped", result.reason))
            else:
                session.add(StagedArticle(uid=result.uid, agency=agency.code, page_id=page_id, status="ok",
                                          data=result.to_dict(), content_hash=result.content_hash))
                counts["ok"] += 1
                counts["warnings"] += len(result.warnings)
                counts["compromised"] += any(COMPROMISE_HINT in w for w in result.warnings)
                report += [(result.source_url, result.title, "warning", w) for w in result.warnings]
        store.record_event(session, agency.code, "transformed", ok=counts["ok"], skipped=counts["skipped"])
    summary = dict(counts)
    if report:
        summary["report"] = str(write_csv(f"transform-{agency.code}.csv", ["url", "title", "outcome", "message"],
                                          sorted(report)))
    return summary
