"""Running transform over an agency's stored pages (no network) into staged articles."""
from __future__ import annotations

import html
import re

from portalize.transform.decode import decode_html
from portalize.transform.documents import label_index
from portalize.transform.duplicates import duplicate_reason, fingerprint, group_duplicates
from portalize.transform.hidden import COMPROMISE_HINT
from portalize.transform.pipeline import Mapping, RawPage, disposition_filename, transform_page
from portalize.transform.spam import QUARANTINED, googlebot_record
from portalize.transform.quality import STEPS, field_report
from portalize.transform.outline import article_outline
from portalize.transform.schema import Asset, SkippedPage, content_hash
from portalize.transform.taxonomy import build_index
from portalize.transform.template import SiteTemplate, learn_template
from portalize.transform.urls import canonical_url, host_of

from ..crawlers.traps import trap_pattern
from ..core.ledger import agencies as agency_store, pages as page_store, staging
from ..core.ledger.db import transaction
from ..core.errors import NothingFound
from ..core.report_files import write_csv
from . import context
from .results import TransformSummary


def mapping_for(registry, agency, template: SiteTemplate | None = None) -> Mapping:
    platform = agency.platform
    return Mapping(agency=agency.code, platform=platform.name, version=platform.version, fields=platform.fields,
                   drop_params=tuple(platform.discovery.get("drop_params") or ()),
                   group_index=build_index(registry.profile.groups, agency.categories),
                   hints=platform.classify, item_url_patterns=tuple(platform.discovery.get("item_url_patterns") or ()),
                   home_urls=tuple(agency.base_urls), template=template or SiteTemplate(),
                   document_labels=label_index(agency.document_labels))


_TEMPLATE_SAMPLE = 60  # pages read to learn the site's template (its name, menus, counters)


