"""One reading of a URL: whatever canonical_url returns is read alike by WHATWG rules (ada_url),
by urllib (on the text, and on what Scrapy sends: w3lib's safe_url_string of it) and by Twisted,
and goes where the link itself said; URLs they disagree on are refused."""
from __future__ import annotations

import re

from hypothesis import example, given, settings, strategies as st
from w3lib.url import safe_url_string

from portalize.crawlers.urls import wire_target
from portalize.transform.urls import canonical_url, refusal
from portalize.transform.weburl import Target, UnsafeURL, parse, urllib_target

from .url_forms import url_forms

PIECES = ["http:", "https:", "HTTP:", "//", "/", "\\", "\\\\", "@", ":", "\t", "\n", "\r", " ", "%2f", "%2F", "%40",
          "%5c", "%5C", "%3a", "%3A", "%00", "%", "127.0.0.2", "127.0.0.1", "2130706434", "0x7f.0.0.2", "0177.0.0.2",
          "127.1", "127\u30020\u30020\u30022", "127\uff0e0\uff0e0\uff0e2", "unit-host", "UNIT-HOST", "sothu.gov.vn",
          "[::ffff:127.0.0.2]", "[::1]", "9198", "80", "443", "?", "#", ";", ".", "..", "x", "a=b", "&", "\u00fc",
          "xn--", "\u2044", "\uff03", "\uff20", "user:pw"]
hostile = st.builds(lambda head, parts: head + "".join(parts),
                    st.sampled_from(["http://", "https://", "http:", "HtTp://", "", "//", " http://"]),
                    st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=12))


def assert_one_reading(url: str) -> None:
    """Links are read without the white space around them (as HTML attribute values are)."""
    url = url.strip()
    canonical = canonical_url(url)
    if canonical is None:
        assert refusal(url)
        return
    target = parse(canonical).target
    assert target == parse(url).target  # where the link said, not elsewhere
    assert urllib_target(url) == target  # the reading a host check on the raw link would make
    assert urllib_target(canonical) == target == urllib_target(safe_url_string(canonical))
    assert wire_target(canonical) == target  # Twisted connects there
    assert canonical_url(canonical) is not None


@settings(max_examples=2000, deadline=None)
@given(hostile)
@example("http://127.0.0.1:9198\\@unit-host/tin/x")
@example("http://unit-host\t@127.0.0.2/")
@example("http://2130706434/")
def test_canonical_urls_are_read_alike_by_every_parser(url):
    assert_one_reading(url)


def test_every_fuzz_form_is_refused_or_read_alike():
    forms = url_forms([("127.0.0.2", 40001), ("127.0.0.1", 40002)], "unit-host", "/x")
    assert len(forms) > 1000
    for url in forms:
        assert_one_reading(url)
        canonical = canonical_url(url)
        if canonical is not None:  # what a form may still name: the internal address itself, plainly
            assert parse(canonical).target.host.rstrip(".") in ("127.0.0.2", "127.0.0.1", "::1", "unit-host",
                                                    "::ffff:7f00:2", "::ffff:7f00:1", "localhost",
                                                    "sub.localhost"), (url, canonical)


def test_the_issue_example_is_refused_with_its_reason():
    assert canonical_url("http://127.0.0.1:9198\\@unit-host/tin/x") is None
    assert "127.0.0.1:9198 by WHATWG rules" in refusal("http://127.0.0.1:9198\\@unit-host/tin/x")
    assert canonical_url("http://user:pw@unit-host/") is None and "user name or password" in refusal("http://u:p@unit-host/")
    assert canonical_url("ftp://unit-host/") is None and "not an http(s) URL" in refusal("ftp://unit-host/")


# Host labels an ordinary site uses: not a number in any form WHATWG reads as one (decimal,
# `0x…` hexadecimal, bare `0x`), which would make the host an invalid IPv4 address.
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10).filter(
    lambda s: not s.isdigit() and not re.fullmatch(r"0x[0-9a-f]*", s))
plain = st.builds(lambda scheme, host, port, segments, query: (scheme, ".".join(host), port,
                                                               "/" + "/".join(segments), query),
                  st.sampled_from(["http", "https"]), st.lists(labels, min_size=2, max_size=4),
                  st.none() | st.integers(1, 65535),
                  st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~%20é", max_size=8), max_size=4),
                  st.dictionaries(labels, st.text(alphabet="abcxyz019 é/", max_size=5), max_size=3))


