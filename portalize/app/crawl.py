"""The crawl use case: one Scrapy process for one or more agencies. Everything an agency's
crawl needs (its settings, robots, resume, the run's bookkeeping and unreached report) lives
in the spider and its extensions, so `scrapy crawl legacy -a agency=CODE` does the same; this
module only starts the process and reads each run's summary back from the ledger."""
from __future__ import annotations

import datetime as dt
import os

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from ..core import config
from ..core.errors import CrawlFailed, UsageProblem
from ..core.ledger import pages as page_store
from ..core.ledger.db import transaction
from ..crawlers.spiders.legacy import LegacySiteSpider
from .results import CrawlSummary


def crawl_log_path():
    logs = config.var_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"crawl-{dt.datetime.now():%Y%m%d-%H%M%S}.log"


def crawl_settings(progress: bool, max_pages: int | None = None, log_file=None, overrides: dict | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "portalize.crawlers.settings")
    settings = get_project_settings()
    settings.set("PORTALIZE_DB", config.ledger_url())
    if log_file:
        # Scrapy's own log goes to a file; the terminal shows progress and our summary.
        settings.set("LOG_FILE", str(log_file))
        settings.set("LOG_LEVEL", "INFO")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    settings.set("PORTALIZE_PROGRESS", progress)
    if max_pages:
        settings.set("PORTALIZE_MAX_PAGES", max_pages, priority="cmdline")  # wins over an agency file
    return settings


def _summary(code: str, run_id: int | None) -> CrawlSummary:
    with transaction() as session:
        run = page_store.crawl_run(session, run_id) if run_id else None
        if run is None:
            return CrawlSummary(agency=code, status="failed", reason="not started")
        s = dict(run.stats or {})
    return CrawlSummary(
        agency=code, status=run.status, run=run_id, pages=s.get("pages", 0), by_status=s.get("by_status", {}),
        by_kind=s.get("by_kind", {}), not_modified=s.get("not_modified", 0),
        known_not_rechecked=s.get("known_not_rechecked", 0), resumed=s.get("resumed", False),
        resumed_from_ledger=[tuple(r) for r in s.get("resumed_from_ledger", [])],
        errors=[tuple(e) for e in s.get("errors", [])], unreached=s.get("unreached", 0),
        depth_limited=s.get("depth_limited", 0), unreached_report=s.get("unreached_report"),
        sitemaps_limited=s.get("sitemaps_limited", 0), max_sitemaps=s.get("max_sitemaps"),
        cloaking_checks=s.get("cloaking_checks", 0), cloaking_found=s.get("cloaking_found", 0),
        reason=s.get("reason"), log=s.get("log"))


def _why_nothing(spider, start: str, reason: str | None) -> str | None:
    """Why a start page gave nothing, when no request failed: a redirect loop, named hop by hop."""
    from ..crawlers.urls import canonical_url

    redirects = getattr(spider, "redirects", None) or {}
    chain, url = [], canonical_url(start)
    while url in redirects and url not in chain:
        chain.append(url)
        url = redirects[url]
    if chain and url in chain:
        return "redirects in a loop: " + " → ".join([*chain, url])
    return reason


def run_crawls(agencies, origins: dict[str, str], progress: bool = True, max_pages: int | None = None,
               overrides: dict | None = None) -> list[CrawlSummary]:
    """Crawl each agency's legacy site. Raises CrawlFailed naming every agency whose site gave
    no usable page, after all the others have finished (their pages are kept)."""
    with transaction() as session:  # a crawl of the same agency still running: named, never undone
        for agency in agencies:
            page_store.refuse_if_crawling(session, agency.code)
    log_file = crawl_log_path()
    process = CrawlerProcess(crawl_settings(progress, max_pages, log_file, overrides))
    crawlers = {}
    for agency in agencies:
        crawler = process.create_crawler(LegacySiteSpider)
        crawlers[agency.code] = crawler
        process.crawl(crawler, agency=agency.code, origins=origins, mappings=str(config.mappings_dir()))
    process.start()
    results = [_summary(code, getattr(crawler.spider, "crawl_run_id", None)) for code, crawler in crawlers.items()]
    full = [(code, crawler.spider.stopped_reason) for code, crawler in crawlers.items()
            if crawler.spider is not None and "disk is full" in (crawler.spider.stopped_reason or "")]
    if full:
        raise CrawlFailed("\n".join(f"agency {code}: crawl stopped: {reason}" for code, reason in full)
                          + f"\nCrawl log: {log_file}",
                          "free space where the ledger is (PORTALIZE_DB), then run `portalize crawl "
                          + " ".join(code for code, _ in full) + "`: it resumes from the pages stored", results)
    failures = [s for s in results if s.status not in ("finished", "limited", "interrupted")]
    if failures:
        lines = []
        for s in failures:
            agency = next(a for a in agencies if a.code == s.agency)
            first = s.errors[0] if s.errors else (agency.base_urls[0], _why_nothing(crawlers[s.agency].spider,
                                                                                   agency.base_urls[0], s.reason))
            lines.append(f"agency {s.agency}: could not crawl {first[0]} ({first[1]})")
        lines.append(f"Crawl log: {log_file}")
        raise CrawlFailed("\n".join(lines), "check legacy.base_urls in the agency's mapping file or pass "
                          "--origin HOST=http://ADDRESS, then run `portalize crawl "
                          + " ".join(s.agency for s in failures) + "`")
    return results


def crawl(codes=(), all_: bool = False, origins: dict | None = None, max_pages: int | None = None,
          settings: dict | None = None, full: bool = False, progress: bool = False) -> list[CrawlSummary]:
    """Harvest the legacy sites of the agencies named into the raw store. `settings` are Scrapy
    settings for this crawl (they win over the agency files); `full` re-checks every stored page.
    An interrupted crawl raises CrawlFailed after keeping what it fetched."""
    from . import context

    registry = context.load()
    overrides = dict(settings or {})
    if full:
        overrides["PORTALIZE_REVALIDATE_ALL"] = True
    results = run_crawls(context.select(registry, codes, all_), origins or {}, progress=progress,
                         max_pages=max_pages, overrides=overrides)
    stopped = [s.agency for s in results if s.status == "interrupted"]
    if stopped:
        raise CrawlFailed(f"crawl interrupted for {', '.join(stopped)}; everything fetched so far is kept",
                          f"run `portalize crawl {' '.join(stopped)}` to resume where it stopped", results=results)
    return results


def setting_value(name: str, value: str):
    """A `-S NAME=VALUE` value as the type of Scrapy's (or our) default for that setting: a typo
    is a clear error before the crawl, never a traceback inside it."""
    from scrapy.settings import default_settings

    from ..crawlers import settings as ours

    default = getattr(ours, name, getattr(default_settings, name, None))
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        kind = "true or false"
    elif isinstance(default, (int, float)):
        try:
            number = float(value) if isinstance(default, float) or "." in value else int(value)
        except ValueError:
            number = None
        if number is not None and number >= 0 and number != float("inf"):  # nan fails >= 0
            return number
        kind = "a number of zero or more"
    else:
        return value
    raise UsageProblem(f"{name}={value!r}: {name} must be {kind} (default {default!r})",
                       "e.g. -S DOWNLOAD_DELAY=1.5")
