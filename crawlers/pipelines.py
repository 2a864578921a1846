"""Hands every fetched page to the ledger's raw store."""
from __future__ import annotations

from scrapy import signals

from portalize.ledger import store
from portalize.ledger.db import sessionmaker_for

from .items import PageItem


class LedgerPipeline:
    """Stores each response (body compressed, once per sha256) and the crawl run around them.

    Each page is its own transaction: a killed crawl keeps every page stored before it died,
    and crawls of several agencies in one process never hold a lock across reactor turns."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url = crawler.settings.get("PORTALIZE_DB")
        self.session = None
        self.run_id = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        # spider_closed carries the real reason (finished, shutdown, page limit) and comes
        # after pipelines close, so the crawl run is finished there.
        crawler.signals.connect(pipeline.finish_run, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        spider = self.crawler.spider
        self.session = sessionmaker_for(self.db_url)()
        with self.session.begin():
            store.register_agency(self.session, spider.agency)
            self.run_id = store.start_crawl_run(self.session, spider.agency.code)
        spider.crawl_run_id = self.run_id

    def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        with self.session.begin():
            store.save_page(self.session, self.crawler.spider.agency.code, self.run_id, item)
        return item

    def finish_run(self, spider, reason):
        if self.session is None:
            return
        with self.session.begin():
            store.finish_crawl_run(self.session, spider.agency.code, self.run_id, spider.stopped_reason or reason)
        self.session.close()
        self.session = None
