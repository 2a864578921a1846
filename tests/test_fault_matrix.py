"""The fault matrix: a legacy server failing in each way a real one does. Each row ends in a
clear message naming the agency and the URL (exit status 1, no traceback), and in a state the
same command resumes from: once the server is mended, `portalize crawl` is run again and
stores the page.

Rows proved elsewhere (same rule, same checks):
- portal answering 500 mid-apply: test_plan_apply.py::test_apply_killed_midway_resumes_without_duplicates;
- portal database gone mid-apply (PostgreSQL refusing connections, sessions cut):
  test_postgres.py::test_the_portal_database_gone_mid_apply_stops_with_a_message_and_the_same_command_resumes;
- process killed between the portal's write and the ledger's: test_plan_apply.py::
  test_a_kill_between_the_portal_write_and_the_ledger_write_is_recorded_once;
- disk full while crawling: test_crawl_safety.py::test_a_full_disk_stops_the_crawl_...;
- disk full while transforming and applying: test_small_failures.py::test_a_full_disk_while_transforming_...;
- a site refusing connections on a re-crawl: test_small_failures.py::test_a_re_crawl_of_a_site_that_refuses_...
"""
from __future__ import annotations

import socket
import socketserver
import sqlite3
import struct
import time

import pytest

from .conftest import mappings_with_agency, run_portalize
from .sites.local import base_url, serving

pytestmark = pytest.mark.integration

PAGE = "<html><body><h1>Trang chủ Sở Lỗi</h1><p>Nội dung đã sửa xong.</p></body></html>".encode()
MODE = {"now": "ok"}


class Faulty(socketserver.BaseRequestHandler):
    def handle(self):
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            request += chunk
        path = request.split(b" ", 2)[1].decode()
        mode = MODE["now"]
        if mode == "ok" or path in ("/robots.txt", "/sitemap.xml"):
            status = b"200 OK" if mode == "ok" or path == "/robots.txt" else b"404 Not Found"
            body = PAGE if path not in ("/robots.txt",) else b""
            self.request.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        elif mode == "5xx":
            self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 9\r\n"
                                 b"Connection: close\r\n\r\nBao tri.\n")
        elif mode == "hang":
            time.sleep(8)  # never answers within the crawl's timeout
        elif mode == "reset":
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
        elif mode == "truncated":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n"
                                 b"Connection: close\r\n\r\n" + PAGE[:60])
        elif mode == "wrong-length":  # says more than it sends, and keeps the connection open
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n" + PAGE)
            time.sleep(8)
        elif mode == "redirect-loop":
            target = b"/b" if path != "/b" else b"/"
            self.request.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + target + b"\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def faulty_site():
    with serving(Faulty, server_class=Server) as server:
        yield base_url(server)


ROWS = {
    "5xx": "HTTP 503",
    "hang": "took longer than 2.0 seconds",
    "reset": "the server closed the connection without an answer",
    "truncated": "the server closed the connection before sending the whole page",
    "wrong-length": "took longer than 2.0 seconds",
    "redirect-loop": "redirects in a loop: http://soloi.tinhmau.gov.vn/ → http://soloi.tinhmau.gov.vn/b → "
                     "http://soloi.tinhmau.gov.vn/",
}


@pytest.mark.parametrize("fault", list(ROWS))
def test_a_failing_legacy_server_ends_in_a_clear_message_and_the_same_command_resumes(workspace, faulty_site, fault):
    root = mappings_with_agency(workspace, "so-loi", "Sở Lỗi", "generic", "http://soloi.tinhmau.gov.vn/")
    command = ("crawl", "so-loi", "-s", "--origin", f"soloi.tinhmau.gov.vn={faulty_site}",
               "-S", "DOWNLOAD_TIMEOUT=2", "-S", "RETRY_TIMES=1", "-S", "PORTALIZE_RETRY_BACKOFF=0.1")
    env = {"PORTALIZE_MAPPINGS": str(root)}
    MODE["now"] = fault
    try:
        failed = run_portalize(*command, env_extra=env, check=False, timeout=120)
    finally:
        MODE["now"] = "ok"
    print(f"fault matrix: {fault} -> exit {failed.returncode}: {failed.stderr.strip().splitlines()[:2]}")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "agency so-loi: could not crawl http://soloi.tinhmau.gov.vn/" in failed.stderr
    assert ROWS[fault] in failed.stderr
    assert "portalize crawl so-loi" in failed.stderr and "Traceback" not in failed.stderr
    mended = run_portalize(*command, env_extra=env, timeout=120)
    assert "crawled so-loi" in mended.stdout
    ledger = sqlite3.connect(workspace / "var" / "portalize.db")
    assert ledger.execute("select count(*) from pages where agency = 'so-loi' and status = 200 "
                          "and url = 'http://soloi.tinhmau.gov.vn/'").fetchone() == (1,)
