"""Running transform over an agency's stored pages (no network) into staged articles."""
from __future__ import annotations

from sqlalchemy import delete, select

from transform.duplicates import duplicate_reason, fingerprint, group_duplicates
from transform.hidden import COMPROMISE_HINT
from transform.pipeline import Mapping, RawPage, disposition_filename, transform_page
from transform.schema import Asset, SkippedPage, content_hash
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


_FLUSH_EVERY = 200  # staged rows written, then let go, so memory does not grow with the site


def transform_agency(registry, agency, progress=None) -> dict:
    """Replace the agency's staged articles with a fresh transform of its stored pages, in one
    transaction. Articles are written as they come and not kept in memory; the same content
    under several URLs is resolved at the end (one article with aliases). Returns counts: ok,
    skipped, warnings, compromised, and the report's path."""
    mapping = mapping_for(registry, agency)
    with transaction() as session:
        pages = session.scalars(select(Page).where(Page.agency == agency.code).order_by(Page.url)).all()
        assets = {p.url: Asset(url=p.url, filename=disposition_filename((p.headers or {}).get("Content-Disposition")),
                               media_type=(p.content_type or "").split(";")[0] or None,
                               size=p.size, sha256=p.sha256)
                  for p in pages if p.kind == "asset" and p.status == 200}
        items = [(p.id, p.url, p.status, p.sha256, p.content_type, p.fetched_at) for p in pages if p.kind == "item"]
        del pages
        session.execute(delete(StagedArticle).where(StagedArticle.agency == agency.code))
        task = progress.add_task(f"transform {agency.code}", total=len(items)) if progress else None
        fingerprints, articles, skipped = [], {}, []  # articles: uid -> (url, title, warnings)
        for n, (page_id, url, status, sha256, content_type, fetched_at) in enumerate(items, 1):
            raw = RawPage(url, status, store.load_body(session, sha256), content_type, fetched_at)
            result = transform_page(raw, mapping, assets)
            if isinstance(result, SkippedPage):
                session.add(StagedArticle(uid=result.uid, agency=agency.code, page_id=page_id, status="skipped",
                                          reason=result.reason, data={"source_url": result.source_url}))
                skipped.append((result.source_url, result.reason))
            else:
                key = fingerprint(result)
                session.add(StagedArticle(uid=result.uid, agency=agency.code, page_id=page_id, status="ok",
                                          data=result.to_dict(), content_hash=result.content_hash, fingerprint=key))
                fingerprints.append((key, result.source_url, result.uid))
                articles[result.uid] = (result.source_url, result.title, result.warnings)
            if n % _FLUSH_EVERY == 0:
                session.flush()
                session.expunge_all()  # the rows written so far leave memory
            if progress:
                progress.advance(task)
        session.flush()
        duplicates = group_duplicates(fingerprints)
        _merge_duplicates(session, duplicates)
        for uid, (kept_uid, kept_url) in duplicates.copies.items():
            skipped.append((articles.pop(uid)[0], duplicate_reason(kept_uid, kept_url)))
        store.record_event(session, agency.code, "transformed", ok=len(articles), skipped=len(skipped))
    summary = {"ok": len(articles), "skipped": len(skipped),
               "warnings": sum(len(w) for _, _, w in articles.values()),
               "compromised": sum(any(COMPROMISE_HINT in x for x in w) for _, _, w in articles.values())}
    report = [(url, "", "skipped", reason) for url, reason in skipped]
    report += [(url, title, "warning", w) for url, title, warnings in articles.values() for w in warnings]
    if report:
        summary["report"] = str(write_csv(f"transform-{agency.code}.csv", ["url", "title", "outcome", "message"],
                                          sorted(report)))
    return summary


def _merge_duplicates(session, duplicates) -> None:
    """The kept article gets the other URLs as aliases; the others become skipped records."""
    for uid, aliases in duplicates.aliases.items():
        row = session.get(StagedArticle, uid)
        data = {**row.data, "aliases": [*row.data.get("aliases", []), *aliases]}
        data["content_hash"] = row.content_hash = content_hash(data)
        row.data = data
    for uid, (kept_uid, kept_url) in duplicates.copies.items():
        row = session.get(StagedArticle, uid)
        row.status, row.reason, row.content_hash = "skipped", duplicate_reason(kept_uid, kept_url), None
        row.fingerprint = None
        row.data = {"source_url": row.data["source_url"]}
