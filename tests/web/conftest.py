"""Real HTTP servers on loopback for web tests (uvicorn in a thread, a free port each)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from gbdsp.web.clients import UVICORN_OPTIONS


@contextmanager
def serve(asgi: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `asgi` on `host` until the block ends; yields the base URL."""
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(asgi, log_level="warning", lifespan="on", **UVICORN_OPTIONS)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