def learn_site_template(session, pages) -> SiteTemplate:
    """The site's name and template blocks, from pages spread evenly over the crawl."""
    step = max(1, len(pages) // _TEMPLATE_SAMPLE)
    sample = pages[::step][:_TEMPLATE_SAMPLE]
    return learn_template(decode_html(page_store.load_body(session, sha256), content_type)[0]
                          for _, _, _, sha256, content_type, _ in sample)


_LISTED = re.compile(rb"<(?:loc|link)>\s*(?:<!\[CDATA\[)?\s*(https?://[^<\]\s]+)", re.I)


def _listed_urls(session, pages, agency) -> tuple[set, set]:
    """In-host URLs the site's own sitemaps and feeds list (traps aside), and those the crawl
    never stored: the structured sources say what exists."""
    stored = {p.url for p in pages}
    traps = trap_pattern(agency.platform.discovery)
    listed = set()
    for page in pages:
        if page.kind == "feed" and page.status == 200 and page.sha256:
            for match in _LISTED.finditer(page_store.load_body(session, page.sha256)):
                url = canonical_url(html.unescape(match[1].decode("utf-8", "replace")))
                if host_of(url) in agency.hosts and not traps.search(url) \
                        and not url.endswith((".xml", "/feed/", "/rss/")):
                    listed.add(url)
    return listed, {u for u in listed if u not in stored}


def _is_web_page(page) -> bool:
    kind = (page.content_type or "text/html").split(";")[0].strip().lower()
    return page.status == 200 and kind in ("text/html", "application/xhtml+xml")


_FLUSH_EVERY = 200  # staged rows written, then let go, so memory does not grow with the site


def transform(codes=(), all_: bool = False, progress=None) -> list[TransformSummary]:
    """Re-run transform over the stored pages of the agencies named (no network)."""
    registry = context.load()
    results = [transform_agency(registry, agency, progress) for agency in context.select(registry, codes, all_)]
    empty = [r for r in results if r.ok == 0 and (r.lists or r.skipped)]
    if empty:
        raise NothingFound(
            "\n".join(f"agency {r.agency}: no item found among {r.lists + r.skipped} stored pages "
                      f"({r.lists} list pages, {r.skipped} other); the preset finds nothing on this site" for r in empty),
            f"look at one article with `portalize mapping check {empty[0].agency} URL` (or `portalize extract URL "
            f"--agency {empty[0].agency}`), fix mappings/agencies/{empty[0].agency}.yml, then run "
            f"`portalize transform {empty[0].agency}`", results)
    return results


def transform_agency(registry, agency, progress=None) -> TransformSummary:
    """Replace the agency's staged articles with a fresh transform of its stored pages, in one
    transaction. Articles are written as they come and not kept in memory; the same content
    under several URLs is resolved at the end (one article with aliases)."""
    with transaction() as session:
        pages = page_store.agency_pages(session, agency.code)
        assets = {p.url: Asset(url=p.url, filename=disposition_filename((p.headers or {}).get("Content-Disposition")),
                               media_type=(p.content_type or "").split(";")[0] or None,
                               size=p.size, sha256=p.sha256)
                  for p in pages if p.kind == "asset" and p.status == 200}
        # Every stored page of the site, however the crawl reached it: what it is (item, static
        # page, list or neither) is decided here, from the page itself.
        items = [(p.id, p.url, p.status, p.sha256, p.content_type, p.fetched_at, googlebot_record(p.headers))
                 for p in pages if p.kind in ("item", "list")]
        item_like = {p.id for p in pages if p.kind == "item"}  # the crawl's URL hint
        counted = {"files": len(assets), "feeds": sum(p.kind == "feed" for p in pages)}
        listed, listed_missing = _listed_urls(session, pages, agency)
        template = learn_site_template(session, [(p.id, p.url, p.status, p.sha256, p.content_type, p.fetched_at)
                                                 for p in pages if p.kind in ("item", "list") and _is_web_page(p)])
        mapping = mapping_for(registry, agency, template)
        del pages
        staging.clear(session, agency.code)
        task = progress.add_task(f"transform {agency.code}", total=len(items)) if progress else None
        fingerprints, articles, skipped, lists = [], {}, [], 0  # articles: uid -> (url, title, warnings)
        for n, (page_id, url, status, sha256, content_type, fetched_at, googlebot) in enumerate(items, 1):
            raw = RawPage(url, status, page_store.load_body(session, sha256), content_type, fetched_at, googlebot)
            result = transform_page(raw, mapping, assets)
            if isinstance(result, SkippedPage):
                # A page that looked like an item (by its URL) and failed stays in the plan as a
                # skip for review; other non-content pages are only counted.
                status = "list" if result.outcome == "list" else "skipped" if page_id in item_like else "excluded"
                staging.add_skipped(session, agency.code, page_id, result.uid, result.source_url, result.reason, status)
                if status == "list":
                    lists += 1
                else:
                    skipped.append((result.source_url, result.reason))
            else:
                key = fingerprint(result)
                article = result.to_dict()
                staging.add_article(session, agency.code, page_id, article, result.content_hash, key,
                                    article_outline(article))
                fingerprints.append((key, result.source_url, result.uid, page_id in item_like))
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
        report = field_report(staging.staged_items(session, agency.code), lists=lists, excluded=len(skipped),
                              listed=len(listed), listed_missing=listed_missing)
        held = sum(any(x.startswith(QUARANTINED) for x in w) for _, _, w in articles.values())
        agency_store.record_event(session, agency.code, "transformed", ok=len(articles), skipped=len(skipped),
                                  quarantined=held,
                                  lists=lists, listed=len(listed), listed_missing=sorted(listed_missing)[:200],
                                  item_stats=report.item_stats())
    summary = TransformSummary(
        agency=agency.code, ok=len(articles), skipped=len(skipped),
        warnings=sum(len(w) for _, _, w in articles.values()),
        compromised=sum(any(COMPROMISE_HINT in x for x in w) for _, _, w in articles.values()),
        quarantined=held,
        lists=lists, files=counted["files"], feeds=counted["feeds"], quality=report.to_dict(),
        quality_problems=report.problems(agency.quality), site_names=list(template.site_names),
        template_blocks=len(template.boilerplate))
    summary.quality_report = str(write_csv(f"quality-{agency.code}.csv", ["field", *STEPS], report.rows()))
    report = [(url, "", "skipped", reason) for url, reason in skipped]
    report += [(url, title, "warning", w) for url, title, warnings in articles.values() for w in warnings]
    if report:
        summary.report = str(write_csv(f"transform-{agency.code}.csv", ["url", "title", "outcome", "message"],
                                          sorted(report)))
    return summary


def _merge_duplicates(session, duplicates) -> None:
    """The kept article gets the other URLs as aliases; the others become skipped records."""
    for uid, aliases in duplicates.aliases.items():
        row = staging.get(session, uid)
        data = {**row.data, "aliases": [*row.data.get("aliases", []), *aliases]}
        data["content_hash"] = row.content_hash = content_hash(data)
        row.data = data
        if row.outline is not None:
            row.outline = {**row.outline, "aliases": data["aliases"]}
    for uid, (kept_uid, kept_url) in duplicates.copies.items():
        row = staging.get(session, uid)
        row.status, row.reason, row.content_hash = "skipped", duplicate_reason(kept_uid, kept_url), None
        row.fingerprint = None
        row.data = row.outline = {"source_url": row.data["source_url"]}
