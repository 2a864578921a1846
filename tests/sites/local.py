"""Small local servers and scratch filesystems the tests share: a server on a free loopback
port run in a thread, a handler that answers one HTML page per path, a port nothing listens
on, and a size-limited tmpfs (for full-disk tests)."""
from __future__ import annotations

import socket
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@contextmanager
def serving(handler, host: str = "127.0.0.1", server_class=ThreadingHTTPServer):
    """A server for `handler` on a free port of `host`, answering in a thread until the block
    ends; yields the server (its port: `server.server_address[1]`)."""
    server = server_class((host, 0), handler)
    server.daemon_threads = True
    with running(server):
        yield server


@contextmanager
def running(server):
    """A socketserver answering in a thread until the block ends, then closed."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base_url(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def html_handler(page, content_type: str = "text/html; charset=utf-8"):
    """A quiet request handler: `page(path)` gives the body (str or bytes) of a 200 answer."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = page(self.path)
            body = body.encode() if isinstance(body, str) else body
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Page


def closed_port() -> int:
    """A loopback port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mount_tmpfs(path, size: str) -> None:
    """Mount a tmpfs of `size` (e.g. "3m") at `path`, as root or through passwordless sudo.
    Without either the test cannot make a disk fill up, and is skipped: CI runs as root."""
    path.mkdir(parents=True, exist_ok=True)
    for prefix in ([], ["sudo", "-n"]):
        if subprocess.run([*prefix, "mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0:
            return
    pytest.skip(f"mounting a {size} tmpfs needs root or passwordless sudo (CI runs as root, where this test runs)")


def resize_tmpfs(path, size: str) -> None:
    for prefix in ([], ["sudo", "-n"]):
        if subprocess.run([*prefix, "mount", "-o", f"remount,size={size}", str(path)], capture_output=True).returncode == 0:
            return
    raise AssertionError(f"could not grow the tmpfs at {path}")


def unmount(path) -> None:
    for prefix in ([], ["sudo", "-n"]):
        if subprocess.run([*prefix, "umount", "-l", str(path)], capture_output=True).returncode == 0:
            return
