"""The answer first: one short paragraph per working-group question, with numbers and bands.

A paragraph per modification whose figures the rule sets change (MP60's removals, MP121's
codes, MP169's refusals, MP202's failed PPMIDs), then the money. Counts are for the
scenario's own fleet (a run scaled down by `--scale` is scaled back up, and says so).
"""

from __future__ import annotations

import numpy as np

from gbdsp.sim import analysis
from gbdsp.sim.batch import Outcome, band

TOPICS = (
    (
        "MP60 housekeeping",
        (
            ("removed", "devices removed by housekeeping"),
            ("removed_never_left_warehouse", "of which never left the warehouse"),
            ("renotified", "re-notified when installed after all"),
            ("pending_chs", "Communications Hubs Pending at the end"),
        ),
    ),
    (
        "MP121 install codes",
        (
            ("gained_uncommissioned", "meters gained uncommissioned"),
            ("requests", "install-code requests"),
            ("answered_late", "answered late"),
            ("replaced_no_code", "meters replaced for lack of a code"),
        ),
    ),
    (
        "MP169 Restricted mode",
        (
            ("restricted_choices", "consumers choosing Restricted mode"),
            ("restriction_refused", "whose choice cannot be honoured"),
            ("requests_to_refusers", "Service Requests to their meters"),
            ("refused_restricted", "refused by the gateway (E169)"),
        ),
    ),
    (
        "MP39 CH returns",
        (
            ("ch_returns", "CH returns"),
            ("rsa_returns", "sent by a Registered Supplier Agent"),
            ("rsa_returns_refused", "refused to the RSA (E2)"),
        ),
    ),
    (
        "MP202 PPMIDs",
        (
            ("ppmid_installs", "PPMID installations"),
            ("ppmid_failed", "installations that fail (stranded PPMIDs)"),
        ),
    ),
)


def count(values: np.ndarray, factor: float = 1.0) -> str:
    """A count with its 5-95% band (a single run, or no spread: the count alone)."""
    low, mid, high = (v * factor for v in band(values))
    text = f"{mid:,.0f}"
    if high > low:
        text += f" (5-95%: {low:,.0f}-{high:,.0f})"
    return text


def pounds(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}£{value / 1e9:,.2f}bn"
    if value >= 1e6:
        return f"{sign}£{value / 1e6:,.2f}m"
    if value >= 1e4:
        return f"{sign}£{value / 1e3:,.0f}k"
    if 0 < value < 10:
        return f"{sign}£{value:,.2f}"
    return f"{sign}£{value:,.0f}"


def pound_range(low: float, high: float) -> str:
    return pounds(low) if low == high else f"{pounds(low)}-{pounds(high)}"


def years(value: float | None, horizon: int) -> str:
    if value is None:
        return "never (the savings do not repay the cost)"
    if value < 1 / 12:
        return "within the first month"
    return f"{value:.1f} years" + (
        f" (beyond the {horizon}-year horizon)" if value > horizon else ""
    )


def changed(outcome: Outcome, metric: str) -> bool:
    first = outcome.daily[0][metric]
    return any(not np.array_equal(first, other[metric]) for other in outcome.daily[1:])


def paragraphs(outcome: Outcome) -> list[tuple[str, str]]:
    """(heading, text) per question the rule sets answer, then the money."""
    s = outcome.scenario
    factor = analysis.up(outcome)
    size = f"{round(s.fleet.premises * factor):,} premises over {s.scenario.months} months"
    runs = len(outcome.seeds)
    spread = f"median of {runs} runs, 5-95% band" if runs > 1 else "one run"
    out = []
    for heading, metrics in TOPICS:
        if not any(changed(outcome, m) for m, _ in metrics):
            continue
        clauses = []
        for r, name in enumerate(outcome.names):
            figures = "; ".join(
                f"{label} {count(outcome.totals(r, m), factor)}" for m, label in metrics
            )
            clauses.append(f"Under “{name}”: {figures}")
        text = f"For {size} ({spread}): " + ". ".join(clauses) + "."
        if heading.startswith("MP202"):
            gb = s.costs.gb_premises / s.fleet.premises
            text += (
                " At GB scale: "
                f"{count(outcome.daily[0]['ppmids'][:, 0], gb)} dual-mode PPMIDs on day "
                "one (the six million of seed 004), and "
                f"{count(outcome.totals(0, 'ppmid_installs_smets1'), gb)} PPMIDs "
                f"installed in SMETS1 systems over the {s.scenario.months} months."
            )
        if heading.startswith("MP121"):
            gb = s.costs.gb_premises / s.fleet.premises
            text += (
                " The backlog at go-live: "
                f"{count(outcome.daily[0]['uncommissioned_meters'][:, 0], gb)} SMETS2+ "
                "meters InstalledNotCommissioned on day one at GB scale."
            )
        out.append((heading, text))
    out.append(("Money", _money(outcome)))
    return out


def _money(outcome: Outcome) -> str:
    s = outcome.scenario
    c = s.costs
    appraisals = analysis.appraisals(outcome)
    first = appraisals[0].name
    parts = []
    order = [s.headline()] + [i for i in range(1, len(appraisals)) if i != s.headline()]
    for i in order:
        a = appraisals[i]
        low, mid, high = a.saving_a_year
        verb = "avoids" if mid >= 0 else "incurs"
        text = (
            f"Against “{first}”, “{a.name}” {verb} {pounds(abs(mid))} a year of "
            "operating costs at GB scale"
        )
        if high > low:
            text += f" (5-95%: {pounds(low)} to {pounds(high)})"
        cost_lo, cost_hi = a.implementation
        text += (
            f"; its implementation costs {pound_range(cost_lo, cost_hi)} more; "
            f"net present value over {c.horizon_years} years at "
            f"{c.discount_rate:.1%}: {pounds(a.npv[1])} (from {pounds(a.npv[0])} "
            f"to {pounds(a.npv[2])}); break-even: "
            f"{years(a.break_even[1], c.horizon_years)}."
        )
        parts.append(text)
        if i == s.headline():
            parts.append("")
    return " ".join(p for p in parts if p)
