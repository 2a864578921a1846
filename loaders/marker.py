"""The marker a portal without upsert by external key keeps in each item's body:
`<!-- portalize:item UID DIGEST CHECK run=RUN -->`. UID says which item it is; DIGEST which
planned fields it was written from; CHECK is a hash of the title and body as written, so an item
edited on the portal no longer vouches for its DIGEST; RUN (when apply gave one) the apply run
that wrote it, so a ledger can tell whether it knows the portal's latest writes. Pure."""
from __future__ import annotations

import hashlib
import re

MARKER = re.compile(r"\n?<!-- portalize:item (\S+) (\S+) (\S+)(?: run=([0-9A-Za-z_-]+))? -->\s*$")


def check(title: str, content: str) -> str:
    return hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()[:16]


def marked(key: str, digest: str, title: str, content: str, run: str | None = None) -> str:
    """The body to send: the content, then the marker."""
    tail = f" run={run}" if run else ""
    return f"{content}\n<!-- portalize:item {key} {digest} {check(title, content)}{tail} -->"


def read_marker(title: str | None, body: str | None) -> tuple[str | None, str | None]:
    """(key, digest) from a stored body; digest None when the title or body changed since."""
    found = MARKER.search(body or "")
    if not found:
        return None, None
    intact = check(title or "", (body or "")[:found.start()]) == found.group(3)
    return found.group(1), (found.group(2) if intact else None)


def marker_run(body: str | None) -> str | None:
    """The apply run named by a stored body's marker (kept when the item was edited since)."""
    found = MARKER.search(body or "")
    return found.group(4) if found else None
