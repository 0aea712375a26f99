"""The floor `bench/wire.py` measures gbdsp against: a bare HTTP echo on the same stack.

`POST /bench/echo` answers the request's own body, through the same uvicorn, Starlette
routing and middleware as DUIS, with no parsing, database or signing. It exists only when
$GBDSP_BENCH_ECHO is 1 in the server's environment, which normal serving never sets.
"""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

ENV = "GBDSP_BENCH_ECHO"
PATH = "/bench/echo"


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/xml")


def routes() -> list[BaseRoute]:
    """The echo route if the bench asked for it, else none."""
    return [Route(PATH, _echo, methods=["POST"])] if os.environ.get(ENV) == "1" else []
