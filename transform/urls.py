"""Canonical URLs per site: one document, one URL, however many links reach it."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url


def canonical_url(url: str, drop_params=()) -> str:
    parts = urlsplit(url.strip())
    drop = set(drop_params)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    rebuilt = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def matches_any(url: str, patterns) -> bool:
    return any(re.search(p, url) for p in patterns)


def uid_for(agency: str, url: str) -> str:
    """Stable id of a migrated item: agency code + a hash of its canonical legacy URL."""
    return f"{agency}-{hashlib.sha1(url.encode()).hexdigest()[:12]}"
