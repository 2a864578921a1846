"""The marker a portal without upsert by external key keeps in each item's body:
`<!-- portalize:item UID DIGEST CHECK -->`. UID says which item it is; DIGEST which planned
fields it was written from; CHECK is a hash of the title and body as written, so an item
edited on the portal no longer vouches for its DIGEST. Pure."""
from __future__ import annotations

import hashlib
import re

MARKER = re.compile(r"\n?<!-- portalize:item (\S+) (\S+) (\S+) -->\s*$")


def check(title: str, content: str) -> str:
    return hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()[:16]


def marked(key: str, digest: str, title: str, content: str) -> str:
    """The body to send: the content, then the marker."""
    return f"{content}\n<!-- portalize:item {key} {digest} {check(title, content)} -->"


def read_marker(title: str | None, body: str | None) -> tuple[str | None, str | None]:
    """(key, digest) from a stored body; digest None when the title or body changed since."""
    found = MARKER.search(body or "")
    if not found:
        return None, None
    intact = check(title or "", (body or "")[:found.start()]) == found.group(3)
    return found.group(1), (found.group(2) if intact else None)
