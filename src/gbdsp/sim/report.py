"""What a simulation leaves behind: `daily.csv`, `summary.csv` and a self-contained
`report.html` (charts as inline SVG, no external files, no scripts).

The same runs give byte-identical files, apart from the one line of the report that says
when it was made: SVG ids are salted with a constant and carry no date.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gbdsp.clock import SystemClock
from gbdsp.sim import analysis, answers
from gbdsp.sim.answers import count, pounds
from gbdsp.sim.batch import BANDS, Outcome, band
from gbdsp.sim.costs import ITEMS
from gbdsp.sim.metrics import BY_NAME, CHARTS, METRICS, Chart
from gbdsp.sim.scenario import Scenario
from gbdsp.sim.sensitivity import Bar

COLOURS = ("#1f5fa8", "#d0621b", "#2e8b3e", "#8e3fa0", "#b8292f", "#6b6b6b", "#b5a000", "#1b9aa8")
STYLES = ("-", "--", "-.", ":", "-", "--", "-.", ":")
Rows = list[list[str]]


def write(
    outcome: Outcome,
    directory: Path,
    made_at: datetime | None = None,
    tornado: tuple[float, list[Bar]] | None = None,
) -> dict[str, Path]:
    """report.html and one CSV per table (and the daily figures of every run)."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = tables_of(outcome, tornado)
    paths = {"report": directory / "report.html", "daily": directory / "daily.csv"}
    for name, rows in tables.items():
        paths[name] = directory / f"{name}.csv"
        paths[name].write_text(_csv(rows), "utf-8")
    paths["daily"].write_text(daily_csv(outcome), "utf-8")
    paths["report"].write_text(render(outcome, made_at, tornado), "utf-8")
    return paths


