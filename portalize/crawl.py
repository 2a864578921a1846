"""Running crawls from the CLI: one Scrapy process for one or more agencies."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from . import config
from .errors import CrawlFailed
from .ledger import store
from .ledger.db import transaction
from .ledger.models import CrawlRun
from .reports import write_csv


def crawl_log_path():
    logs = config.var_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / f"crawl-{dt.datetime.now():%Y%m%d-%H%M%S}.log"


def job_dir(agency_code: str):
    """Scrapy's job state for one agency: kept when a crawl is interrupted, so the next
    `portalize crawl` resumes it; removed when a crawl finishes."""
    return config.var_dir() / "jobs" / agency_code


def unreached(session, spider, status: str, failed) -> list[tuple[str, str | None, str]]:
    """Pages the crawl saw linked but never stored: (url, linked from, reason). Links past the
    depth limit, requests cut off by the page limit or an interruption, and `failed` pages
    (the run's pages with errors) that got no response."""
    stored = store.stored_urls(session, spider.agency.code)
    rows = [(url, referer, f"not followed: deeper than the depth limit of {spider.max_depth} (PORTALIZE_MAX_DEPTH)")
            for url, referer in spider.too_deep.items() if url not in stored]
    if spider.stopped_reason:
        why = f"not fetched: {spider.stopped_reason}"
    elif status == "interrupted":
        why = f"not fetched yet: crawl interrupted (run `portalize crawl {spider.agency.code}` to resume)"
    else:
        why = "not fetched: dropped by Scrapy (robots.txt or already requested by an interrupted run)"
    rows += [(url, referer, why) for url, referer in spider.requested.items() if url not in stored]
    rows += [(p.url, p.referer, p.error) for p in failed if p.status is None]
    return sorted(rows)


def write_unreached(code: str, run_id: int, rows) -> Path:
    """The report people fix links from: one CSV row per page never reached."""
    return write_csv(f"crawl-{code}-run{run_id}-unreached.csv", ["url", "linked_from", "reason"], rows)


def crawl_settings(progress: bool, max_pages: int | None = None, log_file=None, overrides: dict | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
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


def run_crawls(agencies, origins: dict[str, str], progress: bool = True, max_pages: int | None = None,
               overrides: dict | None = None) -> dict:
    """Crawl each agency's legacy site; return {code: summary}. Raises CrawlFailed naming
    every agency whose site gave no usable page, after all the others have finished."""
    from crawlers.spiders.legacy import LegacySiteSpider

    log_file = crawl_log_path()
    process = CrawlerProcess(crawl_settings(progress, max_pages, log_file, overrides))
    crawlers, resumed, unfinished = {}, [], {}  # code -> [(run id, status)] to build on from the ledger
    for agency in agencies:
        crawler = process.create_crawler(LegacySiteSpider)
        jobs = job_dir(agency.code)
        with transaction() as session:
            unfinished[agency.code] = store.take_unfinished_runs(session, agency.code)
        if unfinished[agency.code]:
            # The last crawl died without saving Scrapy's queue (SIGKILL, power loss) or stopped
            # at its page limit with requests in flight: its job state would filter the start
            # pages as already seen and lose those requests. Resume from the ledger instead.
            shutil.rmtree(jobs, ignore_errors=True)
        elif (jobs / "requests.seen").exists():
            resumed.append(agency.code)
        crawler.settings.set("JOBDIR", str(jobs), priority="cmdline")
        for name, value in agency.crawl_settings.items():
            # The agency file's own politeness and limits; `-S` on the command line still wins.
            crawler.settings.set(name, value, priority="spider")
        crawlers[agency.code] = crawler
        process.crawl(crawler, agency=agency.code, origins=origins, mappings=str(config.mappings_dir()),
                      platform=agency.platform.name, resume_runs=[run for run, _ in unfinished[agency.code]])
    process.start()
    results, failures = {}, []
    with transaction() as session:
        for code, crawler in crawlers.items():
            run_id = getattr(crawler.spider, "crawl_run_id", None)
            run = session.get(CrawlRun, run_id) if run_id else None
            summary = dict(run.stats) if run else {"pages": 0, "by_status": {}, "reason": "not started"}
            summary["status"] = run.status if run else "failed"
            summary["run"] = run_id
            summary["log"] = str(log_file)
            summary["resumed"] = code in resumed
            summary["resumed_from_ledger"] = unfinished.get(code, [])
            summary["known_not_rechecked"] = crawler.stats.get_value("portalize/known_not_rechecked", 0)
            if summary["status"] == "finished":
                shutil.rmtree(job_dir(code), ignore_errors=True)
            failed = store.pages_with_errors(session, run_id) if run_id else []
            summary["errors"] = [(p.url, p.error) for p in failed]
            if run_id and crawler.spider is not None:
                rows = unreached(session, crawler.spider, summary["status"], failed)
                summary["unreached"] = len(rows)
                summary["depth_limited"] = sum(1 for r in rows if r[2].startswith("not followed: deeper"))
                if rows:
                    summary["unreached_report"] = str(write_unreached(code, run_id, rows))
            results[code] = summary
            if summary["status"] not in ("finished", "limited", "interrupted"):
                failures.append((code, crawler.spider, summary))
    if failures:
        lines = []
        for code, spider, summary in failures:
            first = summary["errors"][0] if summary["errors"] else (spider.agency.base_urls[0], summary.get("reason"))
            lines.append(f"agency {code}: could not crawl {first[0]} ({first[1]})")
        lines.append(f"Crawl log: {log_file}")
        raise CrawlFailed("\n".join(lines), "check legacy.base_urls in the agency's mapping file or pass "
                          "--origin HOST=http://ADDRESS, then run `portalize crawl " + " ".join(c for c, *_ in failures) + "`")
    return results
