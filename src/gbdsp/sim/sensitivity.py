"""How far the answer moves across each key assumption's plausible range (a tornado chart).

The answer is the headline rule set's net present value against the first rule set, at GB
scale, for the first seed (the same seed for every variation: common random numbers, so
the differences are the assumption's, not the draws'). A model assumption re-runs the
simulation with the low and the high value; a cost assumption only re-prices the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from gbdsp.sim import analysis
from gbdsp.sim.batch import Outcome, one_seed, run_all, stack
from gbdsp.sim.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Range:
    key: str
    low: float
    high: float
    why: str


MODEL_RANGES = (
    Range(
        "installs.uncommissioned_at_start",
        0.01,
        0.40,
        "share uncommissioned: about 3% gained (Proposer) up to Utilita's 40-45% (seed 000, "
        "Question 12)",
    ),
    Range(
        "fleet.ppmid_share",
        0.22,
        0.45,
        "dual-mode PPMIDs: four to eight million around the six million of seed 004",
    ),
    Range(
        "stock.wait_sigma",
        0.6,
        1.4,
        "spread of CH warehouse waits: share of CHs left in stock past 12 months",
    ),
    Range("stock.wait_days_median", 30, 120, "median CH warehouse wait"),
    Range("installs.no_wan_share", 0.03, 0.15, "installs without SM WAN (about 8%: seed 000)"),
    Range("change_of_supplier.per_year", 0.12, 0.24, "switching rate"),
    Range(
        "installers.answer_share_without_obligation", 0.1, 0.6, "codes given without an obligation"
    ),
    Range("ppmid.wrong_variant_share", 0.02, 0.10, "PPMIDs pre-notified for the other system"),
    Range("restricted.choosing_per_year", 0.001, 0.01, "consumers choosing Restricted mode"),
    Range("returns.rsa_share", 0.02, 0.3, "CH returns an RSA sends (MP39)"),
)
COST_FACTORS = (0.5, 2.0)
"""A unit cost's plausible range, as factors of its value (none has a published figure)."""


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    low_value: float
    high_value: float
    at_low: float
    at_high: float
    why: str

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


def with_value(scenario: Scenario, key: str, value: float) -> Scenario:
    section, _, name = key.partition(".")
    part = getattr(scenario, section)
    current: Any = getattr(part, name)
    typed = type(current)(value) if isinstance(current, int | float) else value
    return scenario.model_copy(update={section: part.model_copy(update={name: typed})})


def answer(outcome: Outcome) -> float:
    """The headline rule set's NPV against the first, median saving and mid cost."""
    return analysis.appraisals(outcome)[outcome.scenario.headline()].npv[1]


def tornado(
    outcome: Outcome, executor: Executor | None = None, on_done: Callable[[], None] | None = None
) -> tuple[float, list[Bar]]:
    """The base answer and one bar per assumption, widest first."""
    base_scenario = outcome.scenario
    seed = outcome.seeds[:1]
    base = outcome.first_run()
    bars = []
    variants = [
        (r, with_value(base_scenario, r.key, v)) for r in MODEL_RANGES for v in (r.low, r.high)
    ]
    results = _run_variants([v for _, v in variants], seed, executor, on_done, outcome)
    for i in range(0, len(variants), 2):
        r = variants[i][0]
        bars.append(Bar(r.key, r.low, r.high, answer(results[i]), answer(results[i + 1]), r.why))
    costs = base_scenario.costs
    for key in (
        "site_visit",
        "meter_exchange",
        "premature_replacement_charge",
        "communications_hub",
        "ch_stock_level_charge",
        "renotification",
        "failed_ppmid_install",
        "restriction_not_honoured",
        "rsa_return_handoff",
    ):
        value = costs.unit(key)
        if value == 0:
            continue
        at = [answer(_repriced(base, f"costs.{key}", value * f)) for f in COST_FACTORS]
        bars.append(
            Bar(
                f"costs.{key}",
                value * COST_FACTORS[0],
                value * COST_FACTORS[1],
                at[0],
                at[1],
                "unit cost, half to double (no published figure)",
            )
        )
    for key, low, high in (("costs.discount_rate", 0.0, 0.07), ("costs.horizon_years", 3, 10)):
        at = [answer(_repriced(base, key, v)) for v in (low, high)]
        bars.append(Bar(key, low, high, at[0], at[1], "appraisal terms"))
    return answer(base), sorted(bars, key=lambda b: -b.swing)


def _repriced(base: Outcome, key: str, value: float) -> Outcome:
    return Outcome(
        with_value(base.scenario, key, value), base.seeds, base.daily, base.scale, base.snapshot
    )


def _run_variants(
    scenarios: list[Scenario],
    seeds: list[int],
    executor: Executor | None,
    on_done: Callable[[], None] | None,
    base: Outcome,
) -> list[Outcome]:
    scale, snapshot = base.scale, base.snapshot
    if executor is None:
        return [run_all(s, seeds, None, on_done, scale, snapshot) for s in scenarios]
    futures = [executor.submit(one_seed, s, seeds[0], snapshot) for s in scenarios]
    out = []
    for s, future in zip(scenarios, futures, strict=True):
        daily = future.result()
        if on_done is not None:
            on_done()
        out.append(Outcome(s, seeds, stack([daily], len(s.ruleset)), scale, snapshot))
    return out
