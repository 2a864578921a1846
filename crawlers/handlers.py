"""Scrapy's HTTP download handler, able to fetch a legacy host from another address."""
from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from .middlewares import origin_target
from .urls import host_of


class OriginDownloadHandler(HTTP11DownloadHandler):
    """Fetch a legacy host from another address, keeping the legacy URL everywhere else.

    `origins` (a spider attribute, host -> http://address:port) sends each request for that
    host to the given address as a normal request with the legacy `Host` header, the way a
    browser whose DNS pointed there would (proxy-style absolute URLs made WordPress and NukeViet
    answer with redirects to themselves). Only the bytes on the wire change: every middleware,
    the dupefilter, redirects, the spider and the ledger see the legacy URL, and the request is
    not scheduled a second time. Used when a legacy site's DNS is gone but a copy still runs
    somewhere, and by the demo and tests to reach local servers.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._override = crawler.settings.getbool("PORTALIZE_ORIGIN_OVERRIDE", True)

    async def download_request(self, request):
        origins = (getattr(self._crawler.spider, "origins", None) or {}) if self._override else {}
        origin = origins.get(host_of(request.url))
        if not origin:
            return await super().download_request(request)
        target, host = origin_target(request.url, origin)
        headers = request.headers.copy()
        headers[b"Host"] = host.encode("ascii")
        response = await super().download_request(request.replace(url=target, headers=headers))
        return response.replace(url=request.url, request=request)
