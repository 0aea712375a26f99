"""How `gbdsp serve` runs uvicorn: every accepted connection gets TCP_NODELAY.

Why: with `--workers N` uvicorn binds the listening socket itself as `socket.socket(family)`,
whose `proto` is 0, and asyncio only sets TCP_NODELAY on sockets whose proto is IPPROTO_TCP.
The response headers and body then leave in two writes, Nagle holds the second until the
client's delayed ACK (about 40 ms), and one keep-alive DUIS connection is capped at about 21
requests a second. Setting the option on each connection fixes every way uvicorn binds.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def set_no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY on its connection (module level: the worker
    processes unpickle the config by reference)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_no_delay(transport)
        super().connection_made(transport)
