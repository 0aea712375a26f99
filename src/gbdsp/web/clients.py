"""Who the client is: the peer address, or what a configured reverse proxy says it is.

`X-Forwarded-For` is believed only when the peer is one of `[server] trusted_proxies`;
then the right-most address that is not itself a trusted proxy is the client (entries to
its left were written by the client and prove nothing). uvicorn's own proxy-header
handling is off (`UVICORN_OPTIONS`), so a header never rewrites the peer behind our back.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from starlette.requests import HTTPConnection

UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False, "server_header": False}
"""How every gbdsp server runs uvicorn (`gbdsp serve` and the tests alike)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(t.strip(), strict=False) for t in trusted if t.strip())


def _is_in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_address(peer: str, forwarded_for: str, trusted: Sequence[str]) -> str:
    networks = _networks(tuple(trusted))
    if not networks or not _is_in(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_in(hop, networks):
            return hop[:64]
    return peer


def client_of(connection: HTTPConnection, trusted: Sequence[str]) -> str:
    peer = connection.client.host if connection.client else "unknown"
    return client_address(peer, connection.headers.get("x-forwarded-for", ""), trusted)


def is_loopback(connection: HTTPConnection) -> bool:
    """The peer itself (never a header) is on this machine."""
    peer = connection.client.host if connection.client else ""
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False
