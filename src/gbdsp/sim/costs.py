"""Money: unit costs (each an assumption with its source), the DCC's implementation cost
ranges from the seeds, and the appraisal a working group asks for (costs avoided and
incurred against the first rule set, net present value over a horizon, break-even).

Operating costs are linear in the simulated counts: a unit cost times a metric's total (or,
for the CH stock level charge, times CH-months in stock). Savings are annualised from the
simulated months and scaled from the simulated fleet to GB (`gb_premises`), because the
DCC's implementation costs are for GB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[float, Field(ge=0.0)]
DAYS_A_MONTH = 365.25 / 12

S000 = "seed 000 (MP121 Modification Report)"
S001 = "seed 001 (MP169 DCC Preliminary Impact Assessment)"
S002 = "seed 002 (MP60 Working Group consultation responses)"
S003 = "seed 003 (MP39 Draft Modification Report)"
S004 = "seed 004 (MP202 Modification Report)"
NO_SOURCE = "assumption, no source"


class Implementation(BaseModel):
    """A modification's one-time implementation cost: the DCC's range, plus fixed one-off
    costs (Full Impact Assessment, SECAS effort)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    low: Money
    high: Money
    one_off: Money = 0.0

    @model_validator(mode="after")
    def _ordered(self) -> Implementation:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self

    def range(self) -> tuple[float, float]:
        return self.low + self.one_off, self.high + self.one_off


