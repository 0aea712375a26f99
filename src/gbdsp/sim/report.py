"""What a simulation leaves behind: `daily.csv`, `summary.csv` and a self-contained
`report.html` (charts as inline SVG, no external files, no scripts).

The same runs give byte-identical files, apart from the one line of the report that says
when it was made: SVG ids are salted with a constant and carry no date.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gbdsp.clock import SystemClock
from gbdsp.sim.engine import Run
from gbdsp.sim.metrics import BY_NAME, CHARTS, METRICS, Chart
from gbdsp.sim.scenario import Scenario

COLOURS = ("#1f5fa8", "#d0621b", "#2e8b3e", "#8e3fa0", "#b8292f", "#6b6b6b", "#b5a000",
           "#1b9aa8")
STYLES = ("-", "--", "-.", ":", "-", "--", "-.", ":")


def write(scenario: Scenario, runs: Sequence[Run], directory: Path,
          made_at: datetime | None = None) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"daily": directory / "daily.csv", "summary": directory / "summary.csv",
             "report": directory / "report.html"}
    paths["daily"].write_text(daily_csv(scenario, runs), "utf-8")
    paths["summary"].write_text(summary_csv(runs), "utf-8")
    paths["report"].write_text(render(scenario, runs, made_at), "utf-8")
    return paths


def daily_csv(scenario: Scenario, runs: Sequence[Run]) -> str:
    """One row per day per rule set; flows are that day's counts, levels end-of-day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ruleset", "date", "day", *(m.name for m in METRICS)])
    start = scenario.scenario.start
    for run in runs:
        columns = [run.daily[m.name] for m in METRICS]
        for day in range(len(columns[0])):
            writer.writerow([run.name, (start + timedelta(days=day)).isoformat(), day,
                             *(int(c[day]) for c in columns)])
    return out.getvalue()


def summary_csv(runs: Sequence[Run]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "meaning", *(r.name for r in runs)])
    for metric in METRICS:
        writer.writerow([metric.name, metric.meaning, *(r.total(metric.name) for r in runs)])
    return out.getvalue()


def describe(run: Run) -> list[tuple[str, str]]:
    """What a rule set is, in the gateway's own terms."""
    rules, config = run.decisions, run.decisions.config
    in_force = rules.in_force(0)
    on = [m.upper() for m in ("mp39", "mp60", "mp121", "mp169", "mp202")
          if getattr(in_force, m)]
    install_codes = config.install_codes
    return [
        ("modifications in force", ", ".join(on) or "none"),
        ("housekeeping", rules.housekeeping.describe()),
        ("install codes", f"due in {install_codes.sla_working_days} Working Days "
                          f"({install_codes.calendar})" if in_force.mp121
         else "no obligation (MP121 off)"),
        ("Restricted mode", f"{len(rules.restricted.allowed_srvs)} SRVs still allowed"
         if rules.restricted else "not available (MP169 off)"),
        ("PPMID SMETS version", "follows the CH at whitelisting (MP202)" if in_force.mp202
         else "as pre-notified (interim CPL rows)"),
    ]


def render(scenario: Scenario, runs: Sequence[Run], made_at: datetime | None = None) -> str:
    about = scenario.scenario
    # The charts the rule sets change most come first.
    differing = sorted((c for c in CHARTS if _differs(c, runs)),
                       key=lambda c: -_difference(c, runs))
    same = [c for c in CHARTS if c not in differing]
    legend = "; ".join(f"{r.name}" for r in runs)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(about.name)}: gbdsp impact simulation</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(about.name)}</h1>",
        f"<p class='question'>{_e(about.question)}</p>" if about.question else "",
        f"<p class='meta'>{scenario.fleet.premises:,} premises, {about.months} months from "
        f"{about.start.isoformat()}, seed {about.seed}; every rule set runs on the same fleet "
        f"and the same random draws, so the differences are the rules'. "
        f"Made {(made_at or SystemClock().now()).strftime('%Y-%m-%d %H:%M UTC')} by gbdsp "
        "simulate."
        "</p>",
        "<h2>Rule sets</h2>", _rulesets_table(runs),
        "<h2>Totals over the period</h2>", _summary_table(runs),
    ]
    for chart in differing:
        parts.append(_chart_section(scenario, runs, chart, legend))
    if same:
        parts.append("<h2>Not changed by these rule sets</h2><details><summary>"
                     + _e(", ".join(c.title for c in same)) + "</summary>")
        parts += [_chart_section(scenario, runs, c, legend) for c in same]
        parts.append("</details>")
    parts += ["<h2>Assumptions</h2>", _assumptions_table(scenario), MODEL, "</body></html>"]
    return "\n".join(p for p in parts if p)


