"""Downloader middlewares."""
from __future__ import annotations

from scrapy.exceptions import NotConfigured

from .urls import host_of


class OriginOverrideMiddleware:
    """Fetch a legacy host from another address, keeping the legacy URL everywhere else.

    `origins` (a spider attribute, host -> http://address:port) sends each request for that
    host through the given address as an HTTP proxy request (absolute-form request target),
    which any HTTP/1.1 server answers for the named host. Used when a legacy site's DNS is
    gone but a copy still runs somewhere, and by the demo and tests to reach local servers.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PORTALIZE_ORIGIN_OVERRIDE", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request):
        origins = getattr(self.crawler.spider, "origins", None) or {}
        origin = origins.get(host_of(request.url))
        if origin and not request.url.startswith("https:"):
            request.meta["proxy"] = origin
        return None
