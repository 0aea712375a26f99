"""Many runs of one scenario: N seeds, each through every rule set, spread over processes.

A run is a pure function of (scenario, seed): the fleet's draws come from streams named
after the seed, so the same seeds give the same figures whichever process (or machine) runs
them, in whatever order. `run_all` takes any `concurrent.futures.Executor`: a process pool
here, or a Dask distributed client's executor for a cluster (`gbdsp[cluster]`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING

import numpy as np

from gbdsp.sim import engine, fleet
from gbdsp.sim.fleet import Array
from gbdsp.sim.metrics import BY_NAME, METRICS
from gbdsp.sim.rules import Decisions
from gbdsp.sim.scenario import Scenario

if TYPE_CHECKING:
    from gbdsp.sim.from_smi import Snapshot

BANDS = (5.0, 50.0, 95.0)
"""The percentiles every figure is shown with: 5-95% band and the median."""

Daily = list[dict[str, Array]]
"""One seed's result: per rule set, metric -> daily values."""


def one_seed(
    scenario: Scenario, seed: int, snapshot: Snapshot | None = None, workers: int = 1
) -> Daily:
    """Every rule set through the fleet of `seed` (runs in a worker). With `workers` > 1
    the rule sets run in forked processes that share the built fleet (copy-on-write: one
    fleet in memory, one engine's state per process)."""
    chosen = scenario.scaled(seed=seed)
    built = fleet.build(chosen, snapshot)
    count = min(workers, len(chosen.ruleset))
    if count <= 1 or "fork" not in get_all_start_methods():
        return [engine.run_ruleset(built, r) for r in chosen.ruleset]
    global _SHARED
    _SHARED = built
    try:
        with get_context("fork").Pool(count) as pool:
            return pool.map(_run_shared, range(len(chosen.ruleset)), chunksize=1)
    finally:
        _SHARED = None


_SHARED: fleet.Fleet | None = None
"""The fleet forked workers read (set only while `one_seed` runs them)."""


def _run_shared(index: int) -> dict[str, Array]:
    assert _SHARED is not None
    return engine.run_ruleset(_SHARED, _SHARED.scenario.ruleset[index])


@dataclass
class Outcome:
    """N seeds' daily figures, stacked: `daily[r][metric]` is (runs, days)."""

    scenario: Scenario
    seeds: list[int]
    daily: list[dict[str, Array]]
    scale: float = 1.0
    """The run's share of the scenario's fleet (`--scale`)."""
    snapshot: Snapshot | None = None
    """The SMI the fleet started from (`--from-smi`), if it did."""

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.scenario.ruleset]

    @property
    def days(self) -> int:
        return int(self.daily[0][METRICS[0].name].shape[1])

    def first_run(self) -> Outcome:
        """The first seed's run alone."""
        return Outcome(
            self.scenario,
            self.seeds[:1],
            [{k: v[:1] for k, v in per.items()} for per in self.daily],
            self.scale,
            self.snapshot,
        )

    def decisions(self, index: int) -> Decisions:
        return Decisions.of(self.scenario.ruleset[index], self.scenario.scenario.start)

    def totals(self, index: int, metric: str) -> Array:
        """Per run: the total over the period (a level: its last value)."""
        values = self.daily[index][metric]
        return values[:, -1] if BY_NAME[metric].level else values.sum(axis=1)

    def level_sum(self, index: int, metric: str) -> Array:
        """Per run: a level summed over the days (unit-days, e.g. CH-days in stock)."""
        return np.asarray(self.daily[index][metric].sum(axis=1))

    def series(self, index: int, metric: str) -> Array:
        """Per run and day: a flow's running total, or a level as it is."""
        values = self.daily[index][metric]
        return values if BY_NAME[metric].level else np.asarray(np.cumsum(values, axis=1))


def band(values: Array) -> tuple[float, float, float]:
    """5%, median and 95% of one figure across runs (a single run: the figure three times)."""
    low, mid, high = np.percentile(np.asarray(values, np.float64), BANDS)
    return float(low), float(mid), float(high)


def seeds_for(scenario: Scenario, runs: int) -> list[int]:
    """The seeds of `runs` runs: the scenario's seed, then the next ones."""
    return [scenario.scenario.seed + i for i in range(runs)]


def run_all(
    scenario: Scenario,
    seeds: Sequence[int],
    executor: Executor | None = None,
    on_done: Callable[[], None] | None = None,
    scale: float = 1.0,
    snapshot: Snapshot | None = None,
    workers: int = 1,
) -> Outcome:
    """Every seed through every rule set, stacked in seed order. Without an executor the
    seeds run here, each with its rule sets over `workers` forked processes."""
    results: dict[int, Daily] = {}
    if executor is None:
        for seed in seeds:
            results[seed] = one_seed(scenario, seed, snapshot, workers)
            if on_done is not None:
                on_done()
    else:
        futures = {executor.submit(one_seed, scenario, seed, snapshot): seed for seed in seeds}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done is not None:
                on_done()
    return Outcome(
        scenario,
        list(seeds),
        stack([results[s] for s in seeds], len(scenario.ruleset)),
        scale,
        snapshot,
    )


def stack(results: Sequence[Daily], rulesets: int) -> list[dict[str, Array]]:
    """Seeds' results as (runs, days) arrays per rule set and metric."""
    return [
        {m.name: np.stack([one[r][m.name] for one in results]) for m in METRICS}
        for r in range(rulesets)
    ]


def local_executor(runs: int, workers: int | None = None) -> ProcessPoolExecutor | None:
    """A process pool over the machine's cores (None: one run, or one core, runs here)."""
    count = min(runs, workers or os.cpu_count() or 1)
    if count <= 1:
        return None
    return ProcessPoolExecutor(count, mp_context=get_context("spawn"))
