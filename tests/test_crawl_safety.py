"""The crawl stays on the agency's hosts: redirects off-site or to private addresses are refused
and recorded; every other response is kept."""
from __future__ import annotations

import csv
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from .conftest import mappings_with_agency, run_portalize
from .sites.local import base_url, html_handler, mount_tmpfs, resize_tmpfs, serving, unmount

pytestmark = pytest.mark.integration

PAGES = {
    "/": (200, '<html><body><nav><a href="/ok">ok</a> <a href="/to-private">p</a> <a href="/to-loopback">l</a> '
               '<a href="/to-elsewhere">e</a> <a href="/moved">m</a> <a href="/refresh">r</a> '
               '<a href="/refresh-metadata">rm</a> <a href="/refresh-here">rh</a> <a href="/to-backslash">b</a> '
               '<a href="/to-slash-backslash">sb</a> <a href="/to-mapped">m6</a> <a href="/refresh-js">js</a> <a href="/to-internal">i1</a> <a href="/backslash-internal">i2</a> '
               '<a href="/refresh-internal">i3</a> <a href="/mapped-internal">i4</a></nav></body></html>'),
    "/ok": (200, "<html><body><h1>Được</h1></body></html>"),
    "/moved": (301, "/ok2"),
    "/ok2": (200, "<html><body><h1>Đã chuyển</h1></body></html>"),
    "/to-private": (302, "http://10.20.30.40/admin"),
    "/to-loopback": (302, "http://127.0.0.2/"),
    "/to-elsewhere": (302, "http://quangcao.example.com/"),
    "/to-backslash": (302, "http:\\\\127.0.0.2/bi-mat"),
    "/to-slash-backslash": (302, "http:/\\127.0.0.2/bi-mat-2"),
    "/to-mapped": (302, "http://[::ffff:127.0.0.2]/bi-mat-3"),
    "/refresh": (200, '<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.2/noi-bo"></head>'
                      '<body>Chuyển trang</body></html>'),
    "/refresh-metadata": (200, '<html><head><meta http-equiv="Refresh" content="0; URL=http://169.254.169.254/latest/meta-data/">'
                               '</head><body>Chuyển trang</body></html>'),
    "/refresh-here": (200, '<html><head><meta http-equiv="refresh" content="3;url=/ok3"></head><body>Chuyển</body></html>'),
    "/ok3": (200, "<html><body><h1>Đích</h1></body></html>"),
    "/refresh-js": (200, '<html><head><meta http-equiv="refresh" content="0;url=javascript:alert(1)"></head>'
                         '<body><h1>Trang có chuyển hướng hỏng</h1></body></html>'),
    "/flaky": (200, '<html><body><nav>' + "".join(f'<a href="/flaky/{n}">{n}</a>' for n in range(20)) +
               '<a href="/lich-cong-tac?ngay=2024-01-01">Lịch</a><a href="/big">Lớn</a>'
               '<a href="/always-down">Hỏng</a><a href="/bai-viet.html">Bài</a><a href="/sau/1">Sâu</a><a href="/ds/1">Danh sách</a></nav></body></html>'),
    "/lich-cong-tac": (200, '<html><body><nav><a href="/lich-cong-tac?ngay=2024-01-02">Hôm sau</a></nav></body></html>'),
    "/big": (200, "<html><body>" + "Nội dung rất dài. " * 20000 + "</body></html>"),
    "/always-down": (503, "<html>Bảo trì</html>"),
    "/bai-viet.html": (200, '<html><body><article><h1>Bài viết</h1><p>Xem tệp.</p>'
                            '<a href="/tep/nho.pdf">nhỏ</a> <a href="/tep/lon.pdf">lớn</a></article></body></html>'),
    "/tep/nho.pdf": (200, "%PDF-1.4 " + "0" * 150_000),
    "/tep/lon.pdf": (200, "%PDF-1.4 " + "0" * 300_000),
}
# A chain of pages, each one level deeper than the one before; and a long list whose pages
# link only to the next page (pagination does not count as depth).
PAGES.update({f"/sau/{n}": (200, f'<html><body><nav><a href="/sau/{n + 1}">Tiếp</a></nav></body></html>')
              for n in range(1, 40)})
