"""Where the DUIS endpoints run the gateway (`[server] gateway_threads`, docs/duis-gateway.md)."""

from __future__ import annotations

import asyncio
import threading

from gbdsp.web.app import AUTO_THREADS, gateway_runner


def _where(threads: int) -> tuple[threading.Thread, threading.Thread]:
    async def run() -> tuple[threading.Thread, threading.Thread]:
        call = gateway_runner(threads)
        ran_on = await call(threading.current_thread)
        return threading.current_thread(), ran_on  # type: ignore[return-value]

    return asyncio.run(run())


def test_no_threads_runs_the_gateway_on_the_event_loop() -> None:
    loop_thread, ran_on = _where(0)
    assert ran_on is loop_thread


def test_a_pool_runs_the_gateway_off_the_event_loop() -> None:
    loop_thread, ran_on = _where(2)
    assert ran_on is not loop_thread


def test_sqlite_runs_on_the_loop_and_postgresql_on_threads_by_default() -> None:
    assert AUTO_THREADS == {"sqlite": 0, "postgresql": 4}
