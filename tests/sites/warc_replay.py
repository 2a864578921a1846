"""Serve a recorded site again from its WARC file, for any Host: every response as recorded
(status, headers, body), 404 for what was never recorded. Recorded pages of real installs
(NukeViet) are crawled this way, so the test runs without the CMS."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

_HOP = {"transfer-encoding", "connection", "content-encoding", "content-length", "keep-alive"}


def load(path: Path) -> dict[str, tuple[int, list, bytes]]:
    """path?query -> (status, headers, body) of each response record."""
    pages = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            parts = urlsplit(record.rec_headers.get_header("WARC-Target-URI"))
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            http = record.http_headers
            headers = [(k, v) for k, v in http.headers if k.lower() not in _HOP]
            pages[key] = (int(http.get_statuscode()), headers, record.content_stream().read())
    return pages


class WarcReplay:
    def __init__(self, path: Path, rewrite=None):
        """`rewrite(body) -> body`, applied to every answer (a counter that moved, say)."""
        self.pages = load(path)
        self.hits = 0
        pages, replay = self.pages, self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                replay.hits += 1
                status, headers, body = pages.get(self.path, (404, [("Content-Type", "text/plain")], b"not recorded"))
                if rewrite is not None:
                    body = rewrite(body)
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