@settings(max_examples=500, deadline=None)
@given(plain)
def test_ordinary_urls_are_never_refused(parts):
    scheme, host, port, path, query = parts
    netloc = host if port is None else f"{host}:{port}"
    url = f"{scheme}://{netloc}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    canonical = canonical_url(url)
    assert canonical is not None, refusal(url)
    expected = Target(scheme, host, port if port is not None else {"http": 80, "https": 443}[scheme])
    assert parse(canonical).target == expected == wire_target(canonical)


def test_a_refused_url_raises_with_its_reason():
    try:
        wire_target("http://[::1")
    except UnsafeURL as exc:
        assert "not a valid URL" in str(exc)
    else:
        raise AssertionError("an invalid URL was read")


def test_the_last_line_guard_lets_through_only_the_allowed_addresses():
    """RequestGuardMiddleware, with a real Scrapy crawler and requests built from every fuzz
    form: a request whose URL Scrapy or Twisted would send to another address or port than the
    agency's (here the test site's exact 127.0.0.1:8000, and unit-host on its default ports) is
    refused with its reason, whatever built it."""
    import pytest
    from scrapy import Request, Spider
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler
    from twisted.web.client import URI

    from portalize.crawlers.middlewares import RequestGuardMiddleware
    from portalize.crawlers.urls import allowed_targets

    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="guarded")
    crawler.spider.allowed_targets = allowed_targets(["http://127.0.0.1:8000/"], ["127.0.0.1", "unit-host"],
                                                     exact_only=["127.0.0.1"])
    guard = RequestGuardMiddleware.from_crawler(crawler)
    assert guard.process_request(Request("http://127.0.0.1:8000/tin")) is None
    assert guard.process_request(Request("https://unit-host/tin")) is None
    for url in ("http://127.0.0.1:8001/", "http://127.0.0.1/", "https://127.0.0.1:8000/", "http://unit-host:8080/"):
        with pytest.raises(IgnoreRequest, match="is not an address this crawl may reach"):
            guard.process_request(Request(url))
    built = refused = 0
    for form in url_forms([("127.0.0.2", 8000), ("127.0.0.1", 8001)], "unit-host", "/x"):
        try:
            request = Request(form)
        except ValueError:
            continue  # Scrapy itself refuses to build it (no scheme)
        built += 1
        uri = URI.fromBytes(request.url.encode("ascii", "replace"))
        try:
            guard.process_request(request)
        except IgnoreRequest as exc:
            assert " refused: " in str(exc)
            refused += 1
        else:  # let through: every reading goes to an allowed address
            assert urllib_target(request.url) in crawler.spider.allowed_targets, form
            assert (uri.host.decode("ascii"), uri.port) in {(t.host, t.port) for t in crawler.spider.allowed_targets}
    print(f"guard: {built} requests built from fuzz forms, {refused} refused")
    assert built > 1000 and refused > 1000
    assert crawler.stats.get_value("portalize/requests_refused") == refused + 4


def test_transform_drops_attachment_links_no_crawl_would_request_and_skips_a_refused_page_url():
    """A file link parsers read differently is no attachment; a page stored under such a URL by
    an older crawl is skipped with the reason, not transformed (nor a traceback)."""
    from portalize.transform.pipeline import Mapping, RawPage, SkippedPage, transform_page

    body = ("<html><body><article><h1>Thông báo</h1><p>" + "Nội dung thông báo của đơn vị. " * 20 +
            '</p><a href="http://127.0.0.1:9198\\@unit-host/bao-cao.pdf">Báo cáo</a>'
            '<a href="/tep/ke-hoach.pdf">Kế hoạch</a></article></body></html>').encode()
    article = transform_page(RawPage("http://unit-host/tin/a.html", 200, body, "text/html; charset=utf-8"),
                             Mapping(agency="so-thu"))
    assert not isinstance(article, SkippedPage)
    urls = [a.url for a in article.attachments]
    assert "http://unit-host/tep/ke-hoach.pdf" in urls and not any("127.0.0.1" in u or "9198" in u for u in urls)
    skipped = transform_page(RawPage("http://127.0.0.1:9198\\@unit-host/tin/x", 200, body, "text/html"),
                             Mapping(agency="so-thu"))
    assert isinstance(skipped, SkippedPage) and "URL refused:" in skipped.reason and "WHATWG" in skipped.reason