PAGES.update({f"/ds/{n}": (200, f'<html><body><ul class="pagination"><li><a href="/ds/{n + 1}">Trang sau</a></li>'
                                '</ul></body></html>') for n in range(1, 31)})
REQUESTS = {"count": 0, "times": {}}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = "/" + self.path.split("/", 3)[3] if self.path.startswith("http") else self.path
        REQUESTS["count"] += 1
        REQUESTS["times"].setdefault(path, []).append(time.monotonic())
        failures = REQUESTS.setdefault("failed", {})
        if path.startswith("/flaky/") and REQUESTS["count"] % 5 == 0 and failures.get(path, 0) < 2:
            failures[path] = failures.get(path, 0) + 1  # one request in five fails (a page at most twice)
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
    return mappings_with_agency(workspace, "so-thu", "Sở Thử nghiệm", "generic", f"http://sothu.tinhmau.gov.vn{start_path}")



@pytest.fixture
def tricky_site():
    with serving(Handler) as server:
        yield base_url(server)


@pytest.fixture
def internal_server():
    """A server on another loopback address holding a secret: what an SSRF would reach."""
    hits = []
    secret = html_handler(lambda path: hits.append(path) or "<html><body><h1>BÍ MẬT NỘI BỘ</h1></body></html>")
    with serving(secret, host="127.0.0.2") as server:  # Linux routes all of 127.0.0.0/8 to loopback
        yield server.server_address[1], hits


def test_redirects_off_site_or_to_private_addresses_are_refused(workspace, tricky_site, internal_server):
    port, hits = internal_server
    PAGES.update({
        "/to-internal": (302, f"http://127.0.0.2:{port}/bi-mat"),
        "/backslash-internal": (302, f"http:\\\\127.0.0.2:{port}/bi-mat"),
        "/mapped-internal": (302, f"http://[::ffff:127.0.0.2]:{port}/bi-mat"),
        "/refresh-internal": (200, f'<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.2:{port}/bi-mat">'
                                   '</head><body>Chuyển</body></html>'),
    })
    root = tricky_agency(workspace, "/")
    result = run_portalize("crawl", "so-thu", "-s", "--origin", f"sothu.tinhmau.gov.vn={tricky_site}",
                           env_extra={"PORTALIZE_MAPPINGS": str(root)})
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    pages = {url.split("gov.vn")[1]: (status, error) for url, status, error in
             db.execute("select url, status, error from pages where agency='so-thu'")}
    assert pages["/to-private"] == (302, "redirect to http://10.20.30.40/admin refused: private, loopback or link-local address")
    assert pages["/to-loopback"] == (302, "redirect to http://127.0.0.2/ refused: private, loopback or link-local address")
    assert pages["/to-elsewhere"] == (302, "redirect to http://quangcao.example.com/ refused: outside the agency's hosts")
    # Backslashes: the guard checks the URL Scrapy would really request, not a same-host reading.
    assert pages["/to-backslash"] == (302, "redirect to http://127.0.0.2/bi-mat refused: private, loopback or link-local address")
    assert pages["/to-slash-backslash"][1].startswith("redirect to http://127.0.0.2/bi-mat-2 refused: private")
    assert pages["/to-mapped"][1].startswith("redirect to http://[::ffff:127.0.0.2]/bi-mat-3 refused: private")
    assert pages["/ok2"] == (200, None) and pages["/ok"] == (200, None)  # an on-site redirect is followed
    assert all("10.20.30.40" not in u and "127.0.0.2" not in u for (u,) in db.execute("select url from pages"))
    # <meta http-equiv="refresh"> is a link like any other: to the agency's host it is followed,
    # to an internal or cloud-metadata address never.
    assert pages["/ok3"] == (200, None)
    assert pages["/refresh-js"] == (200, None)  # a refresh to javascript: is no link; the page itself is kept
    assert all("169.254" not in u and "127.0.0.2" not in u and "noi-bo" not in u and "bi-mat" not in u
               for (u,) in db.execute("select url from pages"))
    assert "refused: private" in result.stdout  # listed in the crawl summary
    # A real server holding a secret on 127.0.0.2 was never reached by any of these routes.
    assert hits == []
    assert pages["/to-internal"][1].startswith(f"redirect to http://127.0.0.2:{port}/bi-mat refused: private")
    assert pages["/backslash-internal"][1].startswith(f"redirect to http://127.0.0.2:{port}/bi-mat refused: private")
    assert pages["/mapped-internal"][1].startswith("redirect to http://[::ffff:127.0.0.2]")
    assert pages["/refresh-internal"] == (200, None)
    import zlib
    assert all("BÍ MẬT".encode() not in zlib.decompress(data) for (data,) in db.execute("select data from raw_bodies"))
    # Nothing on this site is an article: the transform says so and fails, naming what to run.
    transformed = run_portalize("transform", "so-thu", "-s", env_extra={"PORTALIZE_MAPPINGS": str(root)}, check=False)
    assert transformed.returncode == 1
    assert "transformed so-thu: 0 articles" in transformed.stdout
    assert "agency so-thu: no item found among" in transformed.stderr
    assert "portalize mapping check so-thu URL" in transformed.stderr


