"""A fault-injecting HTTP proxy for a real portal on loopback: requests pass through to the
upstream unchanged (Host header included), except those a rule picks, which are delayed,
refused with 429/503 (with Retry-After) before reaching the portal, or forwarded and then
answered 500 (the write landed, its answer is lost). Every request is logged with its time."""
from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Rule:
    method: str
    path: str  # a regular expression searched in the request's path
    answer: int  # 429 / 503 (not forwarded) or 500 (forwarded, then 500)
    every: int = 1  # every Nth matching request
    times: int = 10**9  # at most this many
    retry_after: str | None = None
    seen: int = 0
    fired: int = 0

    def fires(self, method: str, path: str) -> bool:
        if method != self.method or not re.search(self.path, path) or self.fired >= self.times:
            return False
        self.seen += 1
        if self.seen % self.every:
            return False
        self.fired += 1
        return True


@dataclass
class FaultProxy:
    upstream: str  # http://127.0.0.1:PORT
    rules: list[Rule] = field(default_factory=list)
    latency: float = 0.0
    log: list[tuple[float, str, str, int]] = field(default_factory=list)  # (time, method, path, status)

    def start(self) -> "FaultProxy":
        proxy = self
        target = urlsplit(self.upstream)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.latency:
                    time.sleep(proxy.latency)
                with lock:
                    rule = next((r for r in proxy.rules if r.fires(self.command, self.path)), None)
                if rule and rule.answer in (429, 503):
                    return self._reply(rule.answer, b'{"code":"busy","message":"try later"}', rule.retry_after)
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                if rule and rule.answer == 500:
                    return self._reply(500, b'{"code":"internal","message":"gateway lost the answer"}', None)
                self._reply(answer.status, data, None, answer.getheader("Content-Type"))

            def _reply(self, status, data, retry_after, content_type="application/json"):
                with lock:
                    proxy.log.append((time.monotonic(), self.command, self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