def _differs(chart: Chart, runs: Sequence[Run]) -> bool:
    first = runs[0]
    return any(not np.array_equal(first.daily[m], r.daily[m])
               for r in runs[1:] for m in chart.metrics)


def _difference(chart: Chart, runs: Sequence[Run]) -> float:
    """The largest relative difference between a rule set's total and the first's."""
    largest = 0.0
    for metric in chart.metrics:
        first = runs[0].total(metric)
        for run in runs[1:]:
            other = run.total(metric)
            largest = max(largest, abs(other - first) / max(1, abs(first), abs(other)))
    return largest


def _rulesets_table(runs: Sequence[Run]) -> str:
    rows = "".join(f"<tr><th style='border-left:6px solid {COLOURS[i % len(COLOURS)]}'>"
                   f"{_e(r.name)}</th>"
                   + "".join(f"<td>{_e(v)}</td>" for _, v in describe(r)) + "</tr>"
                   for i, r in enumerate(runs))
    head = "".join(f"<th>{_e(k)}</th>" for k, _ in describe(runs[0]))
    return f"<table><tr><th>rule set</th>{head}</tr>{rows}</table>"


def _summary_table(runs: Sequence[Run]) -> str:
    head = "".join(f"<th>{_e(r.name)}</th>" for r in runs)
    rows = []
    for metric in METRICS:
        values = [r.total(metric.name) for r in runs]
        cells = "".join(
            f"<td class='{'diff' if v != values[0] else ''}'>{v:,}</td>" for v in values)
        note = " (end of period)" if metric.level else ""
        rows.append(f"<tr><th title='{_e(metric.meaning)}'>{_e(metric.label)}{note}</th>"
                    f"{cells}</tr>")
    return (f"<table class='summary'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
            "<p class='meta'>Shaded: differs from the first rule set.</p>")


def _assumptions_table(scenario: Scenario) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                   for k, v in scenario.assumptions())
    return f"<table class='assumptions'>{rows}</table>"


def _chart_section(scenario: Scenario, runs: Sequence[Run], chart: Chart, legend: str) -> str:
    keys = [(k, v) for k, v in scenario.assumptions()
            if any(k == a or k.startswith(a + ".") for a in chart.assumptions)]
    assumptions = "; ".join(f"{k} = {v}" for k, v in keys)
    return (f"<section><h2>{_e(chart.title)}</h2><p>{_e(chart.shows)}</p>"
            f"{_svg(scenario, runs, chart)}"
            f"<p class='caption'><b>Rule sets:</b> {_e(legend)}. "
            f"<b>Assumptions:</b> {_e(assumptions)}. Flows are running totals since "
            f"{scenario.scenario.start.isoformat()}.</p></section>")