IMPLEMENTATION = {
    "mp60": Implementation(low=64_000, high=84_000),
    "mp121": Implementation(low=150_000, high=350_000, one_off=10_762 + 1_200),
    "mp169": Implementation(low=1_291_600, high=1_690_600, one_off=131_423),
    "mp202": Implementation(low=350_000, high=750_000, one_off=1_200),
    "mp39": Implementation(low=250_000, high=500_000, one_off=1_200),
}
IMPLEMENTATION_SOURCES = {
    "mp60": S002 + ", Question 1, Bryt Energy quoting the DCC's indicative range "
    "(tactical change of 12 to 36 months; 'not a full IA')",
    "mp121": S000 + ", Annex C DCC Preliminary Impact Assessment, section 6 Costs and "
    "Charges: ROM £150,000-£350,000 to the end of PIT (the SSI solution) and a "
    "£10,762 Full Impact Assessment; section 5 Costs: SECAS £1,200. The e-mail "
    "solution: no DCC cost (section 5), set a rule set's implementation_gbp",
    "mp169": S001 + ", section 1 Executive Summary and section 9 DCC Costs and Charges: ROM "
    "£1,291,600-£1,690,600 to the end of PIT, Full Impact Assessment £131,423",
    "mp202": S004 + ", section 5 Costs: £350,000-£750,000 to the end of PIT, SECAS about £1,200",
    "mp39": S003 + ", section 5 Costs: DCC £250,000-£500,000, SECAS £1,200 (two days at a "
    "blended £600)",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One unit cost and what the simulation counts it on."""

    key: str
    label: str
    unit: str
    drivers: tuple[tuple[str, float], ...]
    """(metric, coefficient): the quantity is the sum of coefficient x metric total."""
    source: str = NO_SOURCE
    per_month_level: bool = False
    """The driver is a level; the quantity is its average times the months (CH-months)."""


ITEMS = (
    Item(
        "site_visit",
        "site visit",
        "£ per visit",
        (("replacement_visits", 1.0),),
        NO_SOURCE + " (seed 000 names 'unnecessary site visits' as the cost MP121 avoids)",
    ),
    Item(
        "meter_exchange",
        "meter exchange (meter and fitting)",
        "£ per meter",
        (("replaced_no_code", 1.0),),
        NO_SOURCE + " (seed 000: cost savings 'from each premises at which they did not "
        "have to exchange a meter')",
    ),
    Item(
        "premature_replacement_charge",
        "Premature Replacement Charge",
        "£ per meter",
        (("replaced_no_code", 1.0),),
        NO_SOURCE + " (PRCs named in seed 000, consultation responses, and seed 001 section "
        "3.1, no amount)",
    ),
    Item(
        "communications_hub",
        "Communications Hub written off",
        "£ per CH",
        (("removed_chs", 1.0), ("renotified_chs", -1.0)),
        NO_SOURCE + "; counted on CHs removed by housekeeping and not re-notified in the run",
    ),
    Item(
        "ch_stock_level_charge",
        "CH stock level charge",
        "£ per CH per month in stock",
        (("pending_chs", 1.0),),
        NO_SOURCE + " (the charge is named in seed 002, Questions 1 and 3, no amount)",
        per_month_level=True,
    ),
    Item(
        "renotification",
        "re-notification of a removed device",
        "£ per device",
        (("renotified", 1.0),),
        NO_SOURCE + " (seed 002: 'the administrative burden for re-notification')",
    ),
    Item(
        "failed_ppmid_install",
        "failed PPMID installation (revisit, manual SMI fix)",
        "£ per failure",
        (("ppmid_failed", 1.0),),
        NO_SOURCE,
    ),
    Item(
        "install_code_request",
        "install-code request handled",
        "£ per request",
        (("requests", 1.0),),
        S000 + ", Refinement Consultation Question 14, Utilita: the SSI solution 'equivalent "
        "to £1 per meter site'",
    ),
    Item(
        "rsa_return_handoff",
        "CH return an RSA cannot send (its supplier must)",
        "£ per return",
        (("rsa_returns_refused", 1.0),),
        NO_SOURCE,
    ),
    Item(
        "restriction_not_honoured",
        "consumer's Restricted-mode choice not honoured",
        "£ per consumer",
        (("restriction_refused", 1.0),),
        NO_SOURCE,
    ),
)
BY_KEY = {item.key: item for item in ITEMS}


class Costs(BaseModel):
    """`[costs]` of a scenario: every unit cost, the appraisal's terms, and the DCC's
    implementation cost of each modification."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    site_visit: Money = 150.0
    meter_exchange: Money = 120.0
    premature_replacement_charge: Money = 60.0
    communications_hub: Money = 60.0
    ch_stock_level_charge: Money = 0.5
    renotification: Money = 5.0
    failed_ppmid_install: Money = 150.0
    install_code_request: Money = 1.0
    restriction_not_honoured: Money = 20.0
    rsa_return_handoff: Money = 25.0
    discount_rate: Annotated[float, Field(ge=0.0, le=0.5)] = 0.035
    """HM Treasury Green Book social time preference rate (not in the seeds)."""
    horizon_years: Annotated[int, Field(ge=1, le=50)] = 5
    gb_premises: Annotated[int, Field(ge=1)] = 30_000_000
    """Savings are scaled from the simulated fleet to this many premises (GB)."""
    implementation: dict[str, Implementation] = {}
    """Overrides of the DCC's implementation cost ranges, by modification."""

    def unit(self, key: str) -> float:
        value: float = getattr(self, key)
        return value

    def implementation_of(self, modification: str) -> Implementation:
        return self.implementation.get(modification, IMPLEMENTATION[modification])


SOURCES = {
    "discount_rate": "HM Treasury Green Book social time preference rate (3.5%), not in the seeds",
    "horizon_years": NO_SOURCE,
    "gb_premises": "about 30 million GB premises (seed 004: six million PPMIDs is a fifth)",
}
UNITS = {"discount_rate": "a year", "horizon_years": "years", "gb_premises": "premises"}


def quantities(totals: dict[str, float], days: int) -> dict[str, float]:
    """Each item's quantity from the metrics' totals (levels: their daily sum, for
    CH-months)."""
    out = {}
    for item in ITEMS:
        q = sum(c * totals[m] for m, c in item.drivers)
        if item.per_month_level:
            q = q / DAYS_A_MONTH
        out[item.key] = max(0.0, q)
    return out


def operating(costs: Costs, totals: dict[str, float], days: int) -> dict[str, float]:
    """£ per item over the simulated period, for the simulated fleet."""
    return {k: q * costs.unit(k) for k, q in quantities(totals, days).items()}


def implementation_range(
    costs: Costs, modifications: list[str], override: tuple[float, float] | None
) -> tuple[float, float]:
    if override is not None:
        return override
    low = high = 0.0
    for m in modifications:
        lo, hi = costs.implementation_of(m).range()
        low, high = low + lo, high + hi
    return low, high


def present_value(annual: float, rate: float, years: int) -> float:
    """A saving of `annual` at the end of each of `years` years, discounted."""
    if rate == 0:
        return annual * years
    return annual * (1 - (1 + rate) ** -years) / rate


def break_even_years(cost: float, annual: float, rate: float) -> float | None:
    """Years until discounted savings repay `cost` (continuous), None if never."""
    if cost <= 0:
        return 0.0
    if annual <= 0:
        return None
    if rate == 0:
        return cost / annual
    x = 1 - cost * math.log(1 + rate) / annual
    if x <= 0:
        return None
    return -math.log(x) / math.log(1 + rate)
