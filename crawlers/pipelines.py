"""Hands every fetched page to the ledger's raw store."""
from __future__ import annotations

from scrapy.utils.defer import maybe_deferred_to_future

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

    async def process_item(self, item):
        if isinstance(item, PageItem):
            spider = self.crawler.spider
            await maybe_deferred_to_future(
                self.writer.call(page_store.save_page, spider.agency.code, spider.crawl_run_id, item))
        return item
