"""The figures a report shows, from an `Outcome`: totals with bands, money (operating costs,
implementation, net present value, break-even), and the calibration against the figures
published in the seeds. Shared by the HTML and the CSVs so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gbdsp.sim import costs as money
from gbdsp.sim.batch import Outcome, band
from gbdsp.sim.fleet import Array
from gbdsp.sim.metrics import METRICS

Band = tuple[float, float, float]


def per_year_gb(outcome: Outcome) -> float:
    """Factor from the simulated fleet over the simulated period to GB over one year."""
    about = outcome.scenario
    return (365.25 / outcome.days) * about.costs.gb_premises / about.fleet.premises


def up(outcome: Outcome) -> float:
    """Factor from the simulated fleet to the scenario's own (unscaled) fleet."""
    return 1.0 / outcome.scale


def driver_totals(outcome: Outcome, index: int) -> dict[str, Array]:
    """Per run, each metric's total (levels: summed over days, for unit-months)."""
    return {
        m.name: (
            outcome.level_sum(index, m.name) if m.level else outcome.totals(index, m.name)
        ).astype(np.float64)
        for m in METRICS
    }


def operating_runs(outcome: Outcome, index: int) -> dict[str, Array]:
    """Per item, per run: £ over the simulated period for the simulated fleet."""
    totals = driver_totals(outcome, index)
    runs = len(outcome.seeds)
    per_run = [
        money.operating(
            outcome.scenario.costs, {k: float(v[i]) for k, v in totals.items()}, outcome.days
        )
        for i in range(runs)
    ]
    return {item.key: np.array([r[item.key] for r in per_run]) for item in money.ITEMS}


@dataclass(frozen=True, slots=True)
class Appraisal:
    """One rule set against the first, at GB scale."""

    name: str
    operating_a_year: Band
    """£ a year, GB."""
    saving_a_year: Band
    """£ a year avoided (negative: incurred) against the first rule set, GB."""
    implementation: tuple[float, float]
    """£ one-time, beyond the first rule set's."""
    npv: Band
    """Net present value over the horizon: (lowest: 5% saving and high cost, at median
    saving and the middle of the cost range, highest: 95% saving and low cost)."""
    break_even: tuple[float | None, float | None, float | None]
    """Years, in the same three cases (None: not within any horizon)."""
    items_a_year: dict[str, float]
    """£ a year, GB, per item (median over runs)."""


def appraisals(outcome: Outcome) -> list[Appraisal]:
    scenario, factor = outcome.scenario, per_year_gb(outcome)
    c = scenario.costs
    operating = [operating_runs(outcome, r) for r in range(len(scenario.ruleset))]
    totals = [np.sum(list(items.values()), axis=0) * factor for items in operating]
    implementation = [
        money.implementation_range(c, list(rs.modifications), rs.implementation_gbp)
        for rs in scenario.ruleset
    ]
    out = []
    for r, ruleset in enumerate(scenario.ruleset):
        saving = band(totals[0] - totals[r])
        lo = implementation[r][0] - implementation[0][0]
        hi = implementation[r][1] - implementation[0][1]
        cost_lo, cost_hi = min(lo, hi), max(lo, hi)
        mid_cost = (cost_lo + cost_hi) / 2
        cases = ((saving[0], cost_hi), (saving[1], mid_cost), (saving[2], cost_lo))
        npv = tuple(money.present_value(s, c.discount_rate, c.horizon_years) - k for s, k in cases)
        even = tuple(money.break_even_years(k, s, c.discount_rate) for s, k in cases)
        out.append(
            Appraisal(
                ruleset.name,
                band(totals[r]),
                saving,
                (cost_lo, cost_hi),
                (npv[0], npv[1], npv[2]),
                (even[0], even[1], even[2]),
                {k: float(np.median(v)) * factor for k, v in operating[r].items()},
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Calibration:
    figure: str
    published: str
    source: str
    model: Band
    unit: str
    tuned: str
    note: str = ""


def _ratio(a: Array, b: Array) -> Array:
    return np.asarray(a, np.float64) / np.maximum(1.0, np.asarray(b, np.float64))


def calibration(outcome: Outcome) -> list[Calibration]:
    """The baseline rule set's outputs beside the seeds' published figures."""
    s = outcome.scenario
    gb = s.costs.gb_premises / s.fleet.premises
    t = driver_totals(outcome, 0)
    first = {name: outcome.daily[0][name][:, 0] for name in ("uncommissioned_meters", "ppmids")}
    s000 = "seed 000 (MP121 Modification Report)"

    def value(key: str) -> str:
        return f"{key} = {dict(s.assumptions())[key]}"

    return [
        Calibration(
            "meters gained from another supplier that are uncommissioned",
            "about 3%",
            s000 + ", section 7 Scale of the issue (the Proposer); "
            "Utilita 40-45% as the outlier (Question 12)",
            band(100 * _ratio(t["gained_uncommissioned"], t["meters_gained"])),
            "%",
            value("installs.uncommissioned_at_start")
            + ", "
            + value("change_of_supplier.uncommissioned_multiplier"),
        ),
        Calibration(
            "SMETS2 installs not commissioned at installation (no SM WAN)",
            "about 8%",
            s000 + ", Refinement Consultation Questions 1 and 12 (Calvin Capital)",
            band(100 * _ratio(t["installs_no_wan"], t["installs"])),
            "%",
            value("installs.no_wan_share"),
        ),
        Calibration(
            "SMETS2 meters in a non-commissioned status, GB, on day one",
            "about 500,000",
            s000 + ", section 7 Scale of the issue (BEIS, via SECAS)",
            band(first["uncommissioned_meters"] * gb),
            "meters",
            value("installs.uncommissioned_at_start"),
            "the 500,000 included Devices genuinely Pending; 'the actual number "
            "affected ... was much lower' (same section)",
        ),
        Calibration(
            "dual-mode PPMIDs installed, GB, on day one",
            "six million",
            "seed 004 (MP202 Modification Report), section 2 Issue",
            band(first["ppmids"] * gb),
            "PPMIDs",
            value("fleet.ppmid_share") + " (x " + value("fleet.already_installed") + ")",
        ),
        Calibration(
            "days until the SM WAN reaches an install without it (mean)",
            "90 days",
            s000 + ", section 1 Summary: 'the DCC has 90 days'",
            band(_ratio(t["wan_wait_days"], t["installs_no_wan"])),
            "days",
            value("installs.coverage_days_mean"),
            "share reached within 90 days: "
            + _pct(band(100 * _ratio(t["wan_within_90_days"], t["installs_no_wan"]))),
        ),
    ]


def _pct(b: Band) -> str:
    if b[0] == b[2]:
        return f"{b[1]:.1f}%"
    return f"{b[1]:.1f}% (5-95%: {b[0]:.1f}-{b[2]:.1f}%)"