def test_failing_server_traps_and_oversized_responses(workspace, tricky_site):
    root = tricky_agency(workspace, "/flaky")
    REQUESTS["times"].clear()
    REQUESTS.pop("failed", None)
    result = run_portalize("crawl", "so-thu", "-s", "--origin", f"sothu.tinhmau.gov.vn={tricky_site}",
                           "-S", "DOWNLOAD_MAXSIZE=100000", "-S", "DOWNLOAD_WARNSIZE=0",
                           "-S", "PORTALIZE_MAX_ASSET_BYTES=200000", "-S", "PORTALIZE_MAX_DEPTH=5",
                           "-S", "PORTALIZE_RETRY_BACKOFF=0.4", env_extra={"PORTALIZE_MAPPINGS": str(root)})
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    flaky = db.execute("select count(*) from pages where url like '%/flaky/%' and status = 200").fetchone()
    assert flaky == (20,)  # every 500 was retried until it answered
    # A page that keeps failing is retried twice, each retry later than the one before, then
    # recorded with the reason.
    assert db.execute("select status, error from pages where url like '%/always-down'").fetchone() == (
        503, "HTTP 503 after 2 retries")
    first, second, third = REQUESTS["times"]["/always-down"]
    assert second - first >= 0.4 * 0.75 and third - second >= 0.8 * 0.75
    assert db.execute("select count(*) from pages where status >= 500").fetchone() == (1,)
    assert not [u for (u,) in db.execute("select url from pages") if "lich-cong-tac" in u]  # calendar trap
    big = db.execute("select status, error from pages where url like '%/big'").fetchone()
    assert big[0] is None and "100000" in big[1]  # over the size limit: recorded, not stored
    assert "failed: http://sothu.tinhmau.gov.vn/big" in result.stdout
    # Files have their own cap: a 150 kB PDF is over the page limit but under the file cap.
    small = db.execute("select status, size, error from pages where url like '%/tep/nho.pdf'").fetchone()
    assert small[0] == 200 and small[1] > 150_000, small
    large = db.execute("select status, error from pages where url like '%/tep/lon.pdf'").fetchone()
    assert large[0] is None and "size cap of 200,000 bytes" in large[1]
    # The depth limit: /sau/1 is one link from the start page, so /sau/5 is the last one fetched.
    deep = sorted(int(u.rsplit("/", 1)[1]) for (u,) in db.execute("select url from pages where url like '%/sau/%'"))
    assert deep == [1, 2, 3, 4, 5]
    listed = db.execute("select count(*) from pages where url like '%/ds/%' and status = 200").fetchone()
    assert listed == (30,)  # all 30 pages of the list, though only 5 levels deep are allowed
    assert "depth limit reached: 1 links not followed" in result.stdout
    # The report of pages linked but never reached names each one, where it was linked from and why.
    report = workspace / "var" / "reports" / "crawl-so-thu-run1-unreached.csv"
    assert f"3 linked pages never reached; list: {report}" in result.stdout
    rows = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["url"].split("gov.vn")[1]: r["reason"].split(":")[0] for r in rows} == {
        "/sau/6": "not followed", "/big": "DownloadCancelledError", "/tep/lon.pdf": "file larger than the size cap of 200,000 bytes (PORTALIZE_MAX_ASSET_BYTES); not downloaded. DownloadCancelledError"}
    assert next(r for r in rows if r["url"].endswith("/sau/6"))["linked_from"].endswith("/sau/5")


