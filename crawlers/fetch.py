"""One page, outside a crawl: `detect`, `extract URL`, `mapping check` and `register` fetch
through here, with the crawl's own guards:

- the same User-Agent, timeout and size cap as the crawl's settings;
- one deadline for the whole fetch (robots.txt, redirects, a body dripping in one byte at a
  time): DOWNLOAD_TIMEOUT seconds, or PORTALIZE_FETCH_TIMEOUT when set. The fetch runs in a
  daemon thread whose sockets are shut down at the deadline, so a server that never finishes
  keeps neither the command nor the process from ending;
- robots.txt obeyed unless the agency says `robots: false`;
- redirects followed by hand, each checked by the crawl's redirect guard (`refusal`): never
  off the agency's hosts, never onto a private or loopback address unless the start URL
  or the agency (`local_test_host`) already is one;
- `--origin HOST=URL` overrides, sent to that address with the legacy `Host` header, exactly
  as the crawl sends them.
"""
from __future__ import annotations

import http.client
import math
import os
import socket
import threading
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit

from portalize.core.addresses import internal_address
from portalize.core.errors import FetchFailed, UsageProblem

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


class _Sockets(list):
    """The sockets one fetch opened; shut down at its deadline (a thread blocked reading one
    then returns at once)."""

    def shut(self) -> None:
        for sock in list(self):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _checked_connect(allow_private: bool, opened: _Sockets):
    """socket.create_connection that resolves the host itself and connects to the address it
    checked (never a second look-up: DNS rebinding has nothing to race)."""
    def connect(address, timeout=socket.getdefaulttimeout(), source_address=None, *args, **kwargs):
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if not infos:
            raise OSError(f"no address for {host}")
        for *_, sockaddr in infos:
            if not allow_private and internal_address(sockaddr[0]):
                raise OSError(f"{host} resolves to {sockaddr[0]}, a private, loopback or link-local address: refused")
        sock = socket.create_connection(infos[0][4][:2], timeout, source_address)
        opened.append(sock)
        return sock
    return connect


def _guarded(connection_class, allow_private: bool, opened: _Sockets):
    class Guarded(connection_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = _checked_connect(allow_private, opened)
    return Guarded


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool, opened: _Sockets):
        super().__init__()
        self.connection = _guarded(http.client.HTTPConnection, allow_private, opened)

    def http_open(self, req):
        return self.do_open(self.connection, req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool, opened: _Sockets):
        super().__init__()
        self.connection = _guarded(http.client.HTTPSConnection, allow_private, opened)

    def https_open(self, req):
        return self.do_open(self.connection, req, context=self._context)


def fetch_timeout(timeout: float | None = None) -> float:
    """Seconds one single-page fetch may take in all: PORTALIZE_FETCH_TIMEOUT when set, else
    `timeout`, else the crawl's DOWNLOAD_TIMEOUT."""
    value = os.environ.get("PORTALIZE_FETCH_TIMEOUT")
    if value:
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and 0 < seconds <= 3600):
            raise UsageProblem(f"PORTALIZE_FETCH_TIMEOUT={value!r} must be a number of seconds from 0 to 3600",
                               "e.g. PORTALIZE_FETCH_TIMEOUT=10, or unset it for DOWNLOAD_TIMEOUT "
                               f"({settings.DOWNLOAD_TIMEOUT} s)")
        return seconds
    return timeout or settings.DOWNLOAD_TIMEOUT


def _within(seconds: float, url: str, work, *args):
    """`work(opened, *args)` run in a daemon thread, given `seconds` in all. At the deadline its
    sockets are shut down and FetchFailed names the URL; the thread is never waited for (a
    daemon thread is not joined when the process exits)."""
    opened, outcome, done = _Sockets(), {}, threading.Event()

    def run():
        try:
            outcome["value"] = work(opened, *args)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="portalize-fetch", daemon=True).start()
    if not done.wait(seconds):
        opened.shut()
        raise FetchFailed(f"{url} did not answer in full within {seconds:g} s (DOWNLOAD_TIMEOUT, or "
                          "PORTALIZE_FETCH_TIMEOUT when set)",
                          "check the address (or pass --origin HOST=URL), or save the page and run "
                          "`portalize extract FILE --url URL`")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _open(url: str, origins: dict, timeout: float, allow_private: bool = False, opened: _Sockets | None = None):
    origin = origins.get(host_of(url))
    headers = {"User-Agent": settings.USER_AGENT}
    if origin:
        url, headers["Host"] = origin_target(url, origin)
        allow_private = True  # the address the user named
    request = urllib.request.Request(url, headers=headers)
    opened = _Sockets() if opened is None else opened
    opener = urllib.request.build_opener(_NoRedirect(), urllib.request.ProxyHandler({}),
                                         _HTTP(allow_private, opened), _HTTPS(allow_private, opened))
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return exc  # an HTTP answer all the same: the caller decides


def _robots_allow(url: str, origins: dict, timeout: float, allow_private: bool, opened: _Sockets) -> bool:
    parts = urlsplit(url)
    robots = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        with _open(robots, origins, timeout, allow_private, opened) as response:
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
    time) ends within `timeout` (DOWNLOAD_TIMEOUT; PORTALIZE_FETCH_TIMEOUT wins) seconds.
    Raises FetchFailed naming the URL and what to do next."""
    seconds = fetch_timeout(timeout)
    return _within(seconds, url, _fetch_page, url, origins, hosts, obey_robots, allow_private, seconds)


def _fetch_page(opened: _Sockets, url: str, origins: dict | None, hosts, obey_robots: bool, allow_private: bool,
                timeout: float) -> Fetched:
    origins = {k.lower(): v for k, v in (origins or {}).items()}
    allowed = {host_of(url), *(h.lower() for h in hosts)}
    allow_private = allow_private or internal_address(host_of(url)) or bool(origins.get(host_of(url)))
    hint = "check the address (or pass --origin HOST=URL), or save the page and run `portalize extract FILE --url URL`"
    if obey_robots and not _robots_allow(url, origins, timeout, allow_private, opened):
        raise FetchFailed(f"robots.txt of {urlsplit(url).netloc} forbids fetching {url}",
                          "set `robots: false` in the agency's file only if the province may ignore it")
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = _open(current, origins, timeout, allow_private, opened)
            with response:  # closed here, whatever follows (an oversized body is not read to its end)
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


def first_answer(url: str, origins: dict | None = None, allow_private: bool = False,
                 timeout: float | None = None) -> tuple[int, str | None]:
    """The status and Location of the first answer to a GET of `url`, redirects not followed
    (is a legacy host redirecting to the portal?), within the same deadline as fetch_page.
    Raises FetchFailed when nothing answers."""
    seconds = fetch_timeout(timeout)
    return _within(seconds, url, _first_answer, url, origins, allow_private, seconds)


def _first_answer(opened: _Sockets, url: str, origins: dict | None, allow_private: bool,
                  timeout: float) -> tuple[int, str | None]:
    origins = {k.lower(): v for k, v in (origins or {}).items()}
    try:
        with _open(url, origins, timeout, allow_private, opened) as answer:
            return answer.status, answer.headers.get("Location")
    except (urllib.error.URLError, OSError) as exc:
        raise FetchFailed(f"could not fetch {url} ({getattr(exc, 'reason', exc)})",
                          "check the address (or pass --origin HOST=URL)") from None
