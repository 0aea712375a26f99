"""`--runs N`: bands over seeds, the same for the same seeds however the runs are spread."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from gbdsp.cli import cli
from gbdsp.sim import batch, examples
from gbdsp.sim.metrics import METRICS
from gbdsp.sim.scenario import Scenario


def _small(name: str = "mp121-install-codes", scale: float = 0.002) -> Scenario:
    """The example at a small size, over 4 months after 6 of history (quick)."""
    scenario = examples.get(name).scenario().scaled(scale)
    about = scenario.scenario.model_copy(update={"months": 4, "history_months": 6})
    return scenario.model_copy(update={"scenario": about})


def test_bands_are_deterministic_for_given_seeds_in_any_process() -> None:
    scenario = _small()
    seeds = batch.seeds_for(scenario, 4)
    here = batch.run_all(scenario, seeds)
    with batch.local_executor(4, 2) as pool:  # type: ignore[union-attr]
        spread = batch.run_all(scenario, list(reversed(seeds)), pool)
    again = batch.run_all(scenario, seeds)
    for r in range(len(scenario.ruleset)):
        for m in METRICS:
            assert np.array_equal(here.daily[r][m.name], again.daily[r][m.name]), m.name
            # the same seed gives the same run wherever it ran, stacked in seed order
            assert np.array_equal(here.daily[r][m.name], spread.daily[r][m.name][::-1]), m.name
    totals = here.totals(1, "requests")
    assert len(set(totals.tolist())) > 1  # the seeds differ, so there is a band
    low, mid, high = batch.band(totals)
    assert low < high and low <= mid <= high


def test_a_run_is_the_seed_run_alone() -> None:
    scenario = _small()
    one = batch.run_all(scenario, [scenario.scenario.seed + 1])
    many = batch.run_all(scenario, batch.seeds_for(scenario, 3))
    assert np.array_equal(one.daily[0]["switches"][0], many.daily[0]["switches"][1])


def test_runs_on_the_command_line_show_bands(tmp_path: Path) -> None:
    quick = tmp_path / "quick.toml"
    quick.write_text(
        examples.get("mp121-install-codes").text.replace(
            "months = 12", "months = 6\nhistory_months = 6"
        )
    )
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(quick),
            "--scale",
            "0.002",
            "--runs",
            "3",
            "--workers",
            "2",
            "-o",
            str(tmp_path / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 runs" in result.output
    tmp_path = tmp_path / "out"
    report = (tmp_path / "report.html").read_text()
    assert "5-95%" in report and "medians of 3 runs" in report
    with (tmp_path / "summary.csv").open() as f:
        rows = {row["metric"]: row for row in csv.DictReader(f)}
    first = "MP121: 10 Working Days by e-mail"
    requests = [float(rows["requests"][f"{first} {q}"]) for q in ("p5", "median", "p95")]
    assert requests[0] < requests[2] and requests[0] <= requests[1] <= requests[2]
    seeds = {line.split(",")[1] for line in (tmp_path / "daily.csv").read_text().splitlines()[1:]}
    assert seeds == {"121", "122", "123"}


def test_rule_sets_in_forked_processes_give_the_same_figures() -> None:
    scenario = _small("mp60-housekeeping")
    about = scenario.scenario.model_copy(update={"history_months": 14})
    scenario = scenario.model_copy(update={"scenario": about})
    here = batch.run_all(scenario, [7])
    forked = batch.run_all(scenario, [7], workers=2)
    for r in range(len(scenario.ruleset)):
        for m in METRICS:
            assert np.array_equal(here.daily[r][m.name], forked.daily[r][m.name]), m.name
    assert here.totals(0, "removed")[0] != here.totals(1, "removed")[0]