def test_a_hanging_server_costs_one_timeout_per_try_and_robots_txt_is_asked_once(workspace):
    """A server that accepts connections and never answers: robots.txt is tried once, the start
    page RETRY_TIMES + 1 times, each try cut at DOWNLOAD_TIMEOUT; the crawl fails with its reason."""
    import socket
    seen = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def accept():
        held = []
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                seen.append(conn.recv(4096).split(b" ")[1].decode())  # the request line's path
            except (OSError, IndexError):
                pass
            held.append(conn)  # never answered
        for conn in held:
            conn.close()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        root = mappings_with_agency(workspace, "so-treo", "Sở Treo", "generic", "http://sotreo.tinhmau.gov.vn/")
        (root / "agencies" / "so-treo.yml").write_text(
            (root / "agencies" / "so-treo.yml").read_text(encoding="utf-8").replace("robots: false\n", ""),
            encoding="utf-8")
        result = run_portalize("crawl", "so-treo", "-s", "--origin",
                               f"sotreo.tinhmau.gov.vn=http://127.0.0.1:{listener.getsockname()[1]}",
                               "-S", "DOWNLOAD_TIMEOUT=1", "-S", "RETRY_TIMES=2", "-S", "PORTALIZE_RETRY_BACKOFF=0",
                               env_extra={"PORTALIZE_MAPPINGS": str(root)}, check=False)
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert result.returncode == 1 and "could not crawl http://sotreo.tinhmau.gov.vn/" in result.stderr
    assert "TimeoutError" in result.stderr or "took longer than" in result.stderr
    assert seen.count("/robots.txt") == 1
    assert seen.count("/") == 3  # the first try and RETRY_TIMES retries


def test_a_full_disk_stops_the_crawl_with_a_clear_message_and_keeps_what_was_stored(workspace):
    """The ledger on a 3 MB filesystem and a site of incompressible pages: the crawl stops at
    the first refused write (no hang, no flood of errors), says what to do, and the pages
    stored before are kept."""
    import base64
    import os

    tiny = workspace / "tiny"
    mount_tmpfs(tiny, "3m")

    def page(path):
        n = int(path.strip("/").split("/")[-1] or 0) if path.startswith("/p/") else 0
        links = "".join(f'<a href="/p/{m}">{m}</a>' for m in range(n * 4 + 1, n * 4 + 5))
        noise = base64.b64encode(os.urandom(60_000)).decode()
        return f"<html><body><h1>Trang {n}</h1>{links}<p>{noise}</p></body></html>"

    with serving(html_handler(page)) as server:
        try:
            root = mappings_with_agency(workspace, "so-day", "Sở Đầy", "generic", "http://soday.tinhmau.gov.vn/p/0")
            db = f"sqlite:///{tiny / 'portalize.db'}"
            result = run_portalize("crawl", "so-day", "-s", "--origin",
                                   f"soday.tinhmau.gov.vn=http://127.0.0.1:{server.server_address[1]}",
                                   env_extra={"PORTALIZE_MAPPINGS": str(root), "PORTALIZE_DB": db},
                                   check=False, timeout=240)
            assert result.returncode == 1
            assert "agency so-day: crawl stopped: the ledger's disk is full" in result.stderr
            assert f"ledger {tiny / 'portalize.db'} holds" in result.stderr and "free at least 100 MB" in result.stderr
            assert "free space where the ledger is" in result.stderr and "portalize crawl so-day" in result.stderr
            assert "Traceback" not in result.stderr
            stored = sqlite3.connect(tiny / "portalize.db").execute("select count(*) from pages").fetchone()[0]
            assert stored > 5
            # Room made (the filesystem grown), the same command resumes from the stored pages.
            resize_tmpfs(tiny, "64m")
            resumed = run_portalize("crawl", "so-day", "-s", "--origin",
                                    f"soday.tinhmau.gov.vn=http://127.0.0.1:{server.server_address[1]}",
                                    "--max-pages", str(stored + 20),
                                    env_extra={"PORTALIZE_MAPPINGS": str(root), "PORTALIZE_DB": db}, check=False,
                                    timeout=240)
            assert resumed.returncode == 0 and "disk is full" not in resumed.stderr, resumed.stderr
            ledger = sqlite3.connect(tiny / "portalize.db")
            after = ledger.execute("select count(*), count(distinct url) from pages").fetchone()
            assert after[0] == after[1] and after[0] > stored  # more pages, none twice
        finally:
            unmount(tiny)


