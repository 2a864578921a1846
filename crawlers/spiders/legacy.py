"""The one spider for every legacy unit site, driven by the agency's platform preset.

    scrapy crawl legacy -a agency=stnmt -a origins=stnmt.tinhmau.gov.vn=http://127.0.0.1:8000
    portalize crawl stnmt --origin stnmt.tinhmau.gov.vn=http://127.0.0.1:8000
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import scrapy
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import FormRequest, HtmlResponse, TextResponse
from scrapy.utils.sitemap import Sitemap

from portalize.core import config
from portalize.core.addresses import internal_address
from portalize.core.ledger import agencies as agency_store, pages as page_store
from portalize.core.ledger.db import sessionmaker_for, transaction
from portalize.core.registry import load_registry

from ..cloaking import CloakingCheckMixin
from ..items import PageItem
from ..middlewares import not_allowed
from ..resolver import allow_internal, refusal
from ..traps import trap_pattern
from ..urls import allowed_targets, canonical_refusal, canonical_url, host_of, normal_host, shown, target_of


# A link whose scheme is http(s) (tabs and newlines are ignored in URLs, as browsers do).
HTTP_LINK = re.compile(r"^[\x00-\x20]*h[\t\n\r]*t[\t\n\r]*t[\t\n\r]*p[\t\n\r]*s?[\t\n\r]*:", re.I)
POSTBACK = re.compile(r"__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")
# A link to a file: its path (before any query or fragment) ends in a file extension.
FILE_LINK = re.compile(r"^[^?#]*\.(pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z|png|jpe?g|gif|webp|tiff?|mp3|mp4)(?:[?#]|$)",
                       re.I)
# Every link of a page, in one XPath (read once per page).
ALL_LINKS = etree.XPath('//a/@href | //area/@href | //link[@rel="next"]/@href | //frame/@src | //iframe/@src',
                        smart_strings=False)
META_REFRESH = etree.XPath('//meta[translate(@http-equiv, "REFSH", "refsh") = "refresh"]/@content',
                           smart_strings=False)
_TRANSLATOR = HTMLTranslator()


@lru_cache(maxsize=256)
def _union(selectors: tuple) -> etree.XPath:
    """A preset's CSS selectors as one compiled XPath union: one pass over the page for all of
    them, and plain strings back (no parsel wrapper per link)."""
    return etree.XPath(" | ".join(_TRANSLATOR.css_to_xpath(s) for s in selectors), smart_strings=False)


def _hrefs(response, selectors: tuple) -> list[str]:
    """What the selectors select, in page order (each node once)."""
    return [str(v) for v in _union(selectors)(response.selector.root)] if selectors else []


def _refresh_links(response) -> list[str]:
    """The targets of the page's `<meta http-equiv="refresh">` (a byte search first: most pages
    have none, and the XPath would scan the whole tree for nothing)."""
    if b"refresh" not in response.body.lower():
        return []
    return [t for t in (_refresh_target(c) for c in META_REFRESH(response.selector.root)) if t]
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]+)", re.I)


def _refresh_target(content: str) -> str | None:
    """The URL of a `<meta http-equiv="refresh" content="0; url=...">`."""
    match = _REFRESH_URL.search(content or "")
    return match[1].strip() if match else None


FEED_LINKS = ('link[type="application/rss+xml"]::attr(href)', 'link[type="application/atom+xml"]::attr(href)')


# Twisted's reasons for a connection that ended without a whole answer, in words.
_CLOSED_EARLY = {
    "ResponseDataLossError": "the server closed the connection before sending the whole page "
                             "(fewer bytes than its Content-Length)",
    "ConnectionDone": "the server closed the connection without an answer",
    "ConnectionLost": "the server reset the connection without an answer",
    "ResponseNeverReceived": "the server closed the connection without an answer",
}


def _plain_reason(failure) -> str:
    """The failure's reason as a person reads it: Twisted wraps connection errors in lists of
    failures (`[<Failure ConnectionDone: ...>]`) or gives no text at all."""
    names = [failure.type.__name__]
    args = getattr(failure.value, "args", ())
    wrapped = getattr(failure.value, "reasons", None) or (args[0] if args and isinstance(args[0], list) else [])
    for inner in wrapped:
        names.append(getattr(getattr(inner, "type", None), "__name__", ""))
    text = str(failure.value)
    for name in reversed(names):
        if name in _CLOSED_EARLY:
            return _CLOSED_EARLY[name]
    for name, reason in _CLOSED_EARLY.items():  # Scrapy's DownloadFailedError holds them only as text
        if f"error.{name}" in text or f"_newclient.{name}" in text:
            return reason
    return text or names[0]


def _alternation(patterns) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


_DIGITS = re.compile(rb"\d+")


def _is_html(response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    return isinstance(response, TextResponse) and (not content_type or b"html" in content_type)


def job_dir(agency_code: str) -> Path:
    """Scrapy's job state for one agency: kept when a crawl is interrupted, so the next crawl
    resumes it; removed when a crawl finishes."""
    return config.var_dir() / "jobs" / agency_code


def parse_origins(value) -> dict[str, str]:
    """`host=url,host2=url2` (or a dict) -> {host: url}."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {k.lower(): v for k, v in value.items()}
    pairs = (part.split("=", 1) for part in str(value).split(",") if "=" in part)
    return {h.strip().lower(): u.strip() for h, u in pairs}


