"""Request bodies are read against a limit as they stream in: a flood is refused with 413
as soon as it passes the limit (or at once when its Content-Length says so), never
buffered whole."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def buffered(request: Request, limit: int) -> Request | None:
    """The same request with its body read (within `limit`), so form and JSON parsing
    work from memory; None when the body is too large."""
    body = await read_limited(request, limit)
    if body is None:
        return None
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)
