"""A live progress line per agency while crawls run (turned on by PORTALIZE_PROGRESS)."""
from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.exceptions import NotConfigured


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
