"""Starlette application factory. Start-up work lives in the lifespan, not at import."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from anyio import CapacityLimiter, to_thread
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gbdsp import __version__
from gbdsp.bootstrap import App, DatabaseError
from gbdsp.delivery import http
from gbdsp.delivery.http import AiohttpPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema
from gbdsp.duis.xml import MAX_MESSAGE_BYTES
from gbdsp.gateway.outcomes import Outcome, Stage
from gbdsp.gateway.pipeline import Gateway, HttpReply
from gbdsp.services import jobs as jobs_service
from gbdsp.services.jobs import OUTCOMES, JobLease, RunResult, Scheduler
from gbdsp.web import bench_echo, portal, ssi_api
from gbdsp.web.clients import is_loopback
from gbdsp.web.limits import read_limited

ACCEPTED_TYPES = ("application/xml", "text/xml")
AUTO_THREADS = {"sqlite": 0, "postgresql": 4}
"""`[server] gateway_threads = 0`: SQLite runs each request on the event loop (0 threads), as
its statements take microseconds and one transaction writes at a time, so a thread only
adds the hand-off and GIL churn (docs/scaling.md); PostgreSQL uses 4, to overlap its network
waits. Each thread (the loop's included) holds its own compiled schema."""
log = logging.getLogger("gbdsp.web")

GatewayCall = Callable[..., Awaitable[HttpReply]]


def gateway_runner(threads: int) -> GatewayCall:
    """How the DUIS endpoints run the (synchronous) gateway: on the event loop's own thread
    (`threads` 0), or on a pool of that many threads."""
    if threads == 0:

        async def on_loop(call: Callable[..., HttpReply], *args: object) -> HttpReply:
            return call(*args)

        return on_loop
    limiter = CapacityLimiter(threads)

    async def on_pool(call: Callable[..., HttpReply], *args: object) -> HttpReply:
        return await to_thread.run_sync(call, *args, limiter=limiter)

    return on_pool


class Metrics:
    """One registry per app, so two apps in one process (tests) never share counters."""

    def __init__(self, read_leases: Callable[[], list[JobLease]] | None = None) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        if read_leases is not None:
            self.registry.register(JobMetrics(read_leases))
        self.job_seconds = Histogram(
            "gbdsp_job_run_seconds",
            "Periodic job runs done by this worker, by duration",
            ["job", "outcome"],
            registry=self.registry,
            buckets=(0.1, 1, 10, 60, 300, 1800, 3600, 7200),
        )
        self.requests = Counter(
            "gbdsp_http_requests",
            "HTTP requests served",
            ["path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gbdsp_http_request_seconds", "HTTP request latency", ["path"], registry=self.registry
        )
        self.outcomes = Counter(
            "gbdsp_duis_outcomes",
            "DUIS requests by stage and code",
            ["stage", "code"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "gbdsp_outbox_deliveries",
            "Outbox delivery attempts",
            ["result"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "gbdsp_http_refusals",
            "HTTP answers of 400 and above, by "
            "door (duis, ssi-api, portal, metrics, other) and status",
            ["door", "status"],
            registry=self.registry,
        )

    def count_outcome(self, outcome: Outcome) -> None:
        self.outcomes.labels(outcome.stage.value, outcome.code).inc()

    def count_delivery(self, ok: bool) -> None:
        self.deliveries.labels("delivered" if ok else "failed").inc()

    def count_job(self, result: RunResult) -> None:
        self.job_seconds.labels(result.job, result.outcome).observe(result.seconds)


class JobMetrics:
    """The periodic jobs as the database records them, so every worker answers the same
    whichever of them ran the job (read at each scrape: one small query)."""

    def __init__(self, read_leases: Callable[[], list[JobLease]]) -> None:
        self.read_leases = read_leases

    def describe(self) -> Iterator[Metric]:
        return iter(self._families()[0])

    def collect(self) -> Iterator[Metric]:
        families, (success, runs, duration, next_run, leased) = self._families()
        try:
            leases = self.read_leases()
        except DatabaseError:
            return iter(())  # /health says the database is away; /metrics still answers
        for lease in leases:
            if lease.last_success is not None:
                success.add_metric([lease.name], lease.last_success.timestamp())
            for outcome in (*OUTCOMES, "lost"):
                runs.add_metric([lease.name, outcome], getattr(lease, f"runs_{outcome}"))
            if lease.last_duration_seconds is not None:
                duration.add_metric([lease.name], lease.last_duration_seconds)
            next_run.add_metric([lease.name], lease.next_run.timestamp())
            leased.add_metric([lease.name], float(lease.leased_by is not None))
        return iter(families)

    @staticmethod
    def _families() -> tuple[
        list[Metric],
        tuple[
            GaugeMetricFamily,
            CounterMetricFamily,
            GaugeMetricFamily,
            GaugeMetricFamily,
            GaugeMetricFamily,
        ],
    ]:
        named = (
            GaugeMetricFamily(
                "gbdsp_job_last_success_timestamp_seconds",
                "When the job last finished without error",
                labels=["job"],
            ),
            CounterMetricFamily(
                "gbdsp_job_runs",
                "Job runs by outcome, all workers (lost: the runner died and its lease expired)",
                labels=["job", "outcome"],
            ),
            GaugeMetricFamily(
                "gbdsp_job_last_duration_seconds",
                "How long the job's last finished run took",
                labels=["job"],
            ),
            GaugeMetricFamily(
                "gbdsp_job_next_run_timestamp_seconds", "When the job is next due", labels=["job"]
            ),
            GaugeMetricFamily(
                "gbdsp_job_leased", "1 while a runner holds the job's lease", labels=["job"]
            ),
        )
        return list(named), named


def create_app(
    app: App, *, relay: bool = True, relay_policy: RelayPolicy | None = None, jobs: bool = False
) -> Starlette:
    """`jobs`: run the periodic jobs of `[jobs]` (docs/jobs.md) in this process; `gbdsp
    serve` does, apps built by tests on a hand-moved clock do not unless they ask."""
    metrics = Metrics(lambda: jobs_service.leases(app.store))
    relay_policy = relay_policy or RelayPolicy()
    threads = app.config.server.gateway_threads or AUTO_THREADS.get(app.store.backend, 4)
    run_gateway = gateway_runner(threads)
    wake = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Gateway]]:
        """Builds the gateway and runs the relay (and jobs); the gateway reaches requests
        through the lifespan state (`request.state.gateway`)."""
        loop = asyncio.get_running_loop()

        def wake_relay() -> None:  # called from gateway threads
            loop.call_soon_threadsafe(wake.set)

        schema.validator()  # compile once at start-up; fail fast if the schema is broken
        gateway = app.gateway(on_outcome=metrics.count_outcome, on_enqueued=wake_relay)
        async with http.session() as session:
            tasks = []
            if relay:
                worker = Relay(
                    app.store,
                    app.clock,
                    AiohttpPoster(session, relay_policy),
                    on_result=metrics.count_delivery,
                    mail=app.config.mail,
                )
                tasks.append(asyncio.create_task(worker.run(wake)))
            if jobs:
                scheduler = Scheduler(app.job_context(), on_result=metrics.count_job)
                tasks.append(asyncio.create_task(scheduler.run()))
            try:
                yield {"gateway": gateway}
            finally:
                for task in tasks:  # the scheduler lets a running job finish its batch
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def health(request: Request) -> Response:
        """Up only if the database answers, its last write did not fail, and (SQLite) the
        data directory's disk has room: a full disk or a refused write shows here."""
        reachable = await run_in_threadpool(app.store.reachable)
        failure = app.store.write_failure
        free_mb = shutil.disk_usage(app.data_dir).free // 2**20
        disk_ok = app.store.backend != "sqlite" or free_mb >= app.config.server.min_free_disk_mb
        ok = reachable and failure is None and disk_ok
        body: dict[str, object] = {
            "status": "ok" if ok else "unavailable",
            "version": __version__,
            "database": app.store.backend,
            "reachable": reachable,
            "writes": "ok" if failure is None else f"failing: {failure.reason}",
            "disk_free_mb": free_mb,
        }
        return JSONResponse(
            body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
        )

    async def metrics_endpoint(request: Request) -> Response:
        """Loopback clients only, unless `[server] metrics_token` is set: then a bearer
        token from anywhere (the peer address decides, never a header)."""
        expected = app.config.server.metrics_token
        if expected:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return PlainTextResponse(
                    "/metrics needs its bearer token\n", 401, headers={"WWW-Authenticate": "Bearer"}
                )
        elif not is_loopback(request):
            return PlainTextResponse(
                "/metrics answers loopback clients only (set [server] "
                "metrics_token to reach it from elsewhere)\n",
                403,
            )
        body = await run_in_threadpool(generate_latest, metrics.registry)  # reads the jobs
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    def duis_endpoint(web_service: WebService) -> Route:
        async def endpoint(request: Request) -> Response:
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            gateway: Gateway = request.state.gateway
            if content_type not in ACCEPTED_TYPES:
                reply = await run_gateway(
                    gateway.refuse,
                    web_service,
                    Stage.MEDIA_TYPE,
                    "DUIS messages are sent as application/xml",
                )
            elif (body := await read_limited(request, MAX_MESSAGE_BYTES)) is None:
                reply = await run_gateway(
                    gateway.refuse,
                    web_service,
                    Stage.SIZE,
                    f"message exceeds the {MAX_MESSAGE_BYTES}-byte limit",
                )
            else:
                reply = await run_gateway(gateway.handle, web_service, body)
            return Response(reply.body, reply.status, media_type=reply.content_type)

        return Route(web_service.value, endpoint, methods=["POST"])

    routes: list[BaseRoute] = [
        Route("/health", health),
        Route("/metrics", metrics_endpoint),
        *(duis_endpoint(ws) for ws in WebService),
        *ssi_api.routes(app),
        *portal.routes(app),
        *bench_echo.routes(),  # bench/wire.py's floor; absent unless its variable is set
    ]
    web = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(
                RequestMetrics, metrics=metrics, paths={getattr(r, "path", "") for r in routes}
            ),
            Middleware(NoStore),
        ],
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
            if status >= 400:
                self.metrics.refusals.labels(door_of(scope["path"]), str(status)).inc()


def door_of(path: str) -> str:
    """Which door a request came through (a few fixed labels, whatever the path)."""
    if path.startswith("/api/"):
        return "duis"
    if path.startswith("/ssi/api/"):
        return "ssi-api"
    if path.startswith("/ssi"):
        return "portal"
    return path.strip("/") if path in ("/metrics", "/health") else "other"


class NoStore:
    """`Cache-Control: no-store` on every SSI answer (API and portal pages, redirects after
    sign-in included) that has not set its own: they carry personal data, install codes or
    session cookies. Only the portal's static files may be cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/ssi") or path.startswith("/ssi/static/"):
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)
