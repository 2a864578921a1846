"""URL helpers shared with transform (one definition of a canonical URL, one reading of a URL),
and the crawl's own checks of where a request really goes."""
from __future__ import annotations

from twisted.web.client import URI
from w3lib.url import safe_url_string

from portalize.transform.urls import canonical_url, host_of, refusal as canonical_refusal
from portalize.transform.weburl import DEFAULT_PORTS, Target, UnsafeURL, normal_host, parse, shown, target_of

__all__ = ["canonical_url", "canonical_refusal", "host_of", "Target", "UnsafeURL", "parse", "shown", "target_of",
           "allowed_targets", "wire_target"]


def wire_target(url: str) -> Target:
    """Where a request for `url` connects: the WHATWG reading (transform.weburl.parse, which
    also checks urllib's), checked against Twisted's own reading of the bytes it is handed
    (twisted.web.client.URI, what Scrapy's HTTP/1.1 handler connects with) of the URL as
    Scrapy sends it (w3lib's safe_url_string). Raises UnsafeURL."""
    target = parse(url).target
    try:
        uri = URI.fromBytes(safe_url_string(url).encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        raise UnsafeURL(f"{shown(url)} is not plain ASCII as sent: refused") from None
    twisted = Target(uri.scheme.decode("ascii").lower(), normal_host(uri.host.decode("ascii")), uri.port)
    if twisted != target:
        raise UnsafeURL(f"{shown(url)} is read as {target} by WHATWG rules but as {twisted} by Twisted: refused")
    return target


def allowed_targets(base_urls, hosts, exact_only=()) -> frozenset[Target]:
    """Where a crawl may send requests: each base URL's scheme, host and port, and each host on
    the default http and https ports, except the hosts in `exact_only` (internal addresses of a
    test site, `--origin` addresses), which are reached on the ports their base URLs name, no
    other."""
    exact = {normal_host(h) for h in exact_only if h}
    allowed = {t for t in (target_of(u) for u in base_urls) if t}
    for host in hosts:
        host = normal_host(host)
        if host and host not in exact:
            allowed.update(Target(scheme, host, port) for scheme, port in DEFAULT_PORTS.items())
    return frozenset(allowed)
