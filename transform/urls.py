"""Canonical URLs per site: one document, one URL, however many links reach it."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url


# Session ids never change a page: Java (jsessionid), PHP, classic ASP, Oracle ADF, generic.
# In paths: `;jsessionid=`, ASP.NET cookieless sessions `/(S(...))`, and WebSphere Portal's
# navigational state `/!ut/p/...` (a new URL for the same page from every page that links it).
SESSION_PARAMS = re.compile(r"^(jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid\w*|_afrloop|"
                            r"_afrwindowmode|_afrwindowid|_adf\.ctrl-state|cfid|cftoken)$", re.I)
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*|/\(S\([a-z0-9]+\)\)|/!ut/p/.*$", re.I)


def canonical_url(url: str, drop_params=()) -> str:
    """One URL per document: lower-case scheme and host, no fragment, no session ids, the
    site's meaningless parameters dropped, the rest sorted."""
    return _canonical(url, tuple(drop_params))


@lru_cache(maxsize=200_000)  # menus and pagers repeat the same links on every page
def _canonical(url: str, drop_params: tuple) -> str:
    parts = urlsplit(url.strip())
    drop = set(drop_params)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in drop and not SESSION_PARAMS.match(k)]
    path = _PATH_SESSION.sub("", parts.path) or "/"
    rebuilt = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def uid_for(agency: str, url: str) -> str:
    """Stable id of a migrated item: agency code + a hash of its canonical legacy URL."""
    return f"{agency}-{hashlib.sha1(url.encode()).hexdigest()[:12]}"
