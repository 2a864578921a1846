"""One reading of a web URL for every decision the crawl makes.

A URL is read by WHATWG rules (ada_url, the parser browsers follow) and by Python's urllib,
which Scrapy and Twisted connect with, both on the text itself and on the text Scrapy will
really request (w3lib's `safe_url_string` of it). When the readings name different hosts,
ports or schemes (`http://127.0.0.1:9198\\@unit-host/` is 127.0.0.1:9198 to WHATWG and
unit-host to urllib), the URL is refused: a check made on one reading would be worthless for
a request made on the other. Pure: no I/O.
"""
from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import urlsplit

import ada_url
from w3lib.url import safe_url_string

DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class UnsafeURL(ValueError):
    """A URL no crawl requests; the message says why."""


class Target(NamedTuple):
    """Where a request goes: scheme, host (lower case, IDNA ASCII, IPv6 without brackets) and
    port (the scheme's default when none is written)."""
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


class WebURL(NamedTuple):
    href: str  # the WHATWG serialisation
    target: Target


def shown(url: str) -> str:
    """A URL as it can be printed or stored: control characters and spaces percent-encoded."""
    return _CONTROL.sub(lambda m: f"%{ord(m[0]):02X}", str(url))


def normal_host(host: str) -> str:
    """A host name as the readings are compared: lower case, IDNA ASCII, IPv6 canonical."""
    host = host.strip("[]").lower()
    if not host.isascii():
        try:
            host = ada_url.idna_to_ascii(host).decode("ascii")
        except (ValueError, UnicodeError):
            return host
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            return host
    return host


def urllib_target(url: str) -> Target | None:
    """How urllib (Scrapy, Twisted) reads a URL's scheme, host and port; None when it reads a
    user name or password, or no valid port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return Target(scheme, normal_host(parts.hostname), port if port is not None else DEFAULT_PORTS[scheme])


def parse(url: str) -> WebURL:
    """The WHATWG reading of an absolute http(s) URL, when every other reading agrees with it.
    Raises UnsafeURL: not a URL, another scheme, a user name or password, or a host, port or
    scheme that urllib reads differently (in the text, or in what Scrapy will request)."""
    try:
        parsed = ada_url.URL(url)
    except (ValueError, TypeError):
        raise UnsafeURL(f"{shown(url)} is not a valid URL") from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL(f"{shown(url)} is not an http(s) URL")
    if parsed.username or parsed.password or "@" in parsed.host:
        raise UnsafeURL(f"{shown(url)} carries a user name or password")
    target = Target(scheme, normal_host(parsed.hostname), int(parsed.port) if parsed.port else DEFAULT_PORTS[scheme])
    sent = safe_url_string(url)
    if not sent.isascii():  # w3lib could not write its host in IDNA: no request can carry it
        raise UnsafeURL(f"{shown(url)} has a host that cannot be written in ASCII (IDNA)")
    for reading in (url, sent):
        other = urllib_target(reading)
        if other != target:
            seen = str(other) if other else _described(reading)
            raise UnsafeURL(f"{shown(url)} is read as {target} by WHATWG rules but as {seen} by the crawler's "
                            "URL parser: refused")
    return WebURL(parsed.href, target)


def _described(url: str) -> str:
    """urllib's reading of a URL it gives no plain target for, in words."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc} (host {parts.hostname!r}, with user information)" \
            if "@" in parts.netloc else f"{parts.scheme}://{parts.netloc} (no valid host or port)"
    except ValueError as exc:
        return f"an invalid URL ({exc})"


def target_of(url: str) -> Target | None:
    """Where a request for this URL goes, or None for a URL that is refused."""
    try:
        return parse(url).target
    except UnsafeURL:
        return None


def host_of(url: str | None) -> str:
    """The host a URL names, by WHATWG rules ("" for none or an invalid URL)."""
    try:
        return normal_host(ada_url.URL(url or "").hostname)
    except (ValueError, TypeError):
        return ""
