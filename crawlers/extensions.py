"""Crawl extensions: the crawl run's bookkeeping in the ledger, and a live progress line per
agency (turned on by PORTALIZE_PROGRESS)."""
from __future__ import annotations

import shutil

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.exceptions import NotConfigured

from portalize.core.ledger import agencies as agency_store, pages as page_store
from portalize.core.ledger.models import CrawlRun
from portalize.core.report_files import write_csv

from .ledger_writer import LedgerWriter


class CrawlProgress:
    progress: Progress | None = None  # shared by every crawler of the process
    running = 0

    def __init__(self, crawler):
        self.crawler = crawler
        self.task = None
        self.counts = {"pages": 0, "item": 0, "list": 0, "asset": 0, "errors": 0}

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PORTALIZE_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider):
        if CrawlProgress.progress is None:
            CrawlProgress.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                              TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            CrawlProgress.progress.start()
        CrawlProgress.running += 1
        self.task = CrawlProgress.progress.add_task(self._line(spider), total=None)

    def _line(self, spider) -> str:
        c = self.counts
        return (f"crawl {spider.agency.code:<14} {c['pages']:>6} pages · {c['item']} articles · "
                f"{c['list']} lists · {c['asset']} files · {c['errors']} errors")

    def scraped(self, item, spider):
        self.counts["pages"] += 1
        self.counts[item.kind] = self.counts.get(item.kind, 0) + 1
        if item.status is None or item.status >= 400:
            self.counts["errors"] += 1
        CrawlProgress.progress.update(self.task, description=self._line(spider))

    def closed(self, spider, reason):
        CrawlProgress.progress.update(self.task, description=self._line(spider) + f" · {reason}")
        CrawlProgress.running -= 1
        if CrawlProgress.running == 0:
            CrawlProgress.progress.stop()
            CrawlProgress.progress = None


class CrawlRunRecorder:
    """The crawl run's bookkeeping in the ledger, for every way a crawl is started
    (`portalize crawl`, `scrapy crawl legacy`, Scrapyd): opens the run when the spider opens;
    when it closes, finishes the run with its real reason, writes the report of pages never
    reached, clears the job folder of a finished crawl, and keeps the whole summary on the
    run (`crawl_runs.stats`), where `portalize crawl` and `portalize progress` read it."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.writer = LedgerWriter.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider):
        def start(session):
            agency_store.register_agency(session, spider.agency)
            return page_store.start_crawl_run(session, spider.agency.code)

        deferred = self.writer.call(start)
        deferred.addCallback(lambda run_id: setattr(spider, "crawl_run_id", run_id))
        return deferred

    def closed(self, spider, reason):
        if spider.crawl_run_id is None:
            self.writer.close()
            return None
        reason = spider.stopped_reason or reason
        extra = {"resumed": spider.resumed_job, "resumed_from_ledger": spider.resumed_from_ledger,
                 "known_not_rechecked": len(spider.not_rechecked), "log": self.crawler.settings.get("LOG_FILE"),
                 "cloaking_checks": getattr(spider, "cloaking_checks_done", 0),
                 "cloaking_found": getattr(spider, "cloaking_found", 0)}
        deferred = self.writer.call(finish_run, spider, reason, extra)
        deferred.addBoth(self._closed)
        return deferred

    def _closed(self, result):
        self.writer.close()
        return result


def finish_run(session, spider, reason: str, extra: dict) -> dict:
    """Close the run in the ledger and keep its full summary there (runs on the writer's thread)."""
    code, run_id = spider.agency.code, spider.crawl_run_id
    page_store.finish_crawl_run(session, code, run_id, reason)
    run = session.get(CrawlRun, run_id)
    failed = page_store.pages_with_errors(session, run_id)
    rows = unreached(session, spider, run.status, failed)
    summary = {**run.stats, **extra, "errors": [(p.url, p.error) for p in failed[:50]], "error_count": len(failed),
               "unreached": len(rows),
               "depth_limited": sum(1 for r in rows if r[2].startswith("not followed: deeper")),
               "sitemaps_limited": len(getattr(spider, "sitemaps_skipped", {})),
               "max_sitemaps": getattr(spider, "max_sitemaps", None)}
    if rows:
        summary["unreached_report"] = str(write_csv(f"crawl-{code}-run{run_id}-unreached.csv",
                                                    ["url", "linked_from", "reason"], rows))
    run.stats = summary
    jobs = spider.crawler.settings.get("JOBDIR")
    if run.status in ("finished", "failed") and jobs:
        # Only an interrupted crawl (Ctrl-C) resumes from Scrapy's job state. A failed one would
        # leave its start pages marked as seen, and every later crawl would fetch nothing.
        shutil.rmtree(jobs, ignore_errors=True)
    return summary


def unreached(session, spider, status: str, failed) -> list[tuple[str, str | None, str]]:
    """Pages the crawl saw linked but never stored: (url, linked from, reason). Links past the
    depth limit, requests cut off by the page limit or an interruption, and `failed` pages
    (the run's pages with errors) that got no response."""
    stored = page_store.stored_urls(session, spider.agency.code)
    rows = [(url, referer, f"not followed: deeper than the depth limit of {spider.max_depth} (PORTALIZE_MAX_DEPTH)")
            for url, referer in spider.too_deep.items() if url not in stored]
    rows += [(url, referer, f"not fetched: sitemap limit of {spider.max_sitemaps} reached (PORTALIZE_MAX_SITEMAPS)")
             for url, referer in getattr(spider, "sitemaps_skipped", {}).items() if url not in stored]
    if spider.stopped_reason:
        why = f"not fetched: {spider.stopped_reason}"
    elif status == "interrupted":
        why = f"not fetched yet: crawl interrupted (run `portalize crawl {spider.agency.code}` to resume)"
    else:
        why = "not fetched: dropped by Scrapy (robots.txt or already requested by an interrupted run)"
    # A URL that redirected to a page this crawl stores (NukeViet sends an article filed under
    # several categories to its main one) was reached: its content is that page.
    redirects = getattr(spider, "redirects", {})
    rows += [(url, referer, why) for url, referer in spider.requested.items()
             if url not in stored and redirects.get(url) not in stored]
    rows += [(p.url, p.referer, p.error) for p in failed if p.status is None]
    return sorted(rows)
