"""How `gbdsp serve` runs uvicorn: httptools and uvloop, TCP_NODELAY on every connection.

The stack: uvicorn's httptools parser on a uvloop event loop, several times cheaper per
request than h11 on asyncio (bench/wire.py prints the echo floor of each).

TCP_NODELAY, why: with `--workers N` uvicorn binds the listening socket itself as
`socket.socket(family)`, whose `proto` is 0, and asyncio only sets TCP_NODELAY on sockets
whose proto is IPPROTO_TCP. The response headers and body then leave in two writes, Nagle
holds the second until the client's delayed ACK (about 40 ms), and one keep-alive DUIS
connection is capped at about 21 requests a second. Setting the option on each connection
fixes every way uvicorn binds, on either event loop.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def set_no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY on its connection (module level: the worker
    processes unpickle the config by reference). The SMKI listener's."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_no_delay(transport)
        super().connection_made(transport)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with TCP_NODELAY on its connection: every `gbdsp serve`
    worker's."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_no_delay(transport)
        super().connection_made(transport)


SERVE_OPTIONS: dict[str, Any] = {
    "http": NoDelayHttpToolsProtocol,
    "loop": "auto",
}
"""How `gbdsp serve` runs uvicorn, with one worker or many ("auto": uvloop, a dependency
wherever it builds, else asyncio). The access log is `[server] access_log`, off by default:
its formatted line a request on stderr was about 9% of a busy worker's time holding the GIL
(py-spy, bench/wire.py's load), and it said nothing the gateway does not keep: every DUIS
request is an audit row, every HTTP request is counted by path and status in /metrics
(`gbdsp_http_requests`)."""
