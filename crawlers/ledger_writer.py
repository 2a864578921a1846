"""Ledger writes off the reactor thread. One writer per crawler: a single worker thread owns
its database session, so pages are written in the order they came, one transaction each,
while Twisted keeps downloading. Callers get a Deferred (awaitable by Scrapy)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from twisted.internet.defer import Deferred

from portalize.core.ledger.db import sessionmaker_for


class LedgerWriter:
    def __init__(self, db_url: str | None):
        self.sessions = sessionmaker_for(db_url)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portalize-ledger")
        self.session = None

    @classmethod
    def of(cls, crawler) -> "LedgerWriter":
        """The crawler's writer, made on first use (shared by the pipeline and the run recorder)."""
        writer = getattr(crawler, "_portalize_ledger", None)
        if writer is None:
            writer = crawler._portalize_ledger = cls(crawler.settings.get("PORTALIZE_DB"))
        return writer

    def _run(self, fn, args):
        if self.session is None:
            self.session = self.sessions()
        with self.session.begin():
            return fn(self.session, *args)

    def call(self, fn, *args) -> Deferred:
        """Run `fn(session, *args)` in one transaction on the writer's thread."""
        from twisted.internet import reactor  # the one Scrapy installed

        deferred = Deferred()

        def done(future):
            exc = future.exception()
            if exc is not None:
                reactor.callFromThread(deferred.errback, exc)
            else:
                reactor.callFromThread(deferred.callback, future.result())

        self.executor.submit(self._run, fn, args).add_done_callback(done)
        return deferred

    def close(self) -> None:
        def _close():
            if self.session is not None:
                self.session.close()
        self.executor.submit(_close)
        self.executor.shutdown(wait=True)
