"""How the relay POSTs a DUIS message to a User's receive-response endpoint.

`gbdsp serve` posts with aiohttp: with 50 POSTs in flight to one receiver it costs about
0.1 ms of CPU a message, where httpx's pool cost 1.7-1.9 ms (docs/scaling.md "Outbox
delivery"), and the relay shares its worker with the gateway. `HttpxPoster` is for callers
that route the POSTs somewhere other than a socket (the demo month's in-process receiver,
an ASGI or mock transport).

A Poster returns the receiver's HTTP status, or raises `PostFailed` (refused, reset, a bad
URL...); the relay bounds the whole attempt with its own deadline (delivery/relay.py).
"""

from __future__ import annotations

from typing import Protocol

import aiohttp
import httpx

XML = {"Content-Type": "application/xml"}


class PostFailed(Exception):
    """The message did not reach the receiver, or its answer did not come back."""


class Poster(Protocol):
    async def __call__(self, url: str, body: bytes) -> int: ...


class Deadlines(Protocol):
    """The relay's limits a poster applies (delivery/relay.py `RelayPolicy`)."""

    @property
    def timeout_seconds(self) -> float: ...

    @property
    def attempt_deadline(self) -> float: ...


class AiohttpPoster:
    """POSTs on one aiohttp session (keep-alive connections, at most 100 at once)."""

    def __init__(self, session: aiohttp.ClientSession, limits: Deadlines) -> None:
        self.session = session
        connect = limits.timeout_seconds
        self.timeout = aiohttp.ClientTimeout(
            total=limits.attempt_deadline, connect=connect, sock_connect=connect
        )

    async def __call__(self, url: str, body: bytes) -> int:
        try:
            # A redirect is the receiver's failure to take the message, as before: not followed.
            async with self.session.post(
                url, data=body, headers=XML, timeout=self.timeout, allow_redirects=False
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, ValueError) as e:  # ValueError: a URL it cannot use
            raise PostFailed(f"{type(e).__name__}: {e}") from e


class HttpxPoster:
    """POSTs on an httpx client, whose transport may be ASGI or a mock."""

    def __init__(self, client: httpx.AsyncClient, limits: Deadlines) -> None:
        self.client = client
        connect = limits.timeout_seconds
        self.timeout = httpx.Timeout(limits.attempt_deadline, connect=connect, pool=connect)

    async def __call__(self, url: str, body: bytes) -> int:
        try:
            response = await self.client.post(url, content=body, headers=XML, timeout=self.timeout)
        except httpx.HTTPError as e:
            raise PostFailed(f"{type(e).__name__}: {e}") from e
        return response.status_code


def session() -> aiohttp.ClientSession:
    """The relay's session. Proxies come from the environment (HTTP_PROXY, NO_PROXY), as
    they did when the relay used httpx."""
    return aiohttp.ClientSession()
