"""`gbdsp simulate`: the impact simulation (C13), a command of its own module."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@click.command()
@click.argument(
    "scenario_file",
    metavar="SCENARIO.toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for report.html, daily.csv and summary.csv "
    "(default: sim-<scenario file name>).",
)
@click.option(
    "--scale",
    type=float,
    default=None,
    help="Multiply the number of premises (0.01: a hundredth of the fleet).",
)
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(
    scenario_file: Path, output: Path | None, scale: float | None, seed: int | None, quiet: bool
) -> None:
    """Run a GB-shaped fleet through the scenario's months under each of its rule sets (the
    gateway's own rules, the same random draws), and write a report with charts and the
    daily figures as CSV."""
    from gbdsp.cli.base import err, out
    from gbdsp.sim import engine, fleet, report, scenario

    chosen = scenario.load(scenario_file).scaled(scale, seed)
    directory = output or Path(f"sim-{scenario_file.stem}")
    began = time.perf_counter()
    built = fleet.build(chosen)
    total = (built.days - built.first_day) * len(chosen.ruleset)
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("simulate", total=total)
        runs = engine.simulate(built, chosen.ruleset, lambda: bar.advance(task))
    simulated = time.perf_counter()
    with err.status("writing the report") if err.is_terminal and not quiet else nullcontext():
        paths = report.write(chosen, runs, directory)
    done = time.perf_counter()
    out.print(
        f"{chosen.fleet.premises:,} premises, {chosen.scenario.months} months, "
        f"{len(runs)} rule sets in {done - began:.1f} s (simulation "
        f"{simulated - began:.1f} s, report {done - simulated:.1f} s)"
    )
    for key in ("report", "daily", "summary"):
        out.print(f"  {key}: {paths[key]}")
