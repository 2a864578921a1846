"""Downloader middlewares."""
from __future__ import annotations

import random
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from w3lib.url import safe_url_string
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from portalize.core.addresses import internal_address

from .urls import UnsafeURL, canonical_url, normal_host, shown, wire_target


def origin_target(url: str, origin: str) -> tuple[str, str]:
    """(the URL to request at `origin`, the Host header naming the legacy host) for a legacy URL.
    Both are read by WHATWG rules, and the URL built goes to the origin's scheme, host and port
    exactly, whatever the legacy path holds; raises UnsafeURL otherwise."""
    import ada_url

    wire_target(url)
    where = wire_target(origin)
    legacy, address = ada_url.URL(url), ada_url.URL(origin)
    target = f"{address.protocol}//{address.host}{legacy.pathname or '/'}{legacy.search}"
    if wire_target(target) != where:
        raise UnsafeURL(f"{shown(url)} does not stay on {where} once sent there: refused")
    return target, legacy.host


class RobotsTxtOnceMiddleware:
    """robots.txt is asked once, never retried: a hanging or failing server costs one
    DOWNLOAD_TIMEOUT before the crawl goes on (Scrapy then allows everything), not three."""

    def process_request(self, request, spider=None):
        if request.url.endswith("/robots.txt"):
            request.meta.setdefault("dont_retry", True)
        return None


class ConditionalRequestMiddleware:
    """Re-crawls ask `If-None-Match` / `If-Modified-Since` with the stored copy's validators, so
    an unchanged page answers 304 and is neither downloaded nor stored again."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PORTALIZE_CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request):
        if request.method != "GET":
            return None
        stored = (getattr(self.crawler.spider, "validators", None) or {}).get(request.url)
        if stored:
            if "etag" in stored:
                request.headers.setdefault(b"If-None-Match", stored["etag"].encode("latin-1"))
            if "last-modified" in stored:
                request.headers.setdefault(b"If-Modified-Since", stored["last-modified"].encode("latin-1"))
        return None


class RedirectGuardMiddleware:
    """Refuse redirects that leave the agency's hosts and ports, that point at a private, loopback
    or link-local address (unless the agency says `local_test_host: true`), or whose target URL
    parsers read differently. The 3xx response is kept as the page, with the refusal as its
    error, so nothing is silently dropped."""

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if response.status not in self.REDIRECTS or b"Location" not in response.headers:
            return response
        spider = self.crawler.spider
        target = redirect_target(request.url, response.headers[b"Location"])
        reason = refusal(target, spider.agency.hosts, getattr(spider.agency, "local_test_host", False),
                         getattr(spider, "allowed_targets", None))
        if reason:
            request.meta["dont_redirect"] = True
            request.meta["refused_redirect"] = f"redirect to {shown(target)} refused: {reason}"
        elif hasattr(spider, "redirects"):
            spider.redirects[canonical_url(request.url)] = canonical_url(target)
        return response


def redirect_target(url: str, location: bytes) -> str:
    """The URL Scrapy's RedirectMiddleware will request for this `Location`, computed the same
    way (w3lib's `safe_url_string` first: `http:\\\\127.0.0.2/x` becomes `http://127.0.0.2/x`),
    so the guard checks what is really fetched, not a same-host reading of it."""
    target = safe_url_string(location)
    if location.startswith(b"//"):
        target = urlsplit(url).scheme + "://" + target.lstrip("/")
    return urljoin(url, target)


def refusal(url: str, hosts, allow_private: bool, allowed=None) -> str | None:
    """Why a request for `url` is not made: parsers that read it differently (transform.weburl,
    Twisted), an internal address, a host not the agency's, or (with `allowed`, a set of
    transform.weburl.Target) a scheme and port this crawl does not reach on that host."""
    try:
        target = wire_target(url)
    except UnsafeURL as exc:
        return str(exc)
    if not allow_private and internal_address(target.host):
        return "private, loopback or link-local address"
    if target.host not in {normal_host(h) for h in hosts}:
        return "outside the agency's hosts"
    if allowed is not None and target not in allowed:
        return not_allowed(target, allowed)
    return None


def not_allowed(target, allowed) -> str:
    return (f"{target} is not an address this crawl may reach (only "
            f"{', '.join(sorted(str(t) for t in allowed))}: the agency's hosts on their default ports, "
            "its base URLs' ports, and --origin or `local_test_host` addresses on the ports named)")


class RequestGuardMiddleware:
    """The last check before a request leaves: the URL as Scrapy will send it (`request.url`,
    read by urllib and by Twisted, which must agree with WHATWG rules) goes to one of the
    spider's `allowed_targets` (scheme, host, port), or the request is refused with its reason
    (IgnoreRequest: the spider's errback stores the reason as the page's error). Whatever path
    made the request (a link, a redirect, a sitemap, a form, robots.txt), it is checked here."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        allowed = getattr(self.crawler.spider, "allowed_targets", None)
        if allowed is None:  # a spider of another kind: nothing to check against
            return None
        try:
            target = wire_target(request.url)
        except UnsafeURL as exc:
            reason = str(exc)
        else:
            if target in allowed:
                return None
            reason = not_allowed(target, allowed)
        self.crawler.stats.inc_value("portalize/requests_refused")
        raise IgnoreRequest(f"request to {shown(request.url)} refused: {reason}")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries of 5xx answers and timeouts, spaced out: retry n waits
    PORTALIZE_RETRY_BACKOFF * 2**(n-1) seconds (at most PORTALIZE_RETRY_BACKOFF_MAX), with
    jitter, so a struggling legacy server gets room to recover instead of a burst of repeats.
    What still fails after RETRY_TIMES is stored with its reason by the spider."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("PORTALIZE_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("PORTALIZE_RETRY_BACKOFF_MAX", 30.0)

    def delay(self, retry_times: int) -> float:
        return min(self.cap, self.base * 2 ** (retry_times - 1)) * random.uniform(0.75, 1.0)

    async def _pause(self, result):
        if isinstance(result, Request) and self.base > 0:
            from twisted.internet import reactor  # the one Scrapy installed, not a default one
            await maybe_deferred_to_future(deferLater(reactor, self.delay(result.meta.get("retry_times", 1)),
                                                      lambda: None))
        return result

    async def process_response(self, request, response, spider=None):
        return await self._pause(super().process_response(request, response))

    async def process_exception(self, request, exception, spider=None):
        return await self._pause(super().process_exception(request, exception))
