"""Leases: which process is doing a piece of work (applying a plan, crawling an agency), so a
second one started meanwhile says who holds it instead of undoing it. A lease is a short text
kept in the ledger, `PID@HOST@SINCE`; a lease whose process is gone (killed, machine restarted)
is taken over, which is how a stopped run resumes."""
from __future__ import annotations

import datetime as dt
import os
import socket


def mine() -> str:
    since = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return f"{os.getpid()}@{socket.gethostname()}@{since}"


def _parts(lease: str) -> tuple[int, str, str] | None:
    try:
        pid, host, since = lease.split("@", 2)
        return int(pid), host, since
    except (AttributeError, ValueError):
        return None


def held(lease: str | None) -> bool:
    """Whether the process named by the lease still runs. On another machine this cannot be
    checked: the lease counts as held (`--break-lease` clears it)."""
    parts = _parts(lease or "")
    if parts is None:
        return False
    pid, host, _ = parts
    if host != socket.gethostname():
        return True
    if pid == os.getpid():
        return False  # this very process: its own earlier step
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(lease: str) -> str:
    parts = _parts(lease)
    if parts is None:
        return "another process"
    pid, host, since = parts
    return f"pid {pid} on {host} since {since}"
