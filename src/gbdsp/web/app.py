"""Starlette application factory. Start-up work lives here, not at import."""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gbdsp import __version__
from gbdsp.bootstrap import App


class Metrics:
    """One registry per app, so two apps in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter("gbdsp_http_requests", "HTTP requests served",
                                ["path", "status"], registry=self.registry)
        self.latency = Histogram("gbdsp_http_request_seconds", "HTTP request latency",
                                 ["path"], registry=self.registry)


def create_app(app: App) -> Starlette:
    metrics = Metrics()

    def database_ok() -> bool:
        try:
            with app.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    async def health(request: Request) -> Response:
        ok = await run_in_threadpool(database_ok)
        body = {"status": "ok" if ok else "unavailable", "version": __version__,
                "database": app.store.backend}
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes = [Route("/health", health), Route("/metrics", metrics_endpoint)]
    web = Starlette(
        routes=routes,
        middleware=[Middleware(RequestMetrics, metrics=metrics, paths={r.path for r in routes})],
    )
    web.state.gbdsp = app
    return web


class RequestMetrics:
    """Counts and times every HTTP request (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, paths: set[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # Unknown paths share one label, so scanners cannot blow up the metric cardinality.
        path = scope["path"] if scope["path"] in self.paths else "other"
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.requests.labels(path, str(status)).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)