def _csv(rows: Rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def daily_csv(outcome: Outcome) -> str:
    """One row per rule set, run and day; flows are that day's counts, levels end-of-day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ruleset", "seed", "date", "day", *(m.name for m in METRICS)])
    start = outcome.scenario.scenario.start
    dates = [(start + timedelta(days=d)).isoformat() for d in range(outcome.days)]
    for r, name in enumerate(outcome.names):
        for i, seed in enumerate(outcome.seeds):
            columns = np.stack([outcome.daily[r][m.name][i] for m in METRICS], axis=1)
            for day, row in enumerate(columns.tolist()):
                writer.writerow([name, seed, dates[day], day, *row])
    return out.getvalue()


def tables_of(outcome: Outcome, tornado: tuple[float, list[Bar]] | None = None) -> dict[str, Rows]:
    """Every table of the report as rows (the first is the header)."""
    s = outcome.scenario
    factor = analysis.up(outcome)
    names = outcome.names
    summary: Rows = [
        [
            "metric",
            "meaning",
            "level",
            *(f"{n} {q}" for n in names for q in ("p5", "median", "p95")),
        ]
    ]
    for metric in METRICS:
        cells = []
        for r in range(len(names)):
            cells += [f"{v * factor:.0f}" for v in band(outcome.totals(r, metric.name))]
        summary.append([metric.name, metric.meaning, "yes" if metric.level else "no", *cells])
    rulesets: Rows = [["ruleset", *(k for k, _ in describe(outcome, 0))]]
    rulesets += [[n, *(v for _, v in describe(outcome, r))] for r, n in enumerate(names)]
    appraisals = analysis.appraisals(outcome)
    cost: Rows = [["item", "unit cost", "unit", *(f"{n} £ a year (GB)" for n in names)]]
    for item in ITEMS:
        cost.append(
            [
                item.label,
                f"{s.costs.unit(item.key):g}",
                item.unit,
                *(f"{a.items_a_year[item.key]:.0f}" for a in appraisals),
            ]
        )
    appraisal: Rows = [
        [
            "ruleset",
            "operating £ a year (GB) median",
            "saving £ a year p5",
            "saving median",
            "saving p95",
            "implementation £ low",
            "implementation £ high",
            "NPV low",
            "NPV central",
            "NPV high",
            "break-even years (central)",
        ]
    ]
    for a in appraisals:
        even = a.break_even[1]
        appraisal.append(
            [
                a.name,
                f"{a.operating_a_year[1]:.0f}",
                *(f"{v:.0f}" for v in a.saving_a_year),
                *(f"{v:.0f}" for v in a.implementation),
                *(f"{v:.0f}" for v in a.npv),
                "" if even is None else f"{even:.2f}",
            ]
        )
    calibration: Rows = [
        [
            "figure",
            "published",
            "source",
            "model p5",
            "model median",
            "model p95",
            "unit",
            "tuned assumption",
            "note",
        ]
    ]
    for c in analysis.calibration(outcome):
        calibration.append(
            [
                c.figure,
                c.published,
                c.source,
                *(f"{v:.4g}" for v in c.model),
                c.unit,
                c.tuned,
                c.note,
            ]
        )
    assumptions: Rows = [["key", "value", "unit", "from", "source"]]
    assumptions += [[a.key, a.value, a.unit, a.origin, a.source] for a in s.assumption_rows()]
    out = {
        "summary": summary,
        "rulesets": rulesets,
        "costs": cost,
        "appraisal": appraisal,
        "calibration": calibration,
        "assumptions": assumptions,
    }
    if tornado is not None:
        sens: Rows = [["assumption", "low", "high", "NPV at low", "NPV at high", "why"]]
        sens += [
            [
                b.key,
                f"{b.low_value:g}",
                f"{b.high_value:g}",
                f"{b.at_low:.0f}",
                f"{b.at_high:.0f}",
                b.why,
            ]
            for b in tornado[1]
        ]
        out["sensitivity"] = sens
    return out


def describe(outcome: Outcome, index: int) -> list[tuple[str, str]]:
    """What a rule set is, in the gateway's own terms."""
    decisions = outcome.decisions(index)
    rules = decisions.rules(0)
    lo, hi = analysis.appraisals(outcome)[index].implementation
    return [
        ("modifications in force", ", ".join(m.upper() for m in rules.in_force()) or "none"),
        ("housekeeping", rules.mp60.rule.describe()),
        ("install codes", rules.mp121.describe()),
        ("Restricted mode", rules.mp169.describe()),
        ("PPMID SMETS version", rules.mp202.describe()),
        ("implementation cost beyond the first", answers.pound_range(lo, hi)),
    ]


def render(
    outcome: Outcome,
    made_at: datetime | None = None,
    tornado: tuple[float, list[Bar]] | None = None,
) -> str:
    scenario = outcome.scenario
    about = scenario.scenario
    differing = sorted(
        (c for c in CHARTS if _differs(c, outcome)), key=lambda c: -_difference(c, outcome)
    )
    same = [c for c in CHARTS if c not in differing]
    runs = len(outcome.seeds)
    seeds = (
        f"seed {outcome.seeds[0]}"
        if runs == 1
        else f"{runs} runs (seeds {outcome.seeds[0]}-{outcome.seeds[-1]}); figures are "
        "medians with their 5-95% band"
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(about.name)}: gbdsp impact simulation</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(about.name)}</h1>",
        f"<p class='question'>{_e(about.question)}</p>" if about.question else "",
        _scaled_banner(outcome),
        (
            f"<p class='scaled'><b>Fleet from the SMI:</b> {_e(describe_smi(outcome))}. The "
            "assumptions marked <i>SMI</i> come from it; the flows of the coming months are "
            "the scenario's.</p>"
        )
        if outcome.snapshot is not None
        else "",
        f"<p class='meta'>{scenario.fleet.premises:,} premises simulated, {about.months} "
        f"months from {about.start.isoformat()}, {_e(seeds)}; every rule set runs on the "
        "same fleet and the same random draws, so the differences are the rules'. "
        f"Made {(made_at or SystemClock().now()).strftime('%Y-%m-%d %H:%M UTC')} by gbdsp "
        "simulate.</p>",
        "<h2>The answer</h2>",
        *(f"<p class='answer'><b>{_e(h)}.</b> {_e(t)}</p>" for h, t in answers.paragraphs(outcome)),
        "<h2>Rule sets</h2>",
        _table(tables_of(outcome)["rulesets"]),
        "<h2>Money</h2>",
        _money(outcome),
        "<h2>Totals over the period</h2>",
        _summary_table(outcome),
        "<h2>Calibration against the published figures</h2>",
        _calibration(outcome),
    ]
    if tornado is not None:
        parts += ["<h2>Sensitivity</h2>", _tornado_section(outcome, tornado)]
    for chart in differing:
        parts.append(_chart_section(outcome, chart))
    if same:
        parts.append(
            "<h2>Not changed by these rule sets</h2><details><summary>"
            + _e(", ".join(c.title for c in same))
            + "</summary>"
        )
        parts += [_chart_section(outcome, c) for c in same]
        parts.append("</details>")
    parts += [
        "<h2>Assumptions</h2>",
        _assumptions_table(scenario),
        MODEL,
        _files(tornado),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def describe_smi(outcome: Outcome) -> str:
    from gbdsp.sim.from_smi import describe as smi

    assert outcome.snapshot is not None
    return smi(outcome.snapshot)


def _scaled_banner(outcome: Outcome) -> str:
    if outcome.scale == 1:
        return ""
    full = round(outcome.scenario.fleet.premises / outcome.scale)
    return (
        f"<p class='scaled'><b>Scaled run:</b> {outcome.scenario.fleet.premises:,} "
        f"premises simulated, {outcome.scale:g} of the scenario's {full:,}. Counts in "
        f"the answer are scaled up to {full:,} premises (x{1 / outcome.scale:,.4g}); the "
        "totals table shows both; money is at GB scale either way. Small runs are "
        "noisier: compare the bands.</p>"
    )


def _files(tornado: object) -> str:
    names = ["summary", "rulesets", "costs", "appraisal", "calibration", "assumptions"]
    if tornado is not None:
        names.append("sensitivity")
    return (
        "<p class='meta'>Every table is also a CSV beside this report: "
        + ", ".join(f"{n}.csv" for n in names)
        + "; daily.csv has every rule set's, run's and day's figures.</p>"
    )


def _table(rows: Rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def _money(outcome: Outcome) -> str:
    s = outcome.scenario
    c = s.costs
    appraisals = analysis.appraisals(outcome)
    head = "".join(f"<th>{_e(a.name)}</th>" for a in appraisals)
    rows: list[str] = []
    same: list[str] = []
    for item in ITEMS:
        values = [a.items_a_year[item.key] for a in appraisals]
        if not any(values):
            continue
        unit = item.unit.removeprefix("£ ")
        (rows if max(values) != min(values) else same).append(
            f"<tr><th>{_e(item.label)} ({pounds(s.costs.unit(item.key))} {_e(unit)})</th>"
            + "".join(f"<td>{pounds(v)}</td>" for v in values)
            + "</tr>"
        )

    def line(label: str, cells: list[str]) -> str:
        return (
            f"<tr class='total'><th>{_e(label)}</th>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "</tr>"
        )

    def ranged(b: tuple[float, float, float]) -> str:
        return pounds(b[1]) + (
            f"<br><small>{pounds(b[0])} to {pounds(b[2])}</small>" if b[2] != b[0] else ""
        )

    if same:
        rows.append(
            f"<tr><td colspan='{len(appraisals) + 1}'><details><summary>{len(same)} "
            "costs no rule set changes</summary><table class='summary'>"
            + "".join(same)
            + "</table></details></td></tr>"
        )
    rows.append(line("operating costs a year", [ranged(a.operating_a_year) for a in appraisals]))
    rows.append(
        line("avoided (+) or incurred (-) a year", [ranged(a.saving_a_year) for a in appraisals])
    )
    rows.append(
        line(
            "implementation, beyond the first",
            [answers.pound_range(*a.implementation) for a in appraisals],
        )
    )
    rows.append(
        line(
            f"net present value, {c.horizon_years} years at {c.discount_rate:.1%}",
            ["-"]
            + [
                f"{pounds(a.npv[1])}<br><small>{pounds(a.npv[0])} to {pounds(a.npv[2])}</small>"
                for a in appraisals[1:]
            ],
        )
    )
    rows.append(
        line(
            "break-even",
            ["-"] + [_e(answers.years(a.break_even[1], c.horizon_years)) for a in appraisals[1:]],
        )
    )
    return (
        f"<table class='summary money'><tr><th>£ a year at GB scale "
        f"({c.gb_premises:,} premises)</th>{head}</tr>{''.join(rows)}</table>"
        "<p class='meta'>Operating costs are the simulated counts times the unit costs "
        "(see the assumptions: most have no published figure), a year, scaled from the "
        "simulated fleet to GB. Against the first rule set. Ranges: NPV from the 5% run "
        "with the high implementation cost to the 95% run with the low one; the central "
        "figure is the median run at the middle of the cost range. Implementation costs "
        "are the DCC's ranges from the seeds (sources in the assumptions).</p>"
    )


def _summary_table(outcome: Outcome) -> str:
    names = outcome.names
    factor = analysis.up(outcome)
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    changed: list[str] = []
    unchanged: list[str] = []
    for metric in METRICS:
        totals = [outcome.totals(r, metric.name) for r in range(len(names))]
        differs = any(not np.array_equal(totals[0], t) for t in totals[1:])
        first = band(totals[0])[1]
        cells = ""
        for t in totals:
            mid = band(t)[1]
            cells += (
                f"<td class='{'diff' if mid != first else ''}'>{count(t)}"
                + (f"<br><small>≈ {count(t, factor)} at full size</small>" if factor != 1 else "")
                + "</td>"
            )
        note = " (end of period)" if metric.level else ""
        row = f"<tr><th title='{_e(metric.meaning)}'>{_e(metric.label)}{note}</th>{cells}</tr>"
        (changed if differs else unchanged).append(row)
    folded = ""
    if unchanged:
        folded = (
            f"<details><summary>{len(unchanged)} figures no rule set changes</summary>"
            f"<table class='summary'><tr><th></th>{head}</tr>{''.join(unchanged)}"
            "</table></details>"
        )
    return (
        f"<table class='summary'><tr><th></th>{head}</tr>{''.join(changed)}</table>"
        f"{folded}<p class='meta'>Shaded: differs from the first rule set. With several "
        "runs: median (5-95% band).</p>"
    )


def _calibration(outcome: Outcome) -> str:
    rows = []
    for c in analysis.calibration(outcome):
        low, mid, high = c.model
        fmt = "{:,.1f}" if c.unit in ("%", "days") else "{:,.0f}"
        model = fmt.format(mid) + (
            f" (5-95%: {fmt.format(low)}-{fmt.format(high)})" if high > low else ""
        )
        rows.append(
            f"<tr><th>{_e(c.figure)}</th><td>{_e(c.published)}</td>"
            f"<td>{_e(model)} {_e(c.unit)}</td><td>{_e(c.tuned)}</td>"
            f"<td>{_e(c.source)}{'; ' + _e(c.note) if c.note else ''}</td></tr>"
        )
    return (
        "<table><tr><th>figure</th><th>published</th><th>model (first rule set)</th>"
        "<th>assumption tuned to match</th><th>source</th></tr>"
        + "".join(rows)
        + "</table><p class='meta'>GB figures scale the simulated fleet to "
        f"{outcome.scenario.costs.gb_premises:,} premises.</p>"
    )


def _assumptions_table(scenario: Scenario) -> str:
    rows = "".join(
        f"<tr class='{a.origin}'><th>{_e(a.key)}</th><td>{_e(a.value)}</td>"
        f"<td>{_e(a.unit)}</td><td>{_e(a.origin)}</td><td>{_e(a.source)}</td></tr>"
        for a in scenario.assumption_rows()
    )
    return (
        "<table class='assumptions'><tr><th>assumption</th><th>value</th><th>unit</th>"
        f"<th>from</th><th>source of the value</th></tr>{rows}</table>"
        "<p class='meta'>from: <i>scenario</i>, set in the scenario file; <i>default</i>, "
        "gbdsp's default. Change any of them in the scenario's TOML.</p>"
    )


def _differs(chart: Chart, outcome: Outcome) -> bool:
    first = outcome.daily[0]
    return any(
        not np.array_equal(first[m], other[m]) for other in outcome.daily[1:] for m in chart.metrics
    )


def _difference(chart: Chart, outcome: Outcome) -> float:
    """The largest relative difference between a rule set's median total and the first's."""
    largest = 0.0
    for metric in chart.metrics:
        first = band(outcome.totals(0, metric))[1]
        for r in range(1, len(outcome.names)):
            other = band(outcome.totals(r, metric))[1]
            largest = max(largest, abs(other - first) / max(1, abs(first), abs(other)))
    return largest


def _chart_section(outcome: Outcome, chart: Chart) -> str:
    scenario = outcome.scenario
    keys = [
        (k, v)
        for k, v in scenario.assumptions()
        if any(k == a or k.startswith(a + ".") for a in chart.assumptions)
    ]
    assumptions = "; ".join(f"{k} = {v}" for k, v in keys)
    bands = (
        f" Lines are medians of {len(outcome.seeds)} runs, shaded the 5-95% band."
        if len(outcome.seeds) > 1
        else ""
    )
    return (
        f"<section><h2>{_e(chart.title)}</h2><p>{_e(chart.shows)}</p>"
        f"{_svg(outcome, chart)}"
        f"<p class='caption'><b>Rule sets:</b> {_e('; '.join(outcome.names))}. "
        f"<b>Assumptions:</b> {_e(assumptions)}. Flows are running totals since "
        f"{scenario.scenario.start.isoformat()}.{_e(bands)}</p></section>"
    )


def _style() -> None:
    plt.rcParams.update({"svg.hashsalt": "gbdsp-simulate", "font.size": 9, "svg.fonttype": "none"})


def _svg(outcome: Outcome, chart: Chart) -> str:
    _style()
    count = len(chart.metrics)
    columns = 2 if count > 1 else 1
    rows = (count + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(11, 2.9 * rows), squeeze=False)
    start = np.datetime64(outcome.scenario.scenario.start.isoformat())
    dates = start + np.arange(outcome.days).astype("timedelta64[D]")
    for index, name in enumerate(chart.metrics):
        ax = axes[index // columns][index % columns]
        metric = BY_NAME[name]
        for i, run in enumerate(outcome.names):
            series = outcome.series(i, name)
            low, mid, high = np.percentile(series, BANDS, axis=0)
            colour = COLOURS[i % len(COLOURS)]
            ax.plot(dates, mid, STYLES[i % len(STYLES)], color=colour, linewidth=1.8, label=run)
            if len(series) > 1:
                ax.fill_between(dates, low, high, color=colour, alpha=0.15, linewidth=0)
        ax.set_title(
            metric.label + (" (level)" if metric.level else " (running total)"),
            loc="left",
            fontsize=10,
        )
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.tick_params(axis="x", labelrotation=0)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("center")
    for index in range(count, rows * columns):
        axes[index // columns][index % columns].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        loc="upper center",
        ncol=min(4, len(outcome.names)),
        frameon=False,
        bbox_to_anchor=(0.5, 1.0),
    )
    figure.autofmt_xdate(rotation=0, ha="center")
    figure.tight_layout(rect=(0, 0, 1, 0.94 if rows > 1 else 0.88))
    return _save(figure)


def _save(figure: matplotlib.figure.Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _tornado_section(outcome: Outcome, tornado: tuple[float, list[Bar]]) -> str:
    base, bars = tornado
    s = outcome.scenario
    headline = s.ruleset[s.headline()].name
    shown = [b for b in bars if b.swing > 0][:12]
    still = [b.key for b in bars if b.swing == 0]
    if not shown:
        return (
            "<p>No assumption in the list moves the net present value of "
            f"“{_e(headline)}” against “{_e(outcome.names[0])}”.</p>"
        )
    _style()
    figure, ax = plt.subplots(figsize=(11, 0.42 * len(shown) + 1.2))
    for y, bar in enumerate(reversed(shown)):
        ax.barh(y, bar.at_low - base, left=base, color="#1f5fa8", height=0.6)
        ax.barh(y, bar.at_high - base, left=base, color="#d0621b", height=0.6)
    ax.axvline(base, color="#222", linewidth=1)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([f"{b.key} ({b.low_value:g} - {b.high_value:g})" for b in reversed(shown)])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: pounds(x)))
    ax.set_title(
        "Net present value: blue at the low value, orange at the high value",
        loc="left",
        fontsize=10,
    )
    ax.grid(True, axis="x", alpha=0.3)
    figure.tight_layout()
    rows = "".join(
        f"<tr><th>{_e(b.key)}</th><td>{b.low_value:g} - {b.high_value:g}</td>"
        f"<td>{pounds(b.at_low)}</td><td>{pounds(b.at_high)}</td>"
        f"<td>{_e(b.why)}</td></tr>"
        for b in bars
    )
    return (
        f"<p>How far the net present value of “{_e(headline)}” against "
        f"“{_e(outcome.names[0])}” ({pounds(base)} for seed {outcome.seeds[0]}) moves "
        "when one assumption goes from the low to the high end of its plausible range, "
        "the others kept (the same seed for every variation)."
        + (f" Not moved by: {_e(', '.join(still))}." if still else "")
        + "</p>"
        + _save(figure)
        + "<details><summary>The figures</summary><table><tr><th>assumption</th>"
        "<th>range</th><th>NPV at low</th><th>NPV at high</th><th>range from</th></tr>"
        + rows
        + "</table></details>"
    )


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
(modifications in force from day one; the <code>housekeeping</code>,
<code>install_codes</code> and <code>restricted_mode</code> tables hold the settings of
gbdsp.toml's <code>[modifications.mp60]</code>, <code>[modifications.mp121]</code> and
<code>[modifications.mp169]</code>), and each
decision is taken by the function the gateway's services call: every status change by the
SMI status table (SEC Appendix AC); the night a Pending device is removed by the
housekeeping rule in force (AC 7.2 or MP60's 36 months, with its exclusions and Bryt
Energy's "only after leaving Pending" reading); install-code due dates in Working Days and
"in time" by MP121's rules (AC 4.16); which Service Requests a restricted meter refuses by
MP169's policy (E169); whether a PPMID stays recorded for the other system by MP202's rule;
whether an RSA may send a CH return by the SRV roles with MP39's.</p>
<p><b>Processes.</b> New installs take premises without a system; without SM WAN the meters
stay InstalledNotCommissioned until coverage arrives (exponential delay), then the
installing supplier commissions them unless it has lost the premises. A gaining supplier of
uncommissioned meters needs the install code: under MP121 a request due in the SLA's Working
Days, without it an informal ask; when its patience runs out it replaces the meters. Faulty
meters are decommissioned, some refurbished and back in stock (Pending again, AC 7.1).
Housekeeping removes devices Pending beyond the rule's months; a removed device installed
later is re-notified first. Consumers choose Restricted mode at a rate (SMETS1 meters cannot
be restricted). PPMIDs pre-notified for the other system fail without MP202. CH returns
(8.14.3, 8.14.4) sent by a Registered Supplier Agent are refused without MP39.</p>
<p><b>Published figures used.</b> About 3% of meters gained from another supplier are
uncommissioned (MP121 Proposer); about 8% of SMETS2 devices are not commissioned at
installation (Calvin Capital, MP121 consultation); the DCC has 90 days to bring the SM WAN;
5 or 10 Working Days for an install code (MP121); 12 or 36 months (MP60); six million
dual-mode PPMIDs, a fifth of about 30 million premises (MP202). Every other value in the
assumptions table is an assumption to change in the scenario file.</p>
<p><b>Not modelled.</b> Devices installed but left Pending; what a CH return does to its
status; a second switch while a code is awaited; a premises' electricity and gas meters as separate
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
tr.total th, tr.total td { font-weight: 600; border-top: 2px solid #aaa; }
.scaled { background: #fde9d9; border-left: 6px solid #d0621b; padding: 0.5em 0.8em; }
.answer { max-width: 60em; }
tr.scenario td:nth-child(4) { font-weight: 600; }
svg { max-width: 100%; height: auto; }
code { font-size: 0.95em; }
"""