SITEMAP_PRIORITY = 10  # above every page request (0): the site's inventory is read first

class LegacySiteSpider(CloakingCheckMixin, scrapy.Spider):
    name = "legacy"

    def __init__(self, agency: str, origins=None, mappings: str | None = None, platform: str | None = None,
                 resume_runs=(), **kwargs):
        super().__init__(**kwargs)
        registry = load_registry(mappings)
        self.registry = registry
        self.agency = registry.agency(agency)
        self._use_platform(platform)
        # `-a origins=host=url,...`, else PORTALIZE_ORIGINS: the same as `portalize crawl --origin`.
        self.origins = parse_origins(origins if origins is not None else os.environ.get("PORTALIZE_ORIGINS", ""))
        # Name resolution refuses internal addresses (crawlers/resolver.py) except for the
        # addresses given with --origin and the hosts of a test site.
        allow_internal(host_of(url) for url in self.origins.values())
        if self.agency.local_test_host:
            allow_internal(self.agency.hosts)
        # Where requests may go (scheme, host, port), checked on every link, redirect, sitemap
        # and, last, on every request (RequestGuardMiddleware): the agency's hosts on their
        # default ports and its base URLs' ports; a test site's internal address only on the
        # ports its base URLs name. `--origin` addresses are never requested by URL: the download
        # handler sends the legacy URL to the origin's exact address (origin_target).
        self.hosts = {normal_host(h) for h in self.agency.hosts}
        exact = [h for h in self.agency.hosts if self.agency.local_test_host and internal_address(h)]
        self.allowed_targets = allowed_targets(self.agency.base_urls, self.agency.hosts, exact)
        # Hosts whose other ports or schemes are named when refused: the agency's and the origins'.
        self.watched_hosts = self.hosts | {host_of(url) for url in self.origins.values()}
        self.refused_links: dict[str, str] = {}  # link as shown -> why it was refused
        self.sitemaps_requested: set[str] = set()  # canonical URLs of the sitemaps asked for
        self.sitemaps_skipped: dict[str, str | None] = {}  # sitemaps past PORTALIZE_MAX_SITEMAPS -> referer
        self.pages_seen = 0
        self.stopped_reason = None  # set when the spider stops itself (page limit)
        self.validators: dict[str, dict] = {}  # url -> ETag/Last-Modified of the stored copy
        self.digests: dict[str, tuple] = {}  # url -> (sha256, kind) of the stored copy (servers without validators)
        self.not_rechecked: set[str] = set()  # stored articles a re-crawl left alone
        self.postbacks_seen: set[tuple] = set()  # (form action, event target, argument)
        self.requested: dict[str, str | None] = {}  # canonical URL -> the page that linked it, this run
        self.too_deep: dict[str, str | None] = {}  # links not followed: past the depth limit
        self.redirects: dict[str, str] = {}  # canonical URL -> where it redirected (RedirectGuardMiddleware)
        self.links_seen: set[str] = set()  # absolute links already considered, before any canonicalisation
        self.listings_seen: set[tuple] = set()  # item links of each list page read
        # Crawl runs that died abruptly: their stored articles are not fetched again. Given by
        # hand (`-a resume_runs=3,4`) or, by default, found in the ledger by from_crawler.
        self.resume_runs = [int(r) for r in (resume_runs.split(",") if isinstance(resume_runs, str) else resume_runs) if r]
        self.resume_known: set[str] = set()
        self.resumed_from_ledger: list[tuple[int, str]] = []
        self.resumed_job = False  # Scrapy's own job state (JOBDIR) was picked up
        self.crawl_run_id = None

    def _use_platform(self, platform: str | None) -> None:
        if platform and platform != self.agency.platform.name:
            # A platform detected at registration, for an agency whose file names none.
            self.agency = dataclasses.replace(self.agency, platform=self.registry.platforms[platform])
        self.discovery = self.agency.platform.discovery
        self.fields = self.agency.platform.fields
        # The preset's patterns, compiled once into one alternation each (tested on every link).
        self._item_re = _alternation(self.discovery.get("item_url_patterns"))
        self._skip_re = trap_pattern(self.discovery)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """Everything `portalize crawl` does for an agency, so that `scrapy crawl legacy -a
        agency=CODE` and a Scrapyd job do the same: the agency's own crawl settings and robots
        choice, its job folder (resume after Ctrl-C), resume from the ledger after a kill, and the
        platform detected at registration. Settings are not frozen yet at this point."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        for name, value in spider.agency.crawl_settings.items():
            settings.set(name, value, priority="spider")  # `-s NAME=VALUE` (cmdline) still wins
        if not spider.agency.obey_robots:
            settings.set("ROBOTSTXT_OBEY", False, priority="spider")
        spider.max_pages = settings.getint("PORTALIZE_MAX_PAGES")
        spider.max_sitemaps = settings.getint("PORTALIZE_MAX_SITEMAPS", 1000)
        spider.max_depth = settings.getint("PORTALIZE_MAX_DEPTH")
        spider.max_asset_bytes = settings.getint("PORTALIZE_MAX_ASSET_BYTES")
        spider.db_url = settings.get("PORTALIZE_DB") or config.ledger_url()
        settings.set("PORTALIZE_DB", spider.db_url, priority="spider")
        spider.revalidate_all = settings.getbool("PORTALIZE_REVALIDATE_ALL")
        with transaction(spider.db_url) as session:
            if not spider.agency.platform_declared and "platform" not in kwargs:
                spider._use_platform(agency_store.detected_platforms(session).get(spider.agency.code))
            if not spider.resume_runs:
                spider.resumed_from_ledger = page_store.take_unfinished_runs(session, spider.agency.code)
                spider.resume_runs = [run for run, _ in spider.resumed_from_ledger]
            if settings.getbool("PORTALIZE_CONDITIONAL_REQUESTS", True):
                spider.validators = page_store.validators(session, spider.agency.code)
                spider.digests = page_store.digests(session, spider.agency.code)
        jobs = settings.get("JOBDIR")
        if jobs is None and settings.getbool("PORTALIZE_JOBDIR", True):
            jobs = str(job_dir(spider.agency.code))
            settings.set("JOBDIR", jobs, priority="spider")
        if jobs:
            if spider.resumed_from_ledger:
                # The last crawl died without saving Scrapy's queue (SIGKILL, power loss) or stopped
                # at its page limit with requests in flight: its job state would filter the start
                # pages as already seen and lose those requests. Resume from the ledger instead.
                shutil.rmtree(jobs, ignore_errors=True)
            spider.resumed_job = (Path(jobs) / "requests.seen").exists()
        return spider

    async def start(self):
        for request in self._resume_from_ledger():
            yield request
        for url in self.agency.base_urls:
            for request in self._request(url, referer=None, kind="list"):
                yield request
        for origin in sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.agency.base_urls}):
            # Probes: a site without a sitemap answers 404, which is not a page of the site.
            # Sitemaps come first (SITEMAP_PRIORITY): they say what exists, which a crawl cut
            # short by its page limit must still know, to report what it missed.
            for path in self.discovery.get("sitemaps") or ["/sitemap.xml"]:
                for request in self._sitemap(f"{origin}{path}", referer=None, probe=True):
                    yield request

    def _resume_from_ledger(self):
        """After an abrupt stop: articles the dead run stored are known (not fetched again);
        their files not stored yet are requested now. Lists are re-read (conditionally), so
        every article they show and the dead run never reached is still found."""
        if not self.resume_runs:
            return
        sessions = sessionmaker_for(self.db_url)
        with sessions() as session:
            items = page_store.stored_items(session, self.agency.code, self.resume_runs)
            stored = page_store.stored_urls(session, self.agency.code)
        self.resume_known.update(url for url, _, _ in items)
        for url, sha256, content_type in items:
            with sessions() as session:  # short reads: the pipeline writes to the same ledger meanwhile
                body = page_store.load_body(session, sha256)
            page = HtmlResponse(url=url, body=body, headers={"Content-Type": content_type or "text/html"})
            for link in self._links(page, [*self.fields.get("attachments", ()), *self.fields.get("images", ())]):
                target, _ = self._follow(link)
                if target and target not in stored:
                    yield from self._request(link, referer=url, kind="asset", depth=1)

    # -- what to follow -------------------------------------------------------------------
    def _request(self, url: str, referer: str | None, kind: str, depth: int = 0, priority: int = 0):
        """A request for a canonical URL this spider has not asked for yet (menus and pagers
        repeat links on every page: they are dropped here, before Scrapy builds and fingerprints
        a request). Yields nothing for a repeat; a resumed crawl relies on Scrapy's own dupefilter.
        Links past PORTALIZE_MAX_DEPTH are not followed but remembered for the crawl report;
        files get their own size cap (PORTALIZE_MAX_ASSET_BYTES) instead of DOWNLOAD_MAXSIZE."""
        url = canonical_url(url, self.discovery.get("drop_params") or ())
        if url is None or url in self.requested:  # None: refused, and recorded, by _follow
            return
        if self.max_depth and depth > self.max_depth and kind != "asset":
            if url not in self.too_deep:
                self.too_deep[url] = referer
                self.crawler.stats.set_value("portalize/depth_limited", len(self.too_deep))
            return
        self.requested[url] = referer
        # Our own depth (Scrapy's DepthMiddleware rewrites meta["depth"] for every request).
        meta = {"kind": kind, "referer": referer, "link_depth": depth}
        if kind == "asset" and self.max_asset_bytes:
            meta["download_maxsize"] = self.max_asset_bytes
        callback = self.parse_asset if kind == "asset" else self.parse
        yield scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta, priority=priority)

    @staticmethod
    def _depth(response) -> int:
        """Depth of the links on this page: one more than the page's own."""
        return response.meta.get("link_depth", 0) + 1

    def _follow(self, link: str) -> tuple[str | None, str | None]:
        """Whether to follow a link, decided on the canonical URL that would be requested, read
        by WHATWG rules (transform.weburl): (that URL, None) to follow it; (None, reason) for a
        link refused, which is recorded (parsers that read it differently, a user name or
        password, another port or scheme of the agency's or an origin's host); (None, None)
        for one simply not followed (another site, another scheme, a trap)."""
        if not HTTP_LINK.match(link):
            return None, None
        drop = self.discovery.get("drop_params") or ()
        url = canonical_url(link, drop)
        if url is None:
            return None, canonical_refusal(link, drop)
        target = target_of(url)
        if target not in self.allowed_targets:
            if target.host in self.watched_hosts:
                return None, not_allowed(target, self.allowed_targets)
            return None, None
        if self._skip_re and (self._skip_re.search(link) or self._skip_re.search(url)):
            return None, None
        return url, None

    def _refuse(self, link: str, reason: str | None, referer: str | None, kind: str = "list"):
        """A refused link, recorded once as a page with its reason (never requested)."""
        if not reason:
            return
        key = shown(link)
        if key in self.refused_links:
            return
        self.refused_links[key] = reason
        self.crawler.stats.set_value("portalize/links_refused", len(self.refused_links))
        self.logger.warning("link refused on %s: %s", referer, reason)
        yield PageItem(url=key, kind=kind, status=None, referer=referer, error=f"link refused: {reason}")

    def _sitemap(self, link: str, referer: str | None, probe: bool = False):
        """A sitemap request, within PORTALIZE_MAX_SITEMAPS: sitemaps have their own budget, so an
        endless chain of sitemap indexes never eats the page budget. Those past it are named in
        the crawl's report of pages never reached."""
        url = canonical_url(link)
        if url is None or url in self.sitemaps_requested or url in self.sitemaps_skipped:
            return
        if self.max_sitemaps and len(self.sitemaps_requested) >= self.max_sitemaps:
            if not self.sitemaps_skipped:
                self.logger.warning("sitemap limit of %d reached for agency %s (PORTALIZE_MAX_SITEMAPS): "
                                    "further sitemaps are not fetched", self.max_sitemaps, self.agency.code)
            self.sitemaps_skipped[url] = referer
            self.crawler.stats.set_value("portalize/sitemaps_limited", len(self.sitemaps_skipped))
            return
        self.sitemaps_requested.add(url)
        meta = {"kind": "feed", "referer": referer}
        if probe:
            # Probes: a site without a sitemap answers 404, which is not a page of the site.
            meta["dont_retry"] = True
        yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_probe_error if probe else self.on_error,
                             priority=SITEMAP_PRIORITY, meta=meta)

    def _kind(self, url: str) -> str:
        if FILE_LINK.match(url):
            return "asset"  # a file linked from a menu or list is still a file: its own size cap
        return "item" if self._item_re and self._item_re.search(url) else "list"

    def _links(self, response, selectors) -> list[str]:
        found = []
        for href in _hrefs(response, tuple(selectors or ())):
            href = href.strip()
            if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
                found.append(response.urljoin(href))
        return found

    # -- callbacks -------------------------------------------------------------------------
    def _count_page(self) -> None:
        self.pages_seen += 1
        if self.max_pages and self.pages_seen > self.max_pages:
            self.stopped_reason = f"page limit of {self.max_pages} reached for agency {self.agency.code}"
            raise CloseSpider(self.stopped_reason)

    def _follow_item(self, link: str, unchanged_source: bool) -> bool:
        """Re-crawls skip stored articles that only an unchanged list, sitemap or feed points at:
        an edited article changes the list that shows it, which then re-checks its items. A crawl
        resumed from the ledger skips the articles the stopped run stored. PORTALIZE_REVALIDATE_ALL
        re-checks every stored page."""
        if self.revalidate_all:
            return True
        canonical = canonical_url(link, self.discovery.get("drop_params") or ())
        if canonical in self.resume_known or (unchanged_source and (canonical in self.validators
                                                                    or canonical in self.digests)):
            self.not_rechecked.add(canonical)
            self.crawler.stats.set_value("portalize/known_not_rechecked", len(self.not_rechecked))
            return False
        return True

    def parse(self, response):
        self._count_page()
        url = (response.meta.get("page_url") or canonical_url(response.url, self.discovery.get("drop_params") or ())
               or response.url)
        unchanged = response.status == 304
        if unchanged:
            kind = self._kind(url)
            yield self._item(response, url, kind)
            if kind == "item":
                return  # unchanged article: its files are revalidated on their own
            response = self._stored(response, url)
            self._seen_listing(response)  # a postback back to this unchanged list is a repeat too
        else:
            kind = self._kind(url) if _is_html(response) else "asset"  # a download link without extension
            if kind == "list" and isinstance(response, TextResponse) and self._seen_listing(response):
                return  # the same list reached again (a postback back to a page already read)
            yield from self.checked(response, self._item(response, url, kind))  # crawlers/cloaking.py
            # A server that sends no ETag or Last-Modified (NukeViet, `php -S`, many others): a
            # list the same as its stored copy, numbers aside (visitor counters), is unchanged.
            unchanged = kind != "asset" and response.status == 200 and self._same_as_stored(url, response.body)
        if not isinstance(response, TextResponse) or response.status >= 400:
            return
        # Every in-host link that is not a trap is followed: the preset's selectors only set the
        # order (items first, then its menus and pagers, then the rest of the page), so a theme
        # the preset does not know still gets crawled whole; what each page is, is decided at
        # transform time. The next page of a list is the same list: pagination does not add
        # depth, so a long list is never cut by PORTALIZE_MAX_DEPTH (it counts other hops).
        here = response.meta.get("link_depth", 0)
        preferred = self._links(response, [*self.discovery.get("items", ()), *self.discovery.get("sections", ())])
        everything = []
        parts = urlsplit(response.url)
        root = f"{parts.scheme}://{parts.netloc}"
        for href in [*ALL_LINKS(response.selector.root), *_refresh_links(response)]:
            href = href.strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            if href.startswith(("http://", "https://")):
                everything.append(href)
            elif href.startswith("/") and not href.startswith("//") and "/." not in href:
                everything.append(root + href)  # root-relative: no need for a full urljoin
            else:
                everything.append(response.urljoin(href))
        for links, depth, priority in ((preferred, self._depth(response), 2),
                                       (self._links(response, self.discovery.get("pagination", ())), here, 1),
                                       (everything, self._depth(response), 0)):
            # A link already followed, or refused, from another page is not looked at again (menus
            # and sidebars repeat the same links on every page). One left alone under an
            # unchanged list, or past the depth limit, may still be followed from elsewhere.
            final = not self.max_depth or depth <= self.max_depth
            for link in links:
                if link in self.links_seen:
                    continue
                target, reason = self._follow(link)
                if target is None:
                    self.links_seen.add(link)
                    yield from self._refuse(link, reason, url)
                    continue
                link_kind = self._kind(link)
                if (link_kind in ("item", "asset") or self._stored_kind(link) in ("item", "asset")) \
                        and not self._follow_item(link, unchanged):
                    continue
                if final:
                    self.links_seen.add(link)
                yield from self._request(link, referer=url, kind=link_kind, depth=depth,
                                         priority=priority + (link_kind == "item"))
        if kind == "item":
            for link in self._links(response, [*self.fields.get("attachments", ()), *self.fields.get("images", ())]):
                target, reason = self._follow(link)
                if target:
                    yield from self._request(link, referer=url, kind="asset", depth=self._depth(response))
                else:
                    yield from self._refuse(link, reason, url, kind="asset")
        if kind == "list":
            yield from self._postbacks(response, url)
        for feed in self._links(response, FEED_LINKS):
            target, reason = self._follow(feed)
            if target:
                yield scrapy.Request(target, callback=self.parse_feed, errback=self.on_error,
                                     meta={"kind": "feed", "referer": url})
            else:
                yield from self._refuse(feed, reason, url, kind="feed")

    def _stored_kind(self, link: str) -> str | None:
        """What the last crawl stored this link as (an article or file found under an unchanged
        page need not be fetched again, whatever its URL looks like)."""
        if not self.digests:
            return None
        return (self.digests.get(canonical_url(link, self.discovery.get("drop_params") or ())) or (None, None))[1]

    def _same_as_stored(self, url: str, body: bytes) -> bool:
        stored = (self.digests.get(url) or (None,))[0]
        if not stored or self.revalidate_all:
            return False
        if hashlib.sha256(body).hexdigest() == stored:
            return True
        with sessionmaker_for(self.db_url)() as session:
            old = page_store.load_body(session, stored)
        same = _DIGITS.sub(b"0", old) == _DIGITS.sub(b"0", body)
        if same:
            self.crawler.stats.inc_value("portalize/unchanged_but_numbers")
        return same

    def _seen_listing(self, response) -> bool:
        """True when a list page shows exactly the items of one already read (postback paging
        reaches page 1 again by POST; the POST answer is not stored twice)."""
        if not self.discovery.get("postback"):
            return False
        drop = self.discovery.get("drop_params") or ()
        items = tuple(sorted({canonical_url(link, drop) for link in self._links(response, self.discovery.get("items", ()))}))
        if not items:
            return False
        if items in self.listings_seen and response.meta.get("postback"):
            self.crawler.stats.inc_value("portalize/postback_repeats")
            return True
        self.listings_seen.add(items)
        return False

    def _postbacks(self, response, url: str):
        """ASP.NET/SharePoint/DNN paging: `__doPostBack('target','argument')` links become real
        form POSTs carrying the page's __VIEWSTATE; each target page is requested once."""
        hrefs = [h for selector in self.discovery.get("postback", ()) for h in response.css(selector).getall()]
        for href in hrefs:
            match = POSTBACK.search(href)
            if not match:
                continue
            target, argument = match.groups()
            action, reason = self._follow(response.urljoin(response.css("form::attr(action)").get() or response.url))
            if action is None:  # a form that posts to another site, port or address
                yield from self._refuse(response.urljoin(response.css("form::attr(action)").get() or ""), reason, url)
                continue
            key = (action, target, argument)
            if key in self.postbacks_seen:
                continue
            self.postbacks_seen.add(key)
            page_url = canonical_url(f"{action}{'&' if '?' in action else '?'}"
                                     f"__EVENTARGUMENT={quote(argument)}&__EVENTTARGET={quote(target)}")
            try:
                request = FormRequest.from_response(
                    response, formxpath='//form[.//input[@name="__VIEWSTATE"]]', dont_click=True,
                    formdata={"__EVENTTARGET": target, "__EVENTARGUMENT": argument})
            except ValueError:  # no postback form on this page
                continue
            yield request.replace(callback=self.parse, errback=self.on_error, dont_filter=True,
                                  meta={"kind": "list", "referer": url, "postback": argument, "page_url": page_url,
                                        "link_depth": response.meta.get("link_depth", 0)})  # same list

    def _stored(self, response, url: str):
        """A 304 answer, replaced by the stored copy so its links are still followed."""
        with sessionmaker_for(self.db_url)() as session:
            body, content_type = page_store.stored_body(session, self.agency.code, url)
        return HtmlResponse(url=response.url, body=body, request=response.request,
                            headers={"Content-Type": content_type or "text/html"})

    def parse_sitemap(self, response):
        if response.status not in (200, 304):
            self.crawler.stats.inc_value("portalize/sitemap_missing")
            return
        # Not counted as a page: sitemaps have their own budget (PORTALIZE_MAX_SITEMAPS, _sitemap).
        yield self._item(response, canonical_url(response.url), "feed")
        unchanged = response.status == 304
        if unchanged:
            response = self._stored(response, canonical_url(response.url))
        else:
            unchanged = self._same_as_stored(canonical_url(response.url), response.body)
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # a broken sitemap is recorded and skipped, the crawl goes on
            self.logger.warning("unreadable sitemap %s: %s", response.url, exc)
            return
        for entry in sitemap:
            link = entry.get("loc", "").strip()
            target, reason = self._follow(link)
            if target is None:
                yield from self._refuse(link, reason, response.url, kind="feed" if sitemap.type == "sitemapindex" else "list")
            elif sitemap.type == "sitemapindex":
                yield from self._sitemap(link, referer=response.url)
            elif self._kind(link) != "item" or self._follow_item(link, unchanged):
                yield from self._request(link, referer=response.url, kind=self._kind(link), depth=self._depth(response))

    def parse_feed(self, response):
        self._count_page()
        yield self._item(response, canonical_url(response.url), "feed")
        unchanged = response.status == 304
        if unchanged:
            response = self._stored(response, canonical_url(response.url))
        elif response.status == 200:
            unchanged = self._same_as_stored(canonical_url(response.url), response.body)
        if response.status != 200 and not response.body:
            return
        selector = Selector(text=response.text, type="xml")
        selector.remove_namespaces()
        for link in selector.xpath("//item/link/text() | //entry/link/@href").getall():
            link = response.urljoin(link.strip())
            target, reason = self._follow(link)
            if target is None:
                yield from self._refuse(link, reason, response.url)
            elif self._kind(link) != "item" or self._follow_item(link, unchanged):
                yield from self._request(link, referer=response.url, kind=self._kind(link), depth=self._depth(response))

    def on_probe_error(self, failure):
        self.crawler.stats.inc_value("portalize/sitemap_missing")

    def parse_asset(self, response):
        self._count_page()
        yield self._item(response, canonical_url(response.url, self.discovery.get("drop_params") or ()), "asset")

    def _item(self, response, url: str, kind: str) -> PageItem:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        error = response.meta.get("refused_redirect")
        if response.status >= 500 and response.meta.get("retry_times"):
            error = f"HTTP {response.status} after {response.meta['retry_times']} retries"
        return PageItem(url=url, kind=kind, status=response.status, body=response.body,
                        content_type=headers.get("Content-Type"), headers=headers,
                        referer=response.meta.get("referer"), error=error)

    def on_error(self, failure):
        request = failure.request
        error = f"{failure.type.__name__}: {_plain_reason(failure)}"
        limit = request.meta.get("download_maxsize")
        if "max size" in str(failure.value) and limit:
            error = (f"file larger than the size cap of {limit:,} bytes (PORTALIZE_MAX_ASSET_BYTES); "
                     f"not downloaded. {error}")
        refused = refusal(host_of(request.url)) if "DNS" in error or "Resolve" in error else None
        if refused:
            error = refused
        if failure.check(IgnoreRequest) and " refused: " in str(failure.value):
            error = str(failure.value)  # RequestGuardMiddleware's reason, as it is
        url = request.meta.get("page_url") or request.url
        yield PageItem(url=url, kind=request.meta.get("kind", "list"),
                       status=None, referer=request.meta.get("referer"), error=error)
