"""A hostile legacy site links, redirects, refreshes, lists in its sitemaps and feeds, and
attaches hundreds of spellings of URLs that reach internal servers holding a secret: one on
127.0.0.2, one on another port of the site's own address 127.0.0.1. Real Scrapy crawls, with the
site reached through `--origin` and as a `local_test_host` agency: no secret server is ever
asked anything, and the secret is nowhere in the ledger; links to other ports of an address the
crawl may reach are refused with their reason."""
from __future__ import annotations

import html
import re
import sqlite3
import zlib
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

import pytest

from .conftest import mappings_with_agency, run_portalize
from .sites.local import serving
from .url_forms import url_forms

pytestmark = pytest.mark.integration

SECRET = "BÍ-MẬT-NỘI-BỘ-7f3c"
MOVED_EVERY = 3  # every third form is also a redirect's Location and a meta refresh (a page each)
ARTICLE = ("<html><body><article><h1>Thông báo lịch tiếp công dân</h1><p>" + "Ủy ban nhân dân thông báo lịch "
           "tiếp công dân định kỳ của lãnh đạo. " * 20 + "</p>{links}</article></body></html>")


def secret_server(address: str):
    hits = []

    class Secret(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = f"<html><body><h1>{SECRET}</h1><a href='/more'>{SECRET}</a></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    return serving(Secret, host=address), hits


class HostileSite:
    """The legacy site: every form as a link, an iframe, an attachment, a redirect's Location,
    a meta refresh, a sitemap index entry, a sitemap entry and a feed item."""

    def __init__(self):
        self.forms: list[str] = []
        self.unit = ""  # the unit's host (and port) in its own URLs
        self.requests: list[str] = []

    def handler(self):
        site = self

        class Site(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                status, headers, body = site.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = body.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Site

    def answer(self, path: str):
        page = {"Content-Type": "text/html; charset=utf-8"}
        xml = {"Content-Type": "application/xml"}
        forms = self.forms
        if path == "/":
            links = "".join(f'<a href="{html.escape(f, quote=True)}">l{i}</a>' for i, f in enumerate(forms))
            frames = "".join(f'<iframe src="{html.escape(f, quote=True)}"></iframe>' for f in forms[::7])
            moves = "".join(f'<a href="/chuyen/{i}">c{i}</a><a href="/lam-moi/{i}">m{i}</a>'
                            for i in range(0, len(forms), MOVED_EVERY))
            return 200, page, (f'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
                               f'</head><body><nav><a href="/tin/bai-viet.html">Bài viết</a>{moves}</nav>'
                               f'{links}{frames}</body></html>')
        if path == "/tin/bai-viet.html":
            files = "".join(f'<a href="{html.escape(f + ".pdf", quote=True)}">t{i}</a>' for i, f in enumerate(forms))
            return 200, page, ARTICLE.format(links=files)
        moved = re.fullmatch(r"/(chuyen|lam-moi)/(\d+)", path)
        if moved and moved[1] == "chuyen":
            target = forms[int(moved[2])]
            if any(ch in target for ch in "\r\n") or not target.isascii():
                return 200, page, "<html><body>Không chuyển</body></html>"  # not a header value
            return 302, {"Location": target}, ""
        if moved:
            target = html.escape(forms[int(moved[2])], quote=True)
            return 200, page, f'<html><head><meta http-equiv="refresh" content="0;url={target}"></head><body>.</body></html>'
        if path == "/sitemap.xml":
            entries = "".join(f"<sitemap><loc>{escape(f)}</loc></sitemap>" for f in forms)
            return 200, xml, ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/'
                              f'schemas/sitemap/0.9"><sitemap><loc>http://{self.unit}/trang.xml</loc></sitemap>{entries}</sitemapindex>')
        if path == "/trang.xml":
            entries = "".join(f"<url><loc>{escape(f)}</loc></url>" for f in forms)
            return 200, xml, ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                              f'sitemap/0.9">{entries}</urlset>')
        if path == "/feed.xml":
            items = "".join(f"<item><title>{i}</title><link>{escape(f)}</link></item>" for i, f in enumerate(forms))
            return 200, {"Content-Type": "application/rss+xml"}, f'<?xml version="1.0"?><rss><channel>{items}</channel></rss>'
        return 200, page, "<html><body><p>Trang của đơn vị.</p></body></html>"


