"""Canonical URLs per site: one document, one URL, however many links reach it."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from . import weburl


# Session ids never change a page: Java (jsessionid), PHP, classic ASP, Oracle ADF, generic.
# In paths: `;jsessionid=`, ASP.NET cookieless sessions `/(S(...))`, and WebSphere Portal's
# navigational state `/!ut/p/...` (a new URL for the same page from every page that links it).
SESSION_PARAMS = re.compile(r"^(jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid\w*|_afrloop|"
                            r"_afrwindowmode|_afrwindowid|_adf\.ctrl-state|cfid|cftoken)$", re.I)
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*|/\(S\([a-z0-9]+\)\)|/!ut/p/.*$", re.I)


def canonical_url(url: str, drop_params=()) -> str | None:
    """One URL per document: lower-case scheme and host, no fragment, no session ids, the
    site's meaningless parameters dropped, the rest sorted. None for a URL no crawl requests
    (transform.weburl: not http(s), a user name or password, or parsers that disagree on its
    host, port or scheme); the result is always read alike by WHATWG rules and by urllib, and
    names the same host, port and scheme as `url` did."""
    return _canonical(url, tuple(drop_params))[0]


def refusal(url: str, drop_params=()) -> str | None:
    """Why canonical_url refuses this URL (None when it does not)."""
    return _canonical(url, tuple(drop_params))[1]


@lru_cache(maxsize=200_000)  # menus and pagers repeat the same links on every page
def _canonical(url: str, drop_params: tuple) -> tuple[str | None, str | None]:
    try:
        first = weburl.parse(url.strip())
    except weburl.UnsafeURL as exc:
        return None, str(exc)
    try:
        parts = urlsplit(url.strip())
        drop = set(drop_params)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in drop and not SESSION_PARAMS.match(k)]
        path = _PATH_SESSION.sub("", parts.path) or "/"
        rebuilt = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))
        result = canonicalize_url(rebuilt, keep_fragments=False)
    except ValueError as exc:  # urllib or w3lib cannot read it (a bracketed host with junk after it...)
        return None, f"{weburl.shown(url)} cannot be read as a URL ({exc}): refused"
    try:
        final = weburl.parse(result)
    except weburl.UnsafeURL as exc:
        return None, str(exc)
    if final.target != first.target:
        return None, f"{weburl.shown(url)} becomes {weburl.shown(result)} once written out: refused"
    return result, None


def host_of(url: str | None) -> str:
    """The host a URL names, by WHATWG rules (the reading every crawl decision uses)."""
    return weburl.host_of(url)


def uid_for(agency: str, url: str) -> str:
    """Stable id of a migrated item: agency code + a hash of its canonical legacy URL."""
    return f"{agency}-{hashlib.sha1(url.encode()).hexdigest()[:12]}"
