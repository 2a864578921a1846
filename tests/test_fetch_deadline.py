"""Hard time limits on every single-page fetch (issue 21, hole 5). Against a slowloris server
(headers or body sent one byte at a time, never finished) `detect`, `mapping check`, `extract
URL`, `agencies register` (platform detection), `links` (is the legacy site up?) and `status
--refresh` (does the legacy host redirect?) used to print the timeout, then wait for the fetch
thread, joined at exit: one run lasted 600 s.

Each command runs in a subprocess with PORTALIZE_FETCH_TIMEOUT set; the time from the first
byte the server sees to the end of the process must stay within that timeout plus one second
(the start-up of the interpreter is not counted: it is not the fetch's, and on a loaded
machine it varies more than a second)."""
from __future__ import annotations

import os
import socket
import subprocess
import threading
import time

import pytest

from .conftest import PORTALIZE, ROOT, _workspace_env, untuned_agency

pytestmark = pytest.mark.integration

TIMEOUT = 2.0  # seconds: PORTALIZE_FETCH_TIMEOUT for these runs
DRIP_EVERY = 0.2  # seconds between two bytes

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 100000\r\n\r\n"


class Slowloris:
    """A server that answers every connection with `answer` one byte every DRIP_EVERY seconds,
    then holds the connection open without a word; records when the first connection came."""

    def __init__(self, answer: bytes):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.first_contact: float | None = None
        self.stopped = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.listener.close()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.first_contact is None:
                self.first_contact = time.monotonic()
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        with conn:
            try:
                conn.recv(65536)
                for byte in self.answer:
                    if self.stopped.wait(DRIP_EVERY):
                        return
                    conn.sendall(bytes([byte]))
                while not self.stopped.wait(DRIP_EVERY):  # then: a body that never comes
                    conn.sendall(b"x")
            except OSError:
                return


ANSWERS = {
    "headers dripping": HEAD,
    "body dripping": HEAD[:-4] + b"\r\n\r\n<html><body>",
    "nothing after the request": b"",
}


def _run_against(server: Slowloris, args: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float]:
    """Run portalize; (result, seconds from the server's first contact to the process's end)."""
    environment = {**os.environ, **env, "PORTALIZE_FETCH_TIMEOUT": str(TIMEOUT)}
    environment.pop("PYTHONWARNINGS", None)
    try:
        result = subprocess.run([*PORTALIZE, *args], capture_output=True, text=True, env=environment, cwd=ROOT,
                                timeout=TIMEOUT * 20 + 120)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"portalize {' '.join(args)} still running {exc.timeout:g} s after it started "
                             f"(fetch timeout {TIMEOUT:g} s)") from None
    ended = time.monotonic()
    assert server.first_contact is not None, f"the command never reached the server: {result.stderr}"
    return result, ended - server.first_contact


def _assert_cut_off(result, elapsed: float, url: str, timeout: float = TIMEOUT) -> None:
    out = result.stdout + result.stderr
    assert elapsed <= timeout + 1, f"process ended {elapsed:.2f} s after the first byte (limit {timeout + 1:g} s)"
    assert "Traceback" not in out, out
    assert url in out, out
    assert f"did not answer in full within {timeout:g} s" in out, out
    assert "Next: " in out, out


@pytest.mark.parametrize("answer", ANSWERS)
def test_detect_ends_within_the_timeout_whatever_the_server_does(tmp_path, answer):
    with Slowloris(ANSWERS[answer]) as server:
        url = f"http://127.0.0.1:{server.port}/trang-chu"
        result, elapsed = _run_against(server, ["detect", url], _workspace_env(tmp_path))
    assert result.returncode == 1
    _assert_cut_off(result, elapsed, url)


def _agency_env(tmp_path, server) -> tuple[dict, str]:
    url = f"http://127.0.0.1:{server.port}/"
    env = untuned_agency(tmp_path, "cham", "Sở Chậm", "department", url, "local_test_host: true\nrobots: false\n")
    return env, url


@pytest.mark.parametrize("command", [
    ["mapping", "check", "cham", "{url}tin/bai-1.html"],
    ["extract", "{url}tin/bai-1.html", "--agency", "cham"],
    ["agencies", "register", "cham"],
    ["links", "register", "cham"],
])
def test_every_single_page_fetch_of_an_agency_ends_within_the_timeout(tmp_path, command):
    with Slowloris(HEAD) as server:
        env, base = _agency_env(tmp_path, server)
        args = [part.format(url=base) for part in command]
        result, elapsed = _run_against(server, args, env)
    assert result.returncode == 1
    _assert_cut_off(result, elapsed, next((a for a in args if a.startswith("http")), base))


def test_status_refresh_ends_within_the_timeout_and_records_what_it_saw(tmp_path):
    """`status --refresh` asks the legacy host whether it redirects: a host that drips its
    answer is recorded as not cut over (with the reason), and the command ends in time."""
    with Slowloris(HEAD[:20]) as server:
        env, base = _agency_env(tmp_path, server)
        (tmp_path / "mappings" / "agencies" / "cham.yml").write_text(
            (tmp_path / "mappings" / "agencies" / "cham.yml").read_text(encoding="utf-8") + "platform: generic\n",
            encoding="utf-8")
        environment = {**os.environ, **env}
        environment.pop("PYTHONWARNINGS", None)
        subprocess.run([*PORTALIZE, "agencies", "register", "cham"], check=True, capture_output=True, env=environment,
                       cwd=ROOT, timeout=300)
        result, elapsed = _run_against(server, ["status", "cham", "--refresh"], env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert elapsed <= TIMEOUT + 1, f"process ended {elapsed:.2f} s after the first byte (limit {TIMEOUT + 1:g} s)"
    assert f"did not answer in full within {TIMEOUT:g} s" in out and "Traceback" not in out, out


def test_a_wrong_fetch_timeout_setting_is_a_clear_error(tmp_path):
    environment = {**os.environ, **_workspace_env(tmp_path), "PORTALIZE_FETCH_TIMEOUT": "nan"}
    environment.pop("PYTHONWARNINGS", None)
    result = subprocess.run([*PORTALIZE, "detect", "http://127.0.0.1:9/"], capture_output=True, text=True,
                            env=environment, cwd=ROOT, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "PORTALIZE_FETCH_TIMEOUT='nan' must be a number of seconds" in result.stderr
    assert "Next: " in result.stderr


def test_the_fetch_thread_is_a_daemon_and_its_socket_is_shut_at_the_deadline(monkeypatch):
    """In-process: fetch_page returns at the deadline and the thread it leaves ends soon after
    (its socket shut down), whatever the per-read timeout."""
    from portalize.core.errors import FetchFailed
    from portalize.crawlers import fetch

    monkeypatch.delenv("PORTALIZE_FETCH_TIMEOUT", raising=False)
    with Slowloris(HEAD) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed):
            fetch.fetch_page(f"http://127.0.0.1:{server.port}/", obey_robots=False, timeout=1.0)
        assert time.monotonic() - started < 1.0 + 1
        left = [t for t in threading.enumerate() if t.name == "portalize-fetch"]
        assert all(t.daemon for t in left)
        for thread in left:
            thread.join(2.0)
        assert not any(t.is_alive() for t in left), "the fetch thread still reads a shut socket"
