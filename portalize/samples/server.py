"""Sample legacy unit websites, served on localhost for the demo and the tests.

One HTTP server answers for every sample site, choosing the site by the Host header, the way
a legacy host keeps answering once its DNS name is pointed at a restored copy. The crawl
reaches it through an origin override (`--origin HOST=http://127.0.0.1:PORT`).
"""
from __future__ import annotations

import hashlib
import struct
from collections import Counter
from html import escape
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as Windows-1258 does: base letters plus combining tone marks."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in nfd if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258", errors="xmlcharrefreplace")
    return bytes(out)


def sample_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (what a scanned decision would be, minus the scan)."""
    text = unicodedata.normalize("NFD", title).encode("ascii", "ignore").decode()
    stream = f"BT /F1 14 Tf 50 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sample_png(seed: str, size: int = 24) -> bytes:
    """A small valid PNG whose colour depends on `seed`."""
    r, g, b = (zlib.crc32(seed.encode()) >> s & 0xFF for s in (0, 8, 16))
    raw = b"".join(b"\x00" + bytes((r, g, b)) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"


class SampleSites:
    """Renders the sample sites of `sites.yml`; `route(host, path)` returns a Reply."""

    def __init__(self, data_file: Path = HERE / "sites.yml"):
        self.data = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        self.sites = {s["host"]: s for s in self.data["sites"]}
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
        self.assets: dict[tuple[str, str], Reply] = {}
        self.hits: Counter = Counter()  # responses sent, by status (tests read it)
        self.fetches: Counter = Counter()  # full (200) responses sent, by (host, path?query)
        for site in self.sites.values():
            for cat in site["categories"]:
                for a in cat["articles"]:
                    a["category"] = cat
                    a["uuid"] = f"{zlib.crc32(a['slug'].encode()):08x}-5a1e-4c0d-9b7e-{len(a['slug']):012d}"
                    a["upload_dir"] = "2025_06"
                    self._register_assets(site, a)

    def _register_assets(self, site: dict, a: dict) -> None:
        for key, kind in (("image", "image/png"), ("attachment", "application/pdf")):
            name = a.get(key)
            if not name:
                continue
            if site["style"] == "liferay":
                path = f"/documents/20182/0/{name}/{a['uuid']}"
            else:
                path = f"/uploads/news/{a['upload_dir']}/{name}"
            body = sample_pdf(a["title"]) if kind == "application/pdf" else sample_png(name)
            self.assets[(site["host"], path)] = Reply(200, body, kind)

    def hosts(self) -> list[str]:
        return list(self.sites)

    def route(self, host: str, target: str) -> Reply:
        parts = urlsplit(target)
        if parts.scheme and parts.hostname:  # absolute-form request target (proxy style)
            host = parts.hostname
        host = host.split(":")[0].lower()
        site = self.sites.get(host)
        if site is None:
            links = "".join(f"<li>{h}: {s['name']}</li>" for h, s in self.sites.items())
            return Reply(200, f"<html><body><h1>Sample legacy sites</h1><ul>{links}</ul></body></html>".encode())
        if parts.path == "/robots.txt":
            return Reply(200, b"User-agent: *\nDisallow: /c/portal/login\nDisallow: /vi/users/\n", "text/plain")
        if (host, parts.path) in self.assets:
            return self.assets[(host, parts.path)]
        if parts.path == "/sitemap.xml" and site.get("sitemap"):
            return self._sitemap(site)
        if parts.path == "/vi/news/rss/" and site.get("rss"):
            return self._rss(site)
        render = self._liferay if site["style"] == "liferay" else self._nukeviet
        return render(site, parts.path, parse_qs(parts.query)) or Reply(404, b"<html><body>Not found</body></html>")

    def _page(self, site, template, charset="utf-8", **context) -> Reply:
        html = self.env.get_template(f"{site['style']}/{template}").render(site=site, charset=charset, **context)
        if charset == "windows-1258":
            return Reply(200, encode_cp1258(html), "text/html")
        return Reply(200, html.encode("utf-8"))

    def _latest(self, site, n=3):
        return [self._listed(c)[0] for c in site["categories"]][:n]

    @staticmethod
    def _listed(category):
        """Articles shown in lists and menus (a `hidden` one is only in the sitemap and feed)."""
        return [a for a in category["articles"] if not a.get("hidden")]

    def _article_url(self, site, a) -> str:
        if site["style"] == "liferay":
            return f"http://{site['host']}/-/asset_publisher/{site['portlet']}/content/{a['slug']}"
        return f"http://{site['host']}/vi/news/{a['category']['slug']}/{a['slug']}-{a['id']}.html"

    def _sitemap(self, site) -> Reply:
        urls = "".join(f"<url><loc>{self._article_url(site, a)}</loc></url>"
                       for c in site["categories"] for a in c["articles"])
        return Reply(200, ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
                           f'sitemap/0.9">{urls}</urlset>').encode(), "application/xml")

    def _rss(self, site) -> Reply:
        items = "".join(f"<item><title>{escape(a['title'])}</title><link>{self._article_url(site, a)}</link></item>"
                        for c in site["categories"] for a in c["articles"])
        return Reply(200, (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{site["name"]}'
                           f"</title>{items}</channel></rss>").encode(), "application/rss+xml")

    def _list(self, site, category, page):
        size = site["page_size"]
        listed = self._listed(category)
        pages = max(1, -(-len(listed) // size))
        if not 1 <= page <= pages:
            return None
        chunk = listed[(page - 1) * size: page * size]
        return self._page(site, "list.html", category=category, articles=chunk, page=page, pages=pages)

    def _liferay(self, site, path, query):
        if path in ("/", "/web/guest", "/web/guest/trang-chu"):
            return self._page(site, "home.html", latest=self._latest(site))
        for cat in site["categories"]:
            if path == f"/web/guest/{cat['slug']}":
                cur = query.get(f"_101_INSTANCE_{site['portlet']}_cur", ["1"])[0]
                return self._list(site, cat, int(cur)) if cur.isdigit() else None
            for a in cat["articles"]:
                if path == f"/-/asset_publisher/{site['portlet']}/content/{a['slug']}":
                    return self._page(site, "article.html", category=cat, a=a)
        return None

    def _nukeviet(self, site, path, query):
        if path in ("/", "/vi/", "/vi"):
            return self._page(site, "home.html", latest=self._latest(site))
        for cat in site["categories"]:
            base = f"/vi/news/{cat['slug']}/"
            if path == base:
                return self._list(site, cat, 1)
            if path.startswith(base + "page-") and path[len(base) + 5:].isdigit():
                return self._list(site, cat, int(path[len(base) + 5:]))
            for a in cat["articles"]:
                if path == f"{base}{a['slug']}-{a['id']}.html":
                    return self._page(site, "article.html", charset=a.get("legacy_encoding", "utf-8"), category=cat, a=a)
        return None


def make_handler(sites: SampleSites):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Apache"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            reply = sites.route(self.headers.get("Host", ""), self.path)
            etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            if reply.status == 200 and self.headers.get("If-None-Match") == etag:
                sites.hits[304] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            sites.hits[reply.status] += 1
            if reply.status == 200:
                target = urlsplit(self.path)
                path = target.path + (f"?{target.query}" if target.query else "")
                sites.fetches[(target.hostname or self.headers.get("Host", "").split(":")[0], path)] += 1
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_HEAD = do_GET

        def log_message(self, *args):  # keep test and demo output clean
            pass

    return Handler


class SampleServer:
    """Start with `with SampleServer() as server:`; `server.origins` maps each host to its URL."""

    def __init__(self, port: int = 0, sites: SampleSites | None = None):
        self.sites = sites or SampleSites()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self.sites))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def origins(self) -> dict[str, str]:
        return {host: self.url for host in self.sites.hosts()}

    def __enter__(self) -> "SampleServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
