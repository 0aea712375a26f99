"""Runs on a Dask distributed cluster (the optional extra `gbdsp[cluster]`).

The same `batch.one_seed` runs on the cluster's workers through the client's
`concurrent.futures` executor, so a seed gives the same figures there as here.
`local:N` starts a cluster of N worker processes on this machine; anything else is the
address of a running scheduler (`tcp://host:8786`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from gbdsp.sim.scenario import ScenarioError


@contextmanager
def executor(address: str, timeout: float = 30.0) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError(
            "--cluster needs the optional extra: pip install 'gbdsp[cluster]' (Dask distributed)"
        ) from None
    if address.startswith("local:"):
        try:
            workers = int(address.removeprefix("local:"))
        except ValueError:
            workers = 0
        if not 1 <= workers <= 256:
            raise ScenarioError(f"--cluster {address}: local:N takes 1 to 256 workers")
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()
        return
    try:
        client = Client(address, timeout=timeout)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as e:
        raise ScenarioError(
            f"--cluster {address}: cannot reach a Dask scheduler there ({e})"
        ) from None
    with client:
        yield client.get_executor()  # type: ignore[no-untyped-call]
