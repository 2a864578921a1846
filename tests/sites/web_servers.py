"""Private nginx and Apache (Debian's packages) on a loopback port, for tests that load
exported configuration into the real servers: each gets a config, pid file, logs and temp
dirs of its own under a test's tmp folder, and is stopped when the block ends. System
services are never touched."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .local import closed_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2") else None)
APACHE_MODULES = Path("/usr/lib/apache2/modules")


def _wait_for(port: int, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.time() + 15
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{name} stopped ({process.returncode}): {_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{name} did not listen on 127.0.0.1:{port}: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else "(no log)"


@contextmanager
def _running(command: list[str], port: int, name: str, log: Path, env: dict | None = None):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})})
    try:
        _wait_for(port, process, name, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def nginx_conf(tmp: Path, port: int, includes: list[str], server: list[str], http: list[str] = ()) -> str:
    """A whole nginx.conf: `includes` and `http` lines in the http block, `server` lines in a
    server on 127.0.0.1:`port` that answers 404 for anything they do not handle."""
    temp = "\n".join(f"    {name}_temp_path {tmp}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                         "scgi"))
    return "\n".join([
        "worker_processes 1;", "daemon off;", f"pid {tmp}/nginx.pid;", f"error_log {tmp}/error.log warn;",
        "events { worker_connections 64; }", "http {", "    access_log off;", temp,
        *(f"    {line}" for line in http), *(f"    include {path};" for path in includes),
        "    server {", f"        listen 127.0.0.1:{port};", "        server_name _;",
        *(f"        {line}" for line in server), "        return 404;", "    }", "}", ""])


def nginx_check(tmp: Path) -> subprocess.CompletedProcess:
    """`nginx -t` of tmp/nginx.conf."""
    return subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], capture_output=True, text=True,
                          timeout=60)


@contextmanager
def nginx_serving(tmp: Path, includes: list[str], server: list[str], http: list[str] = ()):
    """A private nginx on a free loopback port; yields the port. Fails the test with nginx's
    own message when `nginx -t` refuses the configuration."""
    if not NGINX:
        pytest.fail("nginx is not installed: run the tests with `make test` (scripts/system-deps.sh installs it)")
    tmp.mkdir(parents=True, exist_ok=True)
    port = closed_port()
    (tmp / "nginx.conf").write_text(nginx_conf(tmp, port, includes, server, http), encoding="utf-8")
    checked = nginx_check(tmp)
    assert checked.returncode == 0, checked.stderr
    with _running([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")], port, "nginx", tmp / "error.log") as port:
        yield port


def apache_conf(tmp: Path, port: int, vhost: list[str]) -> str:
    """A whole Apache configuration: the few modules a redirect needs, everything of its own
    under `tmp`, one virtual host on 127.0.0.1:`port` holding the `vhost` lines and answering
    404 for anything they do not handle."""
    user = ["User www-data", "Group www-data"] if os.geteuid() == 0 else []  # root: children drop to www-data
    modules = [("mpm_event", "mod_mpm_event.so"), ("authz_core", "mod_authz_core.so"),
               ("rewrite", "mod_rewrite.so"), ("alias", "mod_alias.so")]
    return "\n".join([
        f"ServerRoot {tmp}", f"DefaultRuntimeDir {tmp}", f"PidFile {tmp}/httpd.pid",
        *(f"LoadModule {name}_module {APACHE_MODULES / so}" for name, so in modules), *user,
        f"Listen 127.0.0.1:{port}", "ServerName localhost", f"ErrorLog {tmp}/error.log", "LogLevel warn",
        f"DocumentRoot {tmp}/htdocs", f"<VirtualHost 127.0.0.1:{port}>", "    ServerName legacy",
        *(f"    {line}" for line in vhost),
        "    RewriteEngine On", "    RewriteRule ^ - [R=404,L]",  # what the lines do not handle: 404, as nginx's
        "</VirtualHost>", ""])


def apache_check(tmp: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`apache2 -t` of tmp/httpd.conf (`env`: more environment, which `${NAME}` in a config reads)."""
    return subprocess.run([APACHE, "-t", "-f", str(tmp / "httpd.conf")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@contextmanager
def apache_serving(tmp: Path, vhost: list[str], env: dict | None = None):
    """A private Apache (one process, -X) on a free loopback port, `env` added to its
    environment; yields the port. Fails the test with Apache's own message when `apache2 -t`
    refuses the configuration or warns of an undefined `${NAME}`."""
    if not APACHE or not APACHE_MODULES.is_dir():
        pytest.fail("apache2 is not installed: run the tests with `make test` (scripts/system-deps.sh installs it)")
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "htdocs").mkdir(exist_ok=True)
    port = closed_port()
    (tmp / "httpd.conf").write_text(apache_conf(tmp, port, vhost), encoding="utf-8")
    checked = apache_check(tmp, env)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "AH00111" not in checked.stderr, checked.stderr  # "Config variable ${...} is not defined"
    with _running([APACHE, "-X", "-f", str(tmp / "httpd.conf")], port, "apache2", tmp / "error.log", env) as port:
        yield port
