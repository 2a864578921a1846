"""The crawl stays on the agency's hosts: redirects off-site or to private addresses are refused
and recorded; every other response is kept."""
from __future__ import annotations

import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import ROOT, run_portalize

pytestmark = pytest.mark.integration

PAGES = {
    "/": (200, '<html><body><nav><a href="/ok">ok</a> <a href="/to-private">p</a> <a href="/to-loopback">l</a> '
               '<a href="/to-elsewhere">e</a> <a href="/moved">m</a></nav></body></html>'),
    "/ok": (200, "<html><body><h1>Được</h1></body></html>"),
    "/moved": (301, "/ok2"),
    "/ok2": (200, "<html><body><h1>Đã chuyển</h1></body></html>"),
    "/to-private": (302, "http://10.20.30.40/admin"),
    "/to-loopback": (302, "http://127.0.0.2/"),
    "/to-elsewhere": (302, "http://quangcao.example.com/"),
    "/flaky": (200, '<html><body><nav>' + "".join(f'<a href="/flaky/{n}">{n}</a>' for n in range(20)) +
               '<a href="/lich-cong-tac?ngay=2024-01-01">Lịch</a><a href="/big">Lớn</a></nav></body></html>'),
    "/lich-cong-tac": (200, '<html><body><nav><a href="/lich-cong-tac?ngay=2024-01-02">Hôm sau</a></nav></body></html>'),
    "/big": (200, "<html><body>" + "Nội dung rất dài. " * 20000 + "</body></html>"),
}
REQUESTS = {"count": 0}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = "/" + self.path.split("/", 3)[3] if self.path.startswith("http") else self.path
        REQUESTS["count"] += 1
        if path.startswith("/flaky/") and REQUESTS["count"] % 5 == 0:  # one request in five fails
            status, value = 500, "<html>Lỗi máy chủ</html>"
        elif path.startswith("/flaky/"):
            status, value = 200, f"<html><body><h1>Trang {path}</h1></body></html>"
        else:
            status, value = PAGES.get(path.split("?")[0], (404, "<html>Không có</html>"))
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", value)
            value = ""
        body = value.encode()
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def tricky_agency(workspace, start_path: str):
    """Mappings with one more agency, `so-thu`, whose legacy site is the tricky test site."""
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root)
    (root / "agencies" / "so-thu.yml").write_text(
        "code: so-thu\nname: Sở Thử nghiệm\nlevel: department\nplatform: generic\n"
        f"legacy: {{base_urls: ['http://sothu.tinhmau.gov.vn{start_path}'], hosts: [sothu.tinhmau.gov.vn]}}\n"
        "target: {subsite: Sở Thử nghiệm, path: /web/so-thu}\nrobots: false\n", encoding="utf-8")
    return root



@pytest.fixture
def tricky_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_redirects_off_site_or_to_private_addresses_are_refused(workspace, tricky_site):
    root = tricky_agency(workspace, "/")
    result = run_portalize("crawl", "so-thu", "-s", "--origin", f"sothu.tinhmau.gov.vn={tricky_site}",
                           env_extra={"PORTALIZE_MAPPINGS": str(root)})
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    pages = {url.split("gov.vn")[1]: (status, error) for url, status, error in
             db.execute("select url, status, error from pages where agency='so-thu'")}
    assert pages["/to-private"] == (302, "redirect to http://10.20.30.40/admin refused: private, loopback or link-local address")
    assert pages["/to-loopback"] == (302, "redirect to http://127.0.0.2/ refused: private, loopback or link-local address")
    assert pages["/to-elsewhere"] == (302, "redirect to http://quangcao.example.com/ refused: outside the agency's hosts")
    assert pages["/ok2"] == (200, None) and pages["/ok"] == (200, None)  # an on-site redirect is followed
    assert all("10.20.30.40" not in u and "127.0.0.2" not in u for (u,) in db.execute("select url from pages"))
    assert "refused: private" in result.stdout  # listed in the crawl summary


def test_failing_server_traps_and_oversized_responses(workspace, tricky_site):
    root = tricky_agency(workspace, "/flaky")
    result = run_portalize("crawl", "so-thu", "-s", "--origin", f"sothu.tinhmau.gov.vn={tricky_site}",
                           "-S", "DOWNLOAD_MAXSIZE=100000", "-S", "DOWNLOAD_WARNSIZE=0",
                           env_extra={"PORTALIZE_MAPPINGS": str(root)})
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    flaky = db.execute("select count(*) from pages where url like '%/flaky/%' and status = 200").fetchone()
    assert flaky == (20,)  # every 500 was retried until it answered
    assert db.execute("select count(*) from pages where status >= 500").fetchone() == (0,)
    assert not [u for (u,) in db.execute("select url from pages") if "lich-cong-tac" in u]  # calendar trap
    big = db.execute("select status, error from pages where url like '%/big'").fetchone()
    assert big[0] is None and "100000" in big[1]  # over the size limit: recorded, not stored
    assert "failed: http://sothu.tinhmau.gov.vn/big" in result.stdout