def test_a_single_page_fetch_ends_within_its_timeout_against_a_dripping_server():
    """`detect`, `extract URL`, `mapping check` and `register` fetch through fetch_page: a server
    sending one byte a second never holds it past its timeout."""
    from portalize.core.errors import FetchFailed
    from portalize.crawlers.fetch import fetch_page

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    with serving(Drip) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="did not answer in full within 3 s"):
            fetch_page(f"http://127.0.0.1:{server.server_address[1]}/", obey_robots=False, timeout=3)
        assert time.monotonic() - started < 10


def test_a_host_name_that_resolves_to_an_internal_address_is_refused_at_connect_time(workspace, tricky_site):
    """DNS answers are checked on the address the crawler will connect to: a legacy host name
    pointing at a loopback or private address (a hostile answer, or DNS rebinding) is refused,
    although the name itself looks public. This machine's own host name resolves to an internal
    address (loopback in /etc/hosts, or the container's private address)."""
    import shutil
    import socket

    from .conftest import ROOT

    name = socket.gethostname().lower()
    address = socket.gethostbyname(name)
    from portalize.core.addresses import internal_address
    if internal_address(name) or not internal_address(address):
        pytest.skip(f"this machine's name {name} resolves to {address}; the test needs a name that looks "
                    "public and resolves to an internal address")
    port = tricky_site.rsplit(":", 1)[1]
    root = workspace / "mappings"
    shutil.copytree(ROOT / "mappings", root, dirs_exist_ok=True)
    (root / "agencies" / "so-dns.yml").write_text(
        f"code: so-dns\nname: Sở Thử DNS\nlevel: department\nplatform: generic\nrobots: false\n"
        f"legacy: {{base_urls: ['http://{name}:{port}/ok'], hosts: [{name}]}}\n"
        f"target: {{subsite: Sở Thử DNS, path: /web/so-dns}}\n", encoding="utf-8")
    result = run_portalize("crawl", "so-dns", "-s", env_extra={"PORTALIZE_MAPPINGS": str(root)}, check=False)
    db = sqlite3.connect(workspace / "var" / "portalize.db")
    rows = db.execute("select url, status, error from pages where agency='so-dns'").fetchall()
    assert all(status is None for _, status, _ in rows)  # nothing was fetched from the internal address
    assert any(f"{name} resolves to {address}" in (error or "") for _, _, error in rows), rows
    output = result.stdout + result.stderr
    assert f"{name} resolves to {address}" in output and "--origin" in output
    assert result.returncode != 0
    # A single-page fetch (detect, extract URL, mapping check, register) checks the address it
    # connects to the same way.
    from portalize.core.errors import FetchFailed
    from portalize.crawlers.fetch import fetch_page
    with pytest.raises(FetchFailed, match=f"{name} resolves to {address}"):
        fetch_page(f"http://{name}:{port}/ok", hosts=[name], obey_robots=False)
    # The same site through --origin (the user names the address) is crawled.
    allowed = run_portalize("crawl", "so-dns", "-s", "--origin", f"{name}={tricky_site}",
                            env_extra={"PORTALIZE_MAPPINGS": str(root)})
    assert allowed.returncode == 0
    assert db.execute("select count(*) from pages where agency='so-dns' and status=200").fetchone()[0] >= 1


def test_a_single_page_fetch_of_a_huge_page_stops_at_the_size_cap_in_bounded_memory():
    """A 50 MB page: `detect`, `extract URL`, `mapping check` and `register` read at most
    DOWNLOAD_MAXSIZE (20 MB) of it and stop with a message, not 1.4 GB of memory."""
    import tracemalloc

    from portalize.core.errors import FetchFailed
    from portalize.crawlers.fetch import fetch_page

    chunk = b"<p>" + b"x" * 1021 + b"</p>"

    class Huge(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50 * 1024):
                    self.wfile.write(chunk)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    with serving(Huge) as server:
        tracemalloc.start()
        with pytest.raises(FetchFailed, match="larger than DOWNLOAD_MAXSIZE"):
            fetch_page(f"http://127.0.0.1:{server.server_address[1]}/", obey_robots=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 80 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"
