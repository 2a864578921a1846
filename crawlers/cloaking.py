"""Cloaking check: a compromised site may show readers a clean page and serve search engines
the injected betting links. A sample of the crawled web pages (PORTALIZE_CLOAKING_CHECKS per
crawl, every page once one is found cloaking) is fetched a second time with a Googlebot
User-Agent; what Googlebot gets and a browser does not (links to other sites, betting words)
is kept on the stored page (transform.spam.GOOGLEBOT_HEADER), where transform reads it as
quarantine evidence: the page is stored when fetched, and again with the record when Googlebot
got something else. A re-crawl does not ask
again for a page the same as its stored copy; its last record is kept."""
from __future__ import annotations

import dataclasses
import json
from html import escape

import scrapy
from sqlalchemy import select

from portalize.core.ledger.db import sessionmaker_for
from portalize.core.ledger.models import Page

from portalize.transform.decode import decode_html
from portalize.transform.spam import GOOGLEBOT_HEADER, GOOGLEBOT_UA, cloaking_evidence


class CloakingCheckMixin:
    """For LegacySiteSpider: `checked(response, item)` yields the item to store, and for a page
    of the sample a Googlebot request whose answer yields it again with the evidence, if any."""

    cloaking_checks_done = 0
    cloaking_found = 0

    def checked(self, response, item):
        limit = self.crawler.settings.getint("PORTALIZE_CLOAKING_CHECKS", 0)
        if (response.status != 200 or item.kind not in ("item", "list") or not item.body or limit <= 0
                or (self.cloaking_checks_done >= limit and not self.cloaking_found)
                or response.meta.get("postback")):
            yield item
            return
        if item.url in self.digests and self._same_as_stored(item.url, item.body):
            # A re-crawl of a page as stored (numbers aside): not asked again; the last check's
            # record is kept with it.
            record = self._last_record(item.url)
            yield dataclasses.replace(item, headers={**item.headers, GOOGLEBOT_HEADER: record}) if record else item
            return
        yield item  # stored now: a crawl stopped before Googlebot's answer keeps the page
        self.cloaking_checks_done += 1
        self.crawler.stats.set_value("portalize/cloaking_checks", self.cloaking_checks_done)
        yield scrapy.Request(response.url, callback=self.parse_googlebot, errback=self.on_googlebot_error,
                             dont_filter=True, priority=5, headers={"User-Agent": GOOGLEBOT_UA},
                             meta={"kind": "cloaking", "stored_item": item, "dont_obey_robotstxt": True,
                                   "dont_redirect": True, "dont_retry": True, "referer": item.referer})

    def _last_record(self, url: str) -> str | None:
        with sessionmaker_for(self.db_url)() as session:
            headers = session.scalar(select(Page.headers).where(Page.agency == self.agency.code, Page.url == url))
        return (headers or {}).get(GOOGLEBOT_HEADER)

    def parse_googlebot(self, response):
        item = response.meta["stored_item"]
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            # Googlebot sent elsewhere, a browser not: compared as a page holding that one link.
            target = escape(response.urljoin(location.decode("latin-1")))
            googlebot_html = f'<html><body><a href="{target}">{target}</a></body></html>'
        elif response.status == 200:
            googlebot_html, _ = decode_html(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
        else:
            return  # a Googlebot answer that is not a page compares nothing
        browser_html, _ = decode_html(item.body, item.content_type)
        evidence = cloaking_evidence(browser_html, googlebot_html, item.url)
        if evidence is not None:  # else the page stays as stored
            self.cloaking_found += 1
            self.crawler.stats.set_value("portalize/cloaking_found", self.cloaking_found)
            self.logger.warning("%s answers a Googlebot User-Agent differently: %s", item.url, evidence.detail)
            record = json.dumps(dataclasses.asdict(evidence), ensure_ascii=False)
            yield dataclasses.replace(item, headers={**item.headers, GOOGLEBOT_HEADER: record})  # stored again

    def on_googlebot_error(self, failure):
        return None  # no comparison: the page stays as stored
