"""Name resolution that refuses internal addresses, checked on the address the crawler will
really connect to.

A legacy host name that resolves to a private, loopback, link-local, multicast or reserved
address (a hostile DNS answer, or a name re-pointed between two look-ups: DNS rebinding) is
refused at resolution time. The connection then uses the very address that was checked, so
there is no second look-up to race. Host names the run allows (an agency that says
`local_test_host: true`, and every `--origin` address) are registered by the spider.
"""
from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from portalize.core.addresses import internal_address

# Host names allowed to resolve to internal addresses in this process (lower case).
_ALLOWED: set[str] = set()
# Why a host name was refused (Twisted reports any resolver failure as "no results for
# hostname lookup"; the spider puts this reason in the page's record instead).
_REFUSED: dict[str, str] = {}


def allow_internal(hosts) -> None:
    """Let these host names resolve to internal addresses (test sites, `--origin` targets)."""
    _ALLOWED.update(h.lower().strip("[]") for h in hosts if h)


class InternalAddressRefused(DNSLookupError):
    pass


def refusal(name: str) -> str | None:
    """Why this host name's address was refused in this process, if it was."""
    return _REFUSED.get(name.lower().strip("[]"))


def check_address(address: str, name: str) -> str:
    key = name.lower().strip("[]")
    if key not in _ALLOWED and internal_address(address):
        _REFUSED[key] = (f"{name} resolves to {address}, a private, loopback or link-local address: refused "
                         f"(a copy of the site on this network is reached with --origin {name}=http://ADDRESS:PORT; "
                         f"a test site says `local_test_host: true` in its agency file)")
        raise InternalAddressRefused(_REFUSED[key])
    return address


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with every answer (cached or fresh) checked."""

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        return super().getHostByName(name, timeout).addCallback(check_address, name)
