"""`gbdsp simulate`: the impact simulation (C13), a command of its own module."""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from gbdsp.sim.from_smi import Snapshot
    from gbdsp.sim.scenario import Scenario


@click.command()
@click.argument(
    "scenario_file",
    metavar="[SCENARIO.toml]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--example",
    "example",
    metavar="NAME",
    help="Run a scenario shipped with gbdsp instead of a file (see --list-examples).",
)
@click.option(
    "--list-examples",
    "list_examples",
    is_flag=True,
    help="List the shipped example scenarios and exit.",
)
@click.option(
    "--print",
    "print_toml",
    is_flag=True,
    help="With --example: print the example's TOML (to copy and change) and exit.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for report.html and a CSV per table "
    "(default: sim-<scenario file or example name>).",
)
@click.option(
    "--scale",
    type=float,
    default=None,
    help="Multiply the number of premises (0.01: a hundredth of the fleet).",
)
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option(
    "--runs",
    type=click.IntRange(1, 10_000),
    default=1,
    help="Repeat over this many seeds (the scenario's and the next ones) and show 5-95%% bands.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 512),
    default=None,
    help="Processes for --runs (default: every core).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run --runs on a Dask distributed cluster: a scheduler address, or "
    "local:N for N worker processes here (needs gbdsp[cluster]).",
)
@click.option(
    "--sensitivity",
    is_flag=True,
    help="Add a tornado chart: the answer across each key assumption's range.",
)
@click.option(
    "--from-smi",
    "from_smi",
    is_flag=True,
    help="Start from the data directory's own SMI (installed systems, suppliers, "
    "Pending stock and its ages) instead of a synthetic fleet; read-only.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(
    scenario_file: Path | None,
    example: str | None,
    list_examples: bool,
    print_toml: bool,
    output: Path | None,
    scale: float | None,
    seed: int | None,
    runs: int,
    workers: int | None,
    cluster: str | None,
    sensitivity: bool,
    from_smi: bool,
    quiet: bool,
) -> None:
    """Run a GB-shaped fleet through the scenario's months under each of its rule sets (the
    gateway's own rules, the same random draws), and write a report with charts and the
    daily figures as CSV. Give either SCENARIO.toml or --example NAME."""
    from gbdsp.cli.base import err, out
    from gbdsp.sim import batch, report
    from gbdsp.sim import sensitivity as sensitivity_module

    if list_examples:
        _list_examples()
        return
    chosen_scenario, stem = _chosen(scenario_file, example)
    if print_toml:
        if example is None:
            raise click.UsageError("--print goes with --example NAME")
        from gbdsp.sim import examples

        click.echo(examples.get(example).text, nl=False)
        return
    snapshot = None
    if from_smi:
        if scale is not None:
            raise click.UsageError("--scale does not go with --from-smi (the fleet is the SMI's)")
        snapshot, chosen_scenario = _snapshot(chosen_scenario, quiet)
    began = time.perf_counter()
    chosen = chosen_scenario.scaled(scale, seed)
    directory = output or Path(f"sim-{stem}")
    seeds = batch.seeds_for(chosen, runs)
    steps = runs + (2 * len(sensitivity_module.MODEL_RANGES) if sensitivity else 0)
    executor: Executor | None
    if cluster:
        from gbdsp.sim.cluster import executor as cluster_executor

        pool: AbstractContextManager[Executor | None] = cluster_executor(cluster)
    else:
        pool = batch.local_executor(max(runs, 2 if sensitivity else 1), workers) or nullcontext()
    # One run: its rule sets share the cores (forked; no progress thread may run then).
    forked = runs == 1 and (workers or os.cpu_count() or 1) > 1 and not cluster
    with (
        Progress(
            TextColumn("simulating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=quiet or not err.is_terminal or forked,
            transient=True,
        ) as bar,
        pool as executor,
    ):
        task = bar.add_task("simulate", total=steps)
        outcome = batch.run_all(
            chosen,
            seeds,
            executor if runs > 1 else None,
            lambda: bar.advance(task),
            scale or 1.0,
            snapshot,
            (workers or os.cpu_count() or 1) if forked else 1,
        )
        tornado = (
            sensitivity_module.tornado(outcome, executor, lambda: bar.advance(task))
            if sensitivity
            else None
        )
    simulated = time.perf_counter()
    with err.status("writing the report") if err.is_terminal and not quiet else nullcontext():
        paths = report.write(outcome, directory, tornado=tornado)
    done = time.perf_counter()
    out.print(
        f"{chosen.fleet.premises:,} premises, {chosen.scenario.months} months, "
        f"{len(chosen.ruleset)} rule sets, {runs} run{'s' if runs > 1 else ''} in "
        f"{done - began:.1f} s (simulation {simulated - began:.1f} s, report "
        f"{done - simulated:.1f} s)"
    )
    out.print(f"  report: {paths['report']}")
    out.print(
        f"  tables: {', '.join(p.name for k, p in paths.items() if k != 'report')} in {directory}"
    )


def _chosen(scenario_file: Path | None, example: str | None) -> tuple[Scenario, str]:
    """The scenario to run and the stem of its default output directory: exactly one of a
    file and a shipped example."""
    from gbdsp.sim import examples, scenario

    if (scenario_file is None) == (example is None):
        raise click.UsageError(
            "give either SCENARIO.toml or --example NAME (one of them); "
            "gbdsp simulate --list-examples shows the examples"
        )
    if scenario_file is not None:
        return scenario.load(scenario_file), scenario_file.stem
    assert example is not None
    try:
        found = examples.get(example)
    except scenario.ScenarioError as e:
        raise click.BadParameter(str(e), param_hint="--example") from None
    return found.scenario(), found.name


def _list_examples() -> None:
    from gbdsp.cli.base import out
    from gbdsp.sim import examples

    for name in examples.names():
        about = examples.get(name).scenario().scenario
        out.print(f"{name}", markup=False)
        out.print(f"    {about.name}", markup=False)
        if about.question:
            out.print(f"    {about.question}", markup=False)
    out.print(
        "Run one: gbdsp simulate --example NAME [--scale 0.01]; copy it with "
        "gbdsp simulate --example NAME --print > my.toml",
        markup=False,
    )


def _snapshot(chosen: Scenario, quiet: bool) -> tuple[Snapshot, Scenario]:
    """The data directory's SMI, streamed in one read-only transaction."""
    from gbdsp.cli.base import Context, err, out
    from gbdsp.sim import from_smi

    ctx = click.get_current_context().find_object(Context)
    assert ctx is not None
    began = time.perf_counter()
    with (
        ctx.app() as app,
        Progress(
            TextColumn("reading the SMI"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=quiet or not err.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("smi", total=None)
        snapshot = from_smi.load(
            app.store,
            chosen.scenario.start,
            lambda total: bar.update(task, total=total),
            lambda n: bar.update(task, completed=n),
        )
    out.print(
        f"SMI: {from_smi.describe(snapshot)} in {time.perf_counter() - began:.1f} s", markup=False
    )
    return snapshot, from_smi.adapt(chosen, snapshot)
