"""A generated unit site of any size (NukeViet markup, 20 items per list page, categories of
1,000 items, ETags), for the crawl benchmark and the kill-and-resume test.

    server = generated_server(pages)   # a ThreadingHTTPServer on a free local port
"""
from __future__ import annotations

import hashlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "bench.tinhmau.gov.vn"
PER_LIST, PER_CATEGORY = 20, 1000


def page(pages: int, path: str) -> bytes | None:
    categories = max(1, pages // PER_CATEGORY)
    nav = "".join(f'<li><a href="/vi/news/c{c}/">Chuyên mục {c}</a></li>' for c in range(categories))
    head = ('<html><head><meta name="generator" content="NukeViet v4.5"><meta charset="utf-8"></head><body>'
            f'<nav id="menusite"><ul>{nav}</ul></nav>')
    if path in ("/", "/vi/"):
        return (head + "<h1>Cổng thử tải</h1></body></html>").encode()
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[:2] == ["vi", "news"] and parts[2].startswith("c"):
        c = int(parts[2][1:])
        if len(parts) == 3 or parts[3].startswith("page-"):
            p = int(parts[3][5:]) if len(parts) == 4 else 1
            last = PER_CATEGORY // PER_LIST
            items = "".join(f'<h3><a href="/vi/news/c{c}/bai-{c}-{i}.html">Bài {i}</a></h3>'
                            for i in range((p - 1) * PER_LIST, p * PER_LIST))
            pager = "".join(f'<li><a href="/vi/news/c{c}/page-{n}">{n}</a></li>' for n in range(max(1, p - 2), min(last, p + 3) + 1))
            return (head + f'<div class="news_column">{items}</div><ul class="pagination">{pager}</ul></body></html>').encode()
        i = parts[3].removeprefix(f"bai-{c}-").removesuffix(".html")
        body = "".join(f"<p>Đoạn {k} của bài {i}: nội dung thử tải cho cổng thông tin điện tử tỉnh.</p>" for k in range(8))
        return (head + f'<div class="news_column"><h1 class="title">Bài viết số {i} chuyên mục {c}</h1>'
                f'<span class="h5">10:00, 01/0{1 + int(i) % 9}/2024</span><div id="news-bodyhtml" class="bodytext">{body}'
                f"</div></div></body></html>").encode()
    return None


def generated_server(pages: int, fetches: Counter | None = None) -> ThreadingHTTPServer:
    """The site on 127.0.0.1 (any free port). `fetches` counts full (200) answers by path
    (not those to the crawl's cloaking check, asked as Googlebot)."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            path = self.path.split(HOST, 1)[1] if HOST in self.path else self.path
            body = page(pages, path.split("?")[0])
            if body is None:
                body, status = b"not found", 404
            else:
                status = 200
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fetches is not None and status == 200 and "Googlebot" not in (self.headers.get("User-Agent") or ""):
                fetches[path] += 1
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server
