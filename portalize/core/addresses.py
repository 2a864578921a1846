"""Which hosts are never a unit's public site: the crawl's redirect guard and the registry's
check of base URLs share this one rule."""
from __future__ import annotations

import ipaddress


def internal_address(host: str) -> bool:
    """localhost, or an IPv4 or IPv6 address (IPv4-mapped included) that is private, loopback,
    link-local, multicast, reserved or unspecified."""
    host = host.strip("[]").lower().rstrip(".")  # `localhost.`: the same name, fully qualified
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified)
