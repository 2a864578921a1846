"""The HTTP client of the portal adapters: one connection pool, a rate limit from the adapter's
config, retries with backoff on 429 and 5xx (honouring Retry-After), and errors that name the
request but never the credentials.

A create (POST to a collection) is retried only when the portal says it did not take it (429,
503 with Retry-After): after any other failure it may have landed, and apply's intent record
finds it instead of creating it twice."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import urllib3

from portalize.core.errors import PortalError

RETRY_STATUSES = (429, 500, 502, 503, 504)
NOT_TAKEN = (429, 503)


@dataclass
class Answer:
    status: int
    headers: dict
    data: bytes

    def json(self):
        return json.loads(self.data or b"null")


class RateLimit:
    """At most `per_second` requests started per second, across threads."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


class PortalHttp:
    def __init__(self, base_url: str, headers: dict, *, timeout: float = 60, retries: int = 4,
                 backoff: float = 0.5, rate_limit: float | None = None, pool: int = 4, sleep=time.sleep,
                 connect_to: str | None = None):
        self.base_url = base_url.rstrip("/")
        # `connect_to` (http://ADDRESS:PORT): the portal's host reached at another address, its
        # own Host header kept (a portal behind a proxy, or before its DNS name exists).
        self.connect_to = connect_to.rstrip("/") if connect_to else None
        self.base_origin = "/".join(self.base_url.split("/")[:3])
        self.headers = headers  # the Authorization header is here: never printed
        self.pool = urllib3.PoolManager(maxsize=pool, block=True, retries=False,
                                        timeout=urllib3.Timeout(connect=min(timeout, 15), read=timeout))
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        self.limit = RateLimit(rate_limit)
        self.stats = {"requests": 0, "retries": 0, "waited": 0.0}

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, json_body=None, body: bytes | None = None,
                headers: dict | None = None, creates: bool = False, ok=(200, 201)) -> Answer:
        url = self.url(path)
        # A header value that is not Latin-1 (a Vietnamese file name) goes out as raw UTF-8 bytes.
        all_headers = {k: _wire(v) for k, v in {**self.headers, **(headers or {})}.items()}
        target = url
        if self.connect_to and url.startswith(self.base_origin + "/"):
            target = self.connect_to + url[len(self.base_origin):]
            all_headers["Host"] = self.base_origin.split("//", 1)[1]
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        attempt = 0
        while True:
            self.limit.wait()
            self.stats["requests"] += 1
            try:
                raw = self.pool.request(method, target, body=body, headers=all_headers, redirect=False)
                answer = Answer(raw.status, dict(raw.headers), raw.data)
            except urllib3.exceptions.HTTPError as exc:
                if creates or attempt >= self.retries:
                    raise PortalError(f"the portal did not answer {method} {url} ({type(exc).__name__}: {exc})",
                                      "check that the portal is up, then run the same command again") from None
                self._pause(attempt, None)
                attempt += 1
                continue
            if answer.status in ok:
                return answer
            retry = answer.status in (NOT_TAKEN if creates else RETRY_STATUSES)
            if retry and attempt < self.retries:
                self._pause(attempt, answer.headers.get("Retry-After"))
                attempt += 1
                continue
            raise PortalError(f"the portal answered HTTP {answer.status} to {method} {url}: {_reason(answer)}",
                              _hint(answer.status))

    def _pause(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2 ** attempt)
        if retry_after:
            try:
                delay = max(delay, min(float(retry_after), 120.0))
            except ValueError:
                pass
        self.stats["retries"] += 1
        self.stats["waited"] += delay
        self.sleep(delay)

    def close(self) -> None:
        self.pool.clear()


def _wire(value: str) -> str:
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")


def _reason(answer: Answer) -> str:
    try:
        data = answer.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and (data.get("message") or data.get("title")):
        code = f" ({data['code']})" if data.get("code") else ""
        return f"{data.get('message') or data.get('title')}{code}"
    text = answer.data[:200].decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "(no body)"


def _hint(status: int) -> str:
    if status in (401, 403):
        return ("check the portal user and its application password (portal.yml: user, password_env or "
                "password_file); the user must be allowed to publish on this site")
    if status == 404:
        return "check portal.url in mappings/portal.yml"
    if status == 429 or status >= 500:
        return "the portal is overloaded or failing: wait, lower portal.rate_limit, then run the same command again"
    return "look at the request named above; nothing after it was written"