@pytest.fixture(scope="module")
def servers():
    """The hostile site on 127.0.0.1, a secret server on 127.0.0.2 and another on 127.0.0.1."""
    site = HostileSite()
    far_serving, far_hits = secret_server("127.0.0.2")
    near_serving, near_hits = secret_server("127.0.0.1")
    with far_serving as far, near_serving as near, serving(site.handler()) as legacy:
        yield site, legacy.server_address[1], [("127.0.0.2", far.server_address[1]),
                                               ("127.0.0.1", near.server_address[1])], (far_hits, near_hits)


def _ledger_text(db: sqlite3.Connection) -> str:
    """Every value of every table of the ledger, compressed bodies decompressed."""
    out = []
    for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
        for row in db.execute(f'select * from "{table}"'):
            for value in row:
                if isinstance(value, bytes):
                    try:
                        value = zlib.decompress(value)
                    except zlib.error:
                        pass
                    value = value.decode("utf-8", "replace")
                out.append(str(value))
    return "\n".join(out)


@pytest.mark.parametrize("scenario", ["origin", "local_test_host"])
def test_no_url_form_reaches_an_internal_server(workspace, servers, scenario):
    site, port, internal, (far_hits, near_hits) = servers
    if scenario == "origin":
        unit = "sothu.tinhmau.gov.vn"
        root = mappings_with_agency(workspace, "so-thu", "Sở Thử nghiệm", "generic", f"http://{unit}/")
        args = ["--origin", f"{unit}=http://127.0.0.1:{port}"]
    else:
        unit = f"127.0.0.1:{port}"
        root = mappings_with_agency(workspace, "so-thu", "Sở Thử nghiệm", "generic", f"http://{unit}/")
        agency = root / "agencies" / "so-thu.yml"
        agency.write_text(agency.read_text(encoding="utf-8") + "local_test_host: true\n", encoding="utf-8")
        args = []
    site.forms, site.unit = url_forms(internal, unit), unit
    site.requests.clear()
    print(f"URL forms: {len(site.forms)} (each as a link, attachment, sitemap index entry, sitemap entry and "
          f"feed item; every {MOVED_EVERY}rd as a redirect and a meta refresh; every 7th as an iframe)")
    assert len(site.forms) > 1000
    result = run_portalize("crawl", "so-thu", "-s", *args, "-S", "RETRY_TIMES=0", "-S", "DOWNLOAD_TIMEOUT=5",
                           "-S", "CONCURRENT_REQUESTS=32", "-S", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
                           env_extra={"PORTALIZE_MAPPINGS": str(root)}, timeout=600)
    assert far_hits == [] and near_hits == [], (far_hits[:5], near_hits[:5])
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    # The crawl did its work: the site's own pages were fetched, redirects and refreshes read.
    assert db.execute("select status from pages where url like '%/tin/bai-viet.html'").fetchone() == (200,)
    moved = len(range(0, len(site.forms), MOVED_EVERY))
    assert len({p for p in site.requests if re.fullmatch(r"/chuyen/\d+", p)}) == moved
    assert len({p for p in site.requests if re.fullmatch(r"/lam-moi/\d+", p)}) == moved
    assert "/trang.xml" in site.requests and "/feed.xml" in site.requests
    # Links to another port of an address this crawl may reach, and links parsers read
    # differently, are refused with their reason, on record.
    refused = dict(db.execute("select url, error from pages where error like 'link refused:%'").fetchall())
    near_port = internal[1][1]
    assert refused[f"http://127.0.0.1:{near_port}/bi-mat"].startswith(
        f"link refused: http://127.0.0.1:{near_port} is not an address this crawl may reach")
    differential = f"http://127.0.0.1:{near_port}\\@{unit}/bi-mat"
    assert "by WHATWG rules but as" in refused[differential], refused[differential]
    redirected = db.execute("select error from pages where url like '%/chuyen/%' and status = 302").fetchall()
    assert redirected and all(e and " refused: " in e for (e,) in redirected)
    # The secret is nowhere: not in a stored body, a URL, an error, nor (after transform) a staged article.
    run_portalize("transform", "so-thu", "-s", env_extra={"PORTALIZE_MAPPINGS": str(root)}, check=False)
    text = _ledger_text(sqlite3.connect(workspace / "var" / "portalize.db"))
    assert "Thông báo lịch tiếp công dân" in text  # the article was staged
    assert SECRET not in text
    assert SECRET not in result.stdout + result.stderr
    assert far_hits == [] and near_hits == []
