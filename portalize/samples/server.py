"""Sample legacy unit websites, served on localhost for the demo and the tests.

One HTTP server answers for every sample site, choosing the site by the Host header, the way
a legacy host keeps answering once its DNS name is pointed at a restored copy. The crawl
reaches it through an origin override (`--origin HOST=http://127.0.0.1:PORT`).
"""
from __future__ import annotations

import base64
import hashlib
import io
import struct
import zipfile
from collections import Counter
from html import escape
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .styles import STYLES

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


MEDIA_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
               ".doc": "application/msword", ".zip": "application/zip",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def sample_file(name: str, title: str) -> bytes:
    """A small valid file of the type its name says (PDF, PNG, or an Office/ZIP container)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        return sample_pdf(title)
    if suffix in (".png", ".jpg"):
        return sample_png(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in (("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
                              '"http://schemas.openxmlformats.org/package/2006/content-types"/>'),
                             ("noi-dung.txt", title)):
            archive.writestr(zipfile.ZipInfo(member, date_time=(2024, 5, 20, 8, 0, 0)), text)  # same bytes every run
    return buffer.getvalue()


def pasted_image_url(name: str) -> str:
    """A picture pasted into a legacy editor: the image itself, inside the page, as a data: URL."""
    return "data:image/png;base64," + base64.b64encode(sample_png(name)).decode()


def files_of(article: dict) -> list[str]:
    """The file names an article links: its image, its attachment, its gallery."""
    return [n for n in (article.get("image"), article.get("attachment"), *(article.get("gallery") or [])) if n]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)


class SampleSites:
    """Renders the sample sites of `sites.yml`; `route(host, target)` returns a Reply.

    Every page of every site is known in advance (a table from URL to page), except the
    endless trap pages (calendars, archives) each style answers on demand."""

    def __init__(self, data_file: Path = HERE / "sites.yml"):
        self.data = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        self.sites = {s["host"]: s for s in self.data["sites"]}
        self.styles = {host: STYLES[s["style"]](s) for host, s in self.sites.items()}
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
        self.env.globals["data_url"] = pasted_image_url
        self.assets: dict[tuple[str, str], Reply] = {}
        self.pages: dict[tuple[str, str], tuple] = {}  # (host, key) -> (template, context)
        self.lists: dict[tuple[str, str, int], dict] = {}  # (host, category slug, page) -> context
        self.hits: Counter = Counter()  # responses sent, by status (tests read it)
        self.fetches: Counter = Counter()  # full (200) responses sent, by (host, path?query)
        # The same, for the requests of the crawl's cloaking check (a Googlebot User-Agent).
        self.googlebot_hits: Counter = Counter()
        self.googlebot_fetches: Counter = Counter()
        for host, site in self.sites.items():
            for cat in site["categories"]:
                for a in cat["articles"]:
                    a["category"] = cat
                    a["uuid"] = f"{zlib.crc32(a['slug'].encode()):08x}-5a1e-4c0d-9b7e-{len(a['slug']):012d}"
                    a["upload_dir"] = "2025_06"
            self._build(host, site)

    def _build(self, host: str, site: dict) -> None:
        style = self.styles[host]
        for path in style.home_paths():
            self.pages[(host, self._key(style, path))] = ("home.html", {"latest": self._latest(site)})
        for cat in site["categories"]:
            listed = self._listed(cat)
            size = site["page_size"]
            pages = max(1, -(-len(listed) // size))
            for page in range(1, pages + 1):
                context = {"category": cat, "articles": listed[(page - 1) * size: page * size],
                           "page": page, "pages": pages}
                self.lists[(host, cat["slug"], page)] = context  # postbacks ask for pages by number
                for url in style.list_urls(cat, page):
                    self.pages[(host, self._key(style, url))] = ("list.html", context)
            for a in cat["articles"]:
                self.pages[(host, self._key(style, style.article_url(a)))] = ("article.html", {"category": cat, "a": a})
                for name in files_of(a):
                    key = (host, self._key(style, style.asset_url(a, name)))
                    if key not in self.assets:  # a file shared by several pages is one file
                        suffix = Path(name).suffix.lower()
                        headers = {}
                        if "?" in style.asset_url(a, name):  # served by a script: the name is in a header
                            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
                        self.assets[key] = Reply(200, sample_file(name, a["title"]), MEDIA_TYPES[suffix], headers)

    @staticmethod
    def _key(style, target: str) -> str:
        """A request target as the site tells pages apart: state segments and parameters
        that do not change the page are ignored."""
        parts = urlsplit(target)
        query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if style.significant(k))
        path = style.normalize_path(unquote(parts.path))
        return path + ("?" + urlencode(query) if query else "")

    def hosts(self) -> list[str]:
        return list(self.sites)

    def present(self, host: str) -> dict:
        """What a complete crawl of one site must find: articles (by URL), legal documents and files."""
        site = self.sites[host]
        articles = [a for c in site["categories"] for a in c["articles"]]
        return {"articles": {self._article_url(site, a) for a in articles},
                "documents": {self._article_url(site, a) for a in articles if a.get("document")},
                "assets": {f"http://{host}{path}" for (h, path) in self.assets if h == host}}

    def route(self, host: str, target: str, form: dict | None = None) -> Reply:
        parts = urlsplit(target)
        if parts.scheme and parts.hostname:  # absolute-form request target (proxy style)
            host = parts.hostname
        host = host.split(":")[0].lower()
        site = self.sites.get(host)
        if site is None:
            links = "".join(f"<li>{h}: {s['name']}</li>" for h, s in self.sites.items())
            return Reply(200, f"<html><body><h1>Sample legacy sites</h1><ul>{links}</ul></body></html>".encode())
        style = self.styles[host]
        path = style.normalize_path(unquote(parts.path))
        if path == "/robots.txt":
            robots = "User-agent: *\nDisallow: /c/portal/login\nDisallow: /vi/users/\nDisallow: /wp-admin/\n"
            if site.get("sitemap"):
                robots += f"Sitemap: http://{host}{style.sitemap_path}\n"
            return Reply(200, robots.encode(), "text/plain")
        if form is not None:
            asked = style.postback(path, form)
            if asked is None or "__VIEWSTATE" not in form:
                return Reply(500, "<html><body>Lỗi hệ thống: yêu cầu không hợp lệ</body></html>".encode())
            return self._list_page(site, *asked) or Reply(404, b"<html><body>Not found</body></html>")
        key = self._key(style, f"{parts.path}?{parts.query}")
        if (host, key) in self.assets:
            return self.assets[(host, key)]
        if site.get("sitemap") and path in (style.sitemap_path, "/wp-sitemap-posts-post-1.xml"):
            return self._sitemap(site, index=path == "/wp-sitemap.xml")
        if site.get("rss") and path == style.feed_path:
            return self._rss(site)
        found = self.pages.get((host, key))
        if found:
            template, context = found
            charset = context["a"].get("legacy_encoding", "utf-8") if "a" in context else "utf-8"
            return self._page(site, template, charset=charset, current=key, **context)
        trap = style.trap(path, parse_qs(parts.query))
        if trap:
            return self._page(site, trap[0], current=key, **trap[1])
        return Reply(404, b"<html><body>Not found</body></html>")

    def _page(self, site, template, charset="utf-8", **context) -> Reply:
        style = self.styles[site["host"]]
        html = self.env.get_template(f"{site['style']}/{template}").render(site=site, charset=charset, u=style, **context)
        if charset == "windows-1258":
            return Reply(200, encode_cp1258(html), "text/html")
        return Reply(200, html.encode("utf-8"))

    def _list_page(self, site, cat, page) -> Reply | None:
        context = self.lists.get((site["host"], cat["slug"], page))
        if context is None:
            return None
        return self._page(site, "list.html", current=f"postback:{cat['slug']}:{page}", **context)

    def _latest(self, site, n=3):
        return [self._listed(c)[0] for c in site["categories"]][:n]

    @staticmethod
    def _listed(category):
        """Articles shown in lists and menus (a `hidden` one is only in the sitemap and feed)."""
        return [a for a in category["articles"] if not a.get("hidden")]

    def _article_url(self, site, a) -> str:
        return f"http://{site['host']}{self.styles[site['host']].article_url(a)}"

    def _sitemap(self, site, index=False) -> Reply:
        if index:  # WordPress's core sitemap is an index of per-type sitemaps
            body = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://'
                    f'{site["host"]}/wp-sitemap-posts-post-1.xml</loc></sitemap></sitemapindex>')
        else:
            urls = "".join(f"<url><loc>{escape(self._article_url(site, a))}</loc></url>"
                           for c in site["categories"] for a in c["articles"])
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        return Reply(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode(), "application/xml")

    def _rss(self, site) -> Reply:
        items = "".join(f"<item><title>{escape(a['title'])}</title><link>{escape(self._article_url(site, a))}</link></item>"
                        for c in site["categories"] for a in c["articles"])
        return Reply(200, (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{site["name"]}'
                           f"</title>{items}</channel></rss>").encode(), "application/rss+xml")


def make_handler(sites: SampleSites):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Apache"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self._serve(sites.route(self.headers.get("Host", ""), self.path))

        def do_POST(self):  # noqa: N802 (postback paging: a form POST to the list page)
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace"))
            self._serve(sites.route(self.headers.get("Host", ""), self.path, form=form))

        def _serve(self, reply):
            etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            # The crawl's cloaking check asks some pages again as Googlebot: counted apart.
            googlebot = "Googlebot" in (self.headers.get("User-Agent") or "")
            hits, fetches = (sites.googlebot_hits, sites.googlebot_fetches) if googlebot else (sites.hits, sites.fetches)
            if reply.status == 200 and self.command == "GET" and self.headers.get("If-None-Match") == etag:
                hits[304] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            hits[reply.status] += 1
            if reply.status == 200:
                target = urlsplit(self.path)
                path = target.path + (f"?{target.query}" if target.query else "")
                host = target.hostname or self.headers.get("Host", "").split(":")[0]
                fetches[(host, path) if self.command != "POST" else (host, f"POST {path}")] += 1
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status == 200 and self.command == "GET":
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
