"""Hands every fetched page to the ledger's raw store."""
from __future__ import annotations

import errno

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from portalize.core.config import free_bytes, masked, sqlite_file
from portalize.core.ledger import pages as page_store

from .items import PageItem
from .ledger_writer import LedgerWriter


class LedgerPipeline:
    """Stores each response (body compressed, once per sha256) in the crawl run that
    `CrawlRunRecorder` opened. Each page is its own transaction, written on the ledger
    writer's thread: a killed crawl keeps every page stored before it died, and the reactor
    never waits on the database."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.writer = LedgerWriter.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    stopping = False

    async def process_item(self, item):
        if isinstance(item, PageItem):
            spider = self.crawler.spider
            try:
                await maybe_deferred_to_future(
                    self.writer.call(page_store.save_page, spider.agency.code, spider.crawl_run_id, item))
            except Exception as exc:
                if not disk_full(exc):
                    raise
                self._stop_for_full_disk(spider, exc)
                raise DropItem(f"not stored, the ledger's disk is full: {item.url}") from exc
        return item

    def _stop_for_full_disk(self, spider, exc) -> None:
        """Stop the whole crawl at once: every later page would fail the same way. The pages
        stored so far are kept; the next crawl resumes from them."""
        if self.stopping:
            return
        self.stopping = True
        spider.stopped_reason = (f"the ledger's disk is full ({type(exc).__name__}: {exc}); {_space_note(spider.db_url)}"
                                 f"free space where the ledger is (PORTALIZE_DB), then run "
                                 f"`portalize crawl {spider.agency.code}` to resume")
        spider.logger.error(spider.stopped_reason)
        from twisted.internet import reactor  # the one Scrapy installed
        reactor.callLater(0, lambda: deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk full")))


def _space_note(db_url: str | None) -> str:
    """Which file, how much room is left, and how much to free: at least as much again as the
    ledger holds (the rest of the site is rarely larger than what was stored), and never less
    than 100 MB."""
    path, free = sqlite_file(db_url), free_bytes(db_url)
    if path is None or free is None:
        return f"ledger {masked(db_url)}; "
    held = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))  # with its -wal and -shm
    need = max(held, 100 * 1024 * 1024)
    return (f"ledger {path} holds {held / 2**20:.1f} MB, {free / 2**20:.1f} MB left on its disk; "
            f"free at least {need / 2**20:.0f} MB: ")


def disk_full(exc: BaseException) -> bool:
    """A write refused for lack of space: ENOSPC, or SQLite's / PostgreSQL's own words for it."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        text = str(exc).lower()
        if "disk is full" in text or "no space left" in text or "could not extend file" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False
