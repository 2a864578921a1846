"""A custom ASP.NET unit site whose news list pages only by postback (GridView paging: a form
POST with __VIEWSTATE / __EVENTTARGET / __EVENTARGUMENT), 32 pages of 10 articles, for tests."""
from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOST = "sotp.tinhmau.gov.vn"
PAGES, PER_PAGE = 32, 10
GRID = "ctl00$ContentPlaceHolder1$gvNews"


def article_path(n: int) -> str:
    return f"/portal/pages/2023-{1 + n % 12:02d}-{1 + n % 28:02d}/van-ban-huong-dan-so-{n}-{1000 + n}.aspx"


def list_page(page: int) -> str:
    state = base64.b64encode(f"page={page};salt={page * 7919}".encode()).decode()
    rows = "".join(f'<tr><td><a class="title" href="{article_path(n)}">Văn bản hướng dẫn số {n}</a></td></tr>'
                   for n in range((page - 1) * PER_PAGE, page * PER_PAGE))
    window = range(max(1, page - 5), min(PAGES, page + 5) + 1)
    pager = "".join(f"<td><span>{n}</span></td>" if n == page else
                    f"<td><a href=\"javascript:__doPostBack('{GRID}','Page${n}')\">{n}</a></td>" for n in window)
    return (f'<html><head><meta charset="utf-8"><title>Tin tức - Sở Tư pháp</title></head><body>'
            f'<form method="post" action="./Default.aspx" id="aspnetForm">'
            f'<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="">'
            f'<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="">'
            f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{state}">'
            f'<input type="hidden" name="__EVENTVALIDATION" value="ev{page}">'
            f'<div id="menu"><a href="/portal/Default.aspx">Tin tức</a></div>'
            f'<table id="ctl00_ContentPlaceHolder1_gvNews" class="gvNews">{rows}'
            f'<tr class="pager"><td><table><tr>{pager}</tr></table></td></tr></table></form></body></html>')


def article(n: int) -> str:
    return (f'<html><head><meta charset="utf-8"><title>Văn bản hướng dẫn số {n}</title></head><body>'
            f'<form method="post" action="./{article_path(n).rsplit("/", 1)[1]}" id="aspnetForm">'
            f'<input type="hidden" name="__VIEWSTATE" value="x"><div id="menu"><a href="/portal/Default.aspx">Tin tức</a></div>'
            f'<h1 class="news-title">Văn bản hướng dẫn số {n}</h1><span class="news-date">Thứ hai, 15/05/2023 08:00</span>'
            f'<div class="news-content"><p>Sở Tư pháp hướng dẫn thực hiện văn bản số {n}.</p></div>'
            f'<a href="/portal/Print.aspx?id={n}">In</a></form></body></html>')


class Handler(BaseHTTPRequestHandler):
    posts = 0

    def _path(self) -> str:
        return urlsplit(self.path).path

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        # http.server speaks HTTP/1.0 and closes every connection, but Twisted keeps a 1.0 reply
        # without `Connection: close` in its pool; a POST sent on such a closed connection fails
        # with ConnectionDone (Twisted retries only idempotent methods). Real servers say it.
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        path = self._path()
        if path == "/portal/Default.aspx":
            return self._send(200, list_page(1))
        match = re.fullmatch(r"/portal/pages/\d{4}-\d{2}-\d{2}/van-ban-huong-dan-so-(\d+)-\d+\.aspx", path)
        if match and int(match[1]) < PAGES * PER_PAGE:
            return self._send(200, article(int(match[1])))
        self._send(404, "<html>Không tìm thấy</html>")

    def do_POST(self):  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        Handler.posts += 1
        target, argument = form.get("__EVENTTARGET", [""])[0], form.get("__EVENTARGUMENT", [""])[0]
        if self._path() != "/portal/Default.aspx" or target != GRID or "__VIEWSTATE" not in form:
            return self._send(500, "<html>Lỗi hệ thống: Invalid postback</html>")
        page = int(argument.removeprefix("Page$"))
        self._send(200, list_page(page))

    def log_message(self, *args):
        pass


class PostbackSite:
    def __enter__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
