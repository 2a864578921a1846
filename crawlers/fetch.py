"""One page, outside a crawl: `detect`, `extract URL`, `mapping check` and `register` fetch
through here, with the crawl's own guards:

- the same User-Agent, timeout and size cap as the crawl's settings;
- robots.txt obeyed unless the agency says `robots: false`;
- redirects followed by hand, each checked by the crawl's redirect guard (`refusal`): never
  off the agency's hosts, never onto a private or loopback address unless the start URL
  or the agency (`local_test_host`) already is one;
- `--origin HOST=URL` overrides, sent to that address with the legacy `Host` header, exactly
  as the crawl sends them.
"""
from __future__ import annotations

import urllib.error
import urllib.request
import urllib.robotparser
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from portalize.core.addresses import internal_address
from portalize.core.errors import FetchFailed

from . import settings
from .middlewares import origin_target, redirect_target, refusal
from .urls import host_of

MAX_REDIRECTS = 5


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # every hop goes back through the guard


def _open(url: str, origins: dict, timeout: float):
    origin = origins.get(host_of(url))
    headers = {"User-Agent": settings.USER_AGENT}
    if origin:
        url, headers["Host"] = origin_target(url, origin)
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.build_opener(_NoRedirect(), urllib.request.ProxyHandler({})).open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return exc  # an HTTP answer all the same: the caller decides


def _robots_allow(url: str, origins: dict, timeout: float) -> bool:
    parts = urlsplit(url)
    robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        response = _open(robots, origins, timeout)
        status, text = response.status, response.read(512 * 1024).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return True  # no robots.txt reachable: Scrapy's RobotsTxtMiddleware also allows
    if status >= 400:
        return True
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return parser.can_fetch(settings.USER_AGENT, url)


def fetch_page(url: str, origins: dict | None = None, hosts=(), obey_robots: bool = True,
               allow_private: bool = False, timeout: float | None = None) -> Fetched:
    """GET one page with the crawl's guards. `hosts`: where redirects may go (the URL's own
    host always may). The whole fetch (robots.txt, redirects, a body dripping in one byte at a
    time) ends within `timeout` (DOWNLOAD_TIMEOUT) seconds. Raises FetchFailed naming the URL
    and what to do next."""
    timeout = timeout or settings.DOWNLOAD_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portalize-fetch")
    future = pool.submit(_fetch_page, url, origins, hosts, obey_robots, allow_private, timeout)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise FetchFailed(f"{url} did not answer in full within {timeout:g} s (DOWNLOAD_TIMEOUT)",
                          "check the address (or pass --origin HOST=URL), or save the page and run "
                          "`portalize extract FILE --url URL`") from None
    finally:
        pool.shutdown(wait=False)  # a server still dripping bytes keeps only that thread, until its socket times out


def _fetch_page(url: str, origins: dict | None, hosts, obey_robots: bool, allow_private: bool,
                timeout: float) -> Fetched:
    origins = {k.lower(): v for k, v in (origins or {}).items()}
    allowed = {host_of(url), *(h.lower() for h in hosts)}
    allow_private = allow_private or internal_address(host_of(url)) or bool(origins.get(host_of(url)))
    hint = "check the address (or pass --origin HOST=URL), or save the page and run `portalize extract FILE --url URL`"
    if obey_robots and not _robots_allow(url, origins, timeout):
        raise FetchFailed(f"robots.txt of {urlsplit(url).netloc} forbids fetching {url}",
                          "set `robots: false` in the agency's file only if the province may ignore it")
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = _open(current, origins, timeout)
            body = response.read(settings.DOWNLOAD_MAXSIZE + 1)
        except (urllib.error.URLError, OSError) as exc:
            raise FetchFailed(f"could not fetch {current} ({getattr(exc, 'reason', exc)})", hint) from exc
        if len(body) > settings.DOWNLOAD_MAXSIZE:
            raise FetchFailed(f"{current} is larger than DOWNLOAD_MAXSIZE ({settings.DOWNLOAD_MAXSIZE} bytes)", hint)
        status, headers = response.status, response.headers
        if status in (301, 302, 303, 307, 308) and headers.get("Location"):
            target = redirect_target(current, headers["Location"].strip().encode("latin-1", "replace"))
            reason = refusal(target, allowed, allow_private)
            if reason:
                raise FetchFailed(f"{current} redirects to {target}, refused: {reason}",
                                  "add the host under legacy.hosts in the agency's file if it is the agency's own")
            current = target
            continue
        if status >= 400:
            raise FetchFailed(f"{current} answered HTTP {status}", hint)
        return Fetched(current, status, body, headers.get("Content-Type"))
    raise FetchFailed(f"{url}: more than {MAX_REDIRECTS} redirects", hint)