def _svg(scenario: Scenario, runs: Sequence[Run], chart: Chart) -> str:
    plt.rcParams.update({"svg.hashsalt": "gbdsp-simulate", "font.size": 9,
                         "svg.fonttype": "none"})
    count = len(chart.metrics)
    columns = 2 if count > 1 else 1
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(11, 2.9 * rows), squeeze=False)
    days = np.arange(len(runs[0].daily[chart.metrics[0]]))
    start = np.datetime64(scenario.scenario.start.isoformat())
    dates = start + days.astype("timedelta64[D]")
    for index, name in enumerate(chart.metrics):
        ax = axes[index // columns][index % columns]
        metric = BY_NAME[name]
        for i, run in enumerate(runs):
            values = run.daily[name] if metric.level else np.cumsum(run.daily[name])
            ax.plot(dates, values, STYLES[i % len(STYLES)], color=COLOURS[i % len(COLOURS)],
                    linewidth=1.8, label=run.name)
        ax.set_title(metric.label + (" (level)" if metric.level else " (running total)"),
                     loc="left", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.tick_params(axis="x", labelrotation=0)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("center")
    for index in range(count, rows * columns):
        axes[index // columns][index % columns].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncol=min(4, len(runs)),
                  frameon=False, bbox_to_anchor=(0.5, 1.0))
    figure.autofmt_xdate(rotation=0, ha="center")
    figure.tight_layout(rect=(0, 0, 1, 0.94 if rows > 1 else 0.88))
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = out.getvalue()
    return text[text.index("<svg"):]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


MODEL = """<h2>How the model works</h2>
<p>Event-driven, day by day. The fleet's random draws (premises, installs, CH deliveries and
warehouse waits, changes of supplier, faults, PPMID replacements, Restricted-mode choices,
Service Request traffic) are made once, up front, each process from its own random stream,
and every rule set runs on that very fleet: the differences between rule sets are the
rules'. Deliveries start <code>scenario.history_months</code> before day one, so day one has
stock of every age.</p>
<p><b>The same rules as the gateway.</b> A rule set is the gateway's own configuration
(modifications in force from day one, the <code>housekeeping</code>,
<code>install_codes</code> and <code>restricted_mode</code> tables of gbdsp.toml), and each
decision is taken by the function the gateway's services call: every status change by the
SMI status table (SEC Appendix AC); the night a Pending device is removed by the
housekeeping rule in force (AC 7.2 or MP60's 36 months, with its exclusions and Bryt
Energy's "only after leaving Pending" reading); install-code due dates in Working Days and
"in time" by MP121's rules (AC 4.16); which Service Requests a restricted meter refuses by
MP169's policy (E169); whether a PPMID stays recorded for the other system by MP202's rule.</p>
<p><b>Processes.</b> New installs take premises without a system; without SM WAN the meters
stay InstalledNotCommissioned until coverage arrives (exponential delay), then the
installing supplier commissions them unless it has lost the premises. A gaining supplier of
uncommissioned meters needs the install code: under MP121 a request due in the SLA's Working
Days, without it an informal ask; when its patience runs out it replaces the meters. Faulty
meters are decommissioned, some refurbished and back in stock (Pending again, AC 7.1).
Housekeeping removes devices Pending beyond the rule's months; a removed device installed
later is re-notified first. Consumers choose Restricted mode at a rate (SMETS1 meters cannot
be restricted). PPMIDs pre-notified for the other system fail without MP202.</p>
<p><b>Published figures used.</b> About 3% of meters gained from another supplier are
uncommissioned (MP121 Proposer); about 8% of SMETS2 devices are not commissioned at
installation (Calvin Capital, MP121 consultation); the DCC has 90 days to bring the SM WAN;
5 or 10 Working Days for an install code (MP121); 12 or 36 months (MP60); six million
dual-mode PPMIDs, a fifth of about 30 million premises (MP202). Every other value in the
assumptions table is an assumption to change in the scenario file.</p>
<p><b>Not modelled.</b> Devices installed but left Pending; CH fault returns; a second
switch while a code is awaited; a premises' electricity and gas meters as separate
install-code cases; new SMETS1 installs; modifications coming into force part-way through a
run.</p>
<p class='meta'>The same scenario, seed and scale give the same figures. Flows are daily
counts (charts show running totals); "Pending" is the end-of-day level.</p>
"""

CSS = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 1.5em auto;
       color: #222; padding: 0 1em; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.question { font-size: 1.15em; font-style: italic; }
.meta, .caption { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
table.summary td { text-align: right; font-variant-numeric: tabular-nums; }
td.diff { background: #fff2cc; font-weight: 600; }
table.assumptions { columns: 2; }
svg { max-width: 100%; height: auto; }
code { font-size: 0.95em; }
"""
