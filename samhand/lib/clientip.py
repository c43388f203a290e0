"""The client's address, taken from X-Forwarded-For only through trusted proxies.

SAMHAND_TRUSTED_PROXIES lists the networks (CIDRs) of the reverse proxies in front of
the node. A request whose peer is one of them may name the address it came from in
X-Forwarded-For; the header is read from the right (the hop the trusted proxy added)
and each hop is believed only while the one who wrote it is trusted. Without trusted
proxies, or from any other peer, the peer address itself is the client: X-Forwarded-For
is written by whoever sends the request.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values) -> tuple[Network, ...]:
    networks = []
    for value in values or ():
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"not an address or network (CIDR): {value!r}") from exc
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def _ip(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def is_trusted(address: str, networks) -> bool:
    ip = _ip(address or "")
    return ip is not None and any(ip in net for net in networks)


def client_address(remote_addr: str, forwarded_for: str, trusted: tuple[str, ...] | list[str]) -> str:
    """The client address for a request that came from ``remote_addr`` with that X-Forwarded-For."""
    networks = _networks(tuple(trusted or ()))
    address = (remote_addr or "").strip()
    if not networks or not is_trusted(address, networks):
        return address
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    while hops and is_trusted(address, networks):
        hop = hops.pop()
        if _ip(hop) is None:
            break  # garbage written before a trusted hop: the last trusted writer is what we know
        address = hop.strip("[]")
    return address
