"""The same seeds on a local two-process Dask cluster give the same figures as here."""

from __future__ import annotations

import numpy as np
import pytest

from gbdsp.sim import batch, cluster, examples
from gbdsp.sim.metrics import METRICS
from gbdsp.sim.scenario import ScenarioError


def test_a_local_two_process_cluster_equals_the_local_run() -> None:
    scenario = examples.get("mp121-install-codes").scenario().scaled(0.002)
    about = scenario.scenario.model_copy(update={"months": 4, "history_months": 6})
    scenario = scenario.model_copy(update={"scenario": about})
    seeds = batch.seeds_for(scenario, 3)
    here = batch.run_all(scenario, seeds)
    with cluster.executor("local:2") as pool:
        there = batch.run_all(scenario, seeds, pool)
    assert there.seeds == here.seeds
    for r in range(len(scenario.ruleset)):
        for m in METRICS:
            assert np.array_equal(here.daily[r][m.name], there.daily[r][m.name]), m.name
    assert here.totals(1, "requests").sum() > 0


def test_a_bad_local_cluster_size_is_refused() -> None:
    with (
        pytest.raises(ScenarioError, match="local:N takes 1 to 256"),
        cluster.executor("local:zero"),
    ):
        pass


def test_an_unreachable_scheduler_is_one_clear_error() -> None:
    with (
        pytest.raises(ScenarioError, match="cannot reach a Dask scheduler"),
        cluster.executor("tcp://127.0.0.1:9", timeout=1),
    ):
        pass
