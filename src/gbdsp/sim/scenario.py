"""A simulation scenario: the fleet's assumptions and the rule sets to compare (one TOML file).

Every assumption is a share or a rate, so `--scale` changes only the number of premises.
The rule sets use the gateway's own configuration settings (`housekeeping`: a housekeeping
rule; `install_codes`, `restricted_mode`: those of `[modifications.mp121]` and
`[modifications.mp169]`) and name the modifications in force; `rules.py` turns them into a
`gbdsp.config.Config` and asks the same policies the gateway asks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gbdsp.config import InstallCodesConfig, RestrictedModeConfig, RuleConfig
from gbdsp.domain import rules
from gbdsp.domain.errors import GbdspError
from gbdsp.domain.srv import catalogue
from gbdsp.sim import costs as money

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0)]


def _modification(name: str) -> str:
    if name not in rules.NAMES:
        raise ValueError(f"Input should be one of {', '.join(rules.NAMES)}, not {name!r}")
    return name


ModificationName = Annotated[str, AfterValidator(_modification)]


class ScenarioError(GbdspError):
    """The scenario file cannot be read or does not validate; the message names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class About(_Section):
    name: str
    question: str = ""
    """The working group's question this scenario answers, shown on the report."""
    start: date = date(2026, 1, 1)
    months: Annotated[int, Field(ge=1, le=120)] = 12
    seed: int = 1
    headline: str = ""
    """The rule set the answer and the sensitivity chart are about (default: the second),
    against the first."""
    fleet_from: Literal["", "SMI"] = ""
    """"SMI" when `--from-smi` took the fleet from the data directory's SMI."""
    history_months: Annotated[int, Field(ge=0, le=120)] = 36
    """Stock and refurbishment flows start this long before `start`, so day one already has
    a stock of every age (and what each rule set would have removed is gone)."""


class Fleet(_Section):
    premises: Annotated[int, Field(ge=1)]
    already_installed: Share = 0.6
    """Share of premises with a smart metering system at the start."""
    smets1_share: Share = 0.3
    """Share of those systems that are SMETS1 (new installs are SMETS2+)."""
    gas_share: Share = 0.8
    ppmid_share: Share = 0.33
    """Share of installs that include a PPMID (a dual-capable model: seed 004)."""
    suppliers: dict[str, Rate] = {"A": 0.3, "B": 0.25, "C": 0.2, "D": 0.15, "E": 0.1}
    """Market shares of the Responsible Suppliers (they must add up to 1)."""

    @field_validator("suppliers")
    @classmethod
    def _shares_add_up(cls, value: dict[str, float]) -> dict[str, float]:
        if not 1 <= len(value) <= 200:
            raise ValueError("name between 1 and 200 suppliers")
        total = sum(value.values())
        if abs(total - 1.0) > 0.001:
            raise ValueError(f"market shares add up to {total:.4f}, not 1")
        return value


class Installs(_Section):
    per_month: Rate = 0.008
    """New installs a month, as a share of all premises (taken from those without one)."""
    no_wan_share: Share = 0.08
    """Share of installs left without SM WAN (meters InstalledNotCommissioned, 8.14.2)."""
    coverage_days_mean: Annotated[float, Field(gt=0)] = 90.0
    """Mean days until the SM WAN reaches such a premises (exponential; the DCC has 90)."""
    never_commissioned_share: Share = 0.2
    """Of those, the share the installing supplier does not commission once the WAN comes."""
    uncommissioned_at_start: Share = 0.021
    """Share of SMETS2+ premises whose meters are InstalledNotCommissioned on day one."""
    prenotify_days_max: Annotated[int, Field(ge=0, le=365)] = 30
    """Meters and PPMIDs are pre-notified 0..this many days before their install."""


class Stock(_Section):
    """Communications Hub deliveries and how long a CH waits in the warehouse."""

    wait_days_median: Annotated[float, Field(gt=0)] = 60.0
    wait_sigma: Annotated[float, Field(ge=0, le=3)] = 1.0
    """Spread of the (log-normal) wait: 1.0 puts one CH in 20 beyond 5x the median."""
    never_installed_share: Share = 0.02
    """Delivered CHs never installed (obsolete firmware, lost, surplus)."""


class ChangeOfSupplier(_Section):
    per_year: Rate = 0.18
    """Switches a year per premises."""
    uncommissioned_multiplier: Annotated[float, Field(ge=1.0, le=20.0)] = 2.3
    """Premises whose meters are uncommissioned on day one switch this many times as often
    (no smart services: a reason to leave)."""


class Installers(_Section):
    """How an installing supplier answers a request for an install code (MP121)."""

    answer_share_with_obligation: Share = 0.97
    answer_share_without_obligation: Share = 0.3
    """Without MP121 nothing obliges the installer; the gainer asks informally."""
    answer_working_days_median: Annotated[float, Field(gt=0)] = 5.0
    answer_working_days_sigma: Annotated[float, Field(ge=0, le=3)] = 0.8
    patience_working_days: Annotated[int, Field(ge=0, le=250)] = 10
    """After the due date (or, without MP121, after `patience_without_sla` from the ask) the
    gaining supplier gives up and replaces the meters."""
    patience_without_sla: Annotated[int, Field(ge=0, le=250)] = 20


class Lifecycle(_Section):
    """Meters taken out (faults, upgrades) and what happens to them."""

    meter_replacements_per_year: Rate = 0.01
    refurbish_share: Share = 0.5
    """Decommissioned meters refurbished and brought back (AC 7.1: Pending again)."""
    refurbish_days: Annotated[int, Field(ge=0, le=3650)] = 60
    never_reinstalled_share: Share = 0.2
    """Refurbished meters that then stay in stock for good."""


class Restricted(_Section):
    """MP169: consumers refusing smart functionality, and the requests their meters get."""

    choosing_per_year: Rate = 0.002
    """Share of premises whose consumer asks for Restricted mode each year."""
    requests_per_meter_per_day: dict[str, Rate] = {
        "4.8.1": 1.0,
        "4.6.1": 1.0,
        "4.1.1": 0.2,
        "6.2.7": 0.01,
        "1.1.1": 0.01,
        "7.4": 0.01,
    }
    """Service Requests a meter gets a day, by SRV."""

    @field_validator("requests_per_meter_per_day")
    @classmethod
    def _known_srvs(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(catalogue().by_id))
        if unknown:
            raise ValueError(f"not an SRV of the catalogue: {', '.join(unknown)}")
        return value


class Ppmid(_Section):
    replacements_per_year: Rate = 0.03
    """PPMIDs replaced or added at premises that have a system (both SMETS1 and SMETS2+)."""
    wrong_variant_share: Share = 0.05
    """Share of PPMIDs pre-notified for the other system than the one they end up in
    (logistics: the same physical model, two CPL rows under the interim solution)."""


class Returns(_Section):
    """MP39: Communications Hub returns (8.14.3 fault, 8.14.4 no fault) and who sends them."""

    per_year: Rate = 0.004
    """CH returns a year per installed premises."""
    rsa_share: Share = 0.1
    """Share of returns a Registered Supplier Agent sends for a (small) supplier."""
    fault_share: Share = 0.7
    """Share of returns that are fault returns (8.14.3); the rest are 8.14.4."""


class RuleSet(_Section):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    modifications: list[ModificationName] = []
    """Modifications in force from the start; the others are off."""
    housekeeping: RuleConfig = RuleConfig(months=12)
    """The housekeeping rule in force (AC 7.2 as it stands, or MP60's)."""
    install_codes: InstallCodesConfig = InstallCodesConfig()
    restricted_mode: RestrictedModeConfig = RestrictedModeConfig()
    implementation_gbp: tuple[money.Money, money.Money] | None = None
    """[low, high] one-time cost of this rule set, instead of the sum of its modifications'
    DCC ranges (e.g. MP121's e-mail solution: [1200, 1200])."""

    @field_validator("housekeeping")
    @classmethod
    def _housekeeping(cls, value: RuleConfig) -> RuleConfig:
        """Its device types are checked by `RuleConfig` itself."""
        if value.months < 1:
            raise ValueError("months must be at least 1")
        return value

    @field_validator("install_codes")
    @classmethod
    def _install_codes(cls, value: InstallCodesConfig) -> InstallCodesConfig:
        """Its calendar is checked by `InstallCodesConfig` itself."""
        if not 1 <= value.sla_working_days <= 250:
            raise ValueError("sla_working_days must be between 1 and 250")
        return value


class Scenario(_Section):
    scenario: About
    fleet: Fleet
    installs: Installs = Installs()
    stock: Stock = Stock()
    change_of_supplier: ChangeOfSupplier = ChangeOfSupplier()
    installers: Installers = Installers()
    lifecycle: Lifecycle = Lifecycle()
    restricted: Restricted = Restricted()
    ppmid: Ppmid = Ppmid()
    returns: Returns = Returns()
    costs: money.Costs = money.Costs()
    ruleset: Annotated[list[RuleSet], Field(min_length=2, max_length=8)]

    @model_validator(mode="after")
    def _distinct_names(self) -> Scenario:
        names = [r.name for r in self.ruleset]
        if len(set(names)) != len(names):
            raise ValueError(f"rule set names must differ: {names}")
        if self.scenario.headline and self.scenario.headline not in names:
            raise ValueError(f"scenario.headline {self.scenario.headline!r} is not a rule set")
        unknown = sorted(set(self.costs.implementation) - set(money.IMPLEMENTATION))
        if unknown:
            raise ValueError(f"costs.implementation: not a modification: {', '.join(unknown)}")
        return self

    def headline(self) -> int:
        """Index of the rule set the answer is about (against the first)."""
        names = [r.name for r in self.ruleset]
        return names.index(self.scenario.headline) if self.scenario.headline else 1

    def scaled(self, scale: float | None = None, seed: int | None = None) -> Scenario:
        """The same assumptions for `scale` times the premises (at least 1), or another seed."""
        fleet = self.fleet
        if scale is not None:
            if scale <= 0:
                raise ScenarioError(f"--scale must be positive, not {scale}")
            fleet = fleet.model_copy(update={"premises": max(1, round(fleet.premises * scale))})
        about = self.scenario if seed is None else self.scenario.model_copy(update={"seed": seed})
        return self.model_copy(update={"fleet": fleet, "scenario": about})

    def assumptions(self) -> list[tuple[str, str]]:
        """Every assumption as (key, value), for the report and the CSV's readers."""
        lines = [
            (f"scenario.{key}", _show(value))
            for key, value in self.scenario.model_dump().items()
            if key not in ("name", "question", "fleet_from")
        ]
        for section in SECTIONS:
            for key, value in getattr(self, section).model_dump().items():
                if section == "costs" and key == "implementation":
                    continue
                lines.append((f"{section}.{key}", _show(value)))
        return lines

    def assumption_rows(self) -> list[Assumption]:
        """Every assumption with its unit, whether the scenario file set it or it is
        gbdsp's default, and the source of the default."""
        rows = []
        for key, value in self.assumptions():
            section, _, name = key.partition(".")
            part = getattr(self, section)
            given = section in self.model_fields_set and name in part.model_fields_set
            origin = "scenario" if given else "default"
            source = source_of(key)
            if self.scenario.fleet_from == "SMI" and key in SMI_KEYS:
                origin, source = "SMI", "the data directory's SMI (--from-smi)"
            rows.append(Assumption(key, value, unit_of(key, part, name), origin, source))
        for name in money.IMPLEMENTATION:
            lo, hi = self.costs.implementation_of(name).range()
            given = name in self.costs.implementation
            rows.append(
                Assumption(
                    f"costs.implementation.{name}",
                    f"{lo:,.0f}-{hi:,.0f}",
                    "£ one-time (DCC range + one-off costs)",
                    "scenario" if given else "default",
                    money.IMPLEMENTATION_SOURCES[name],
                )
            )
        return rows


SMI_KEYS = frozenset(
    (
        "fleet.premises",
        "fleet.already_installed",
        "fleet.smets1_share",
        "fleet.gas_share",
        "fleet.ppmid_share",
        "fleet.suppliers",
        "installs.uncommissioned_at_start",
        "scenario.history_months",
    )
)
"""The assumptions `--from-smi` takes from the SMI (`sim.from_smi.adapt`)."""

SECTIONS = (
    "fleet",
    "installs",
    "stock",
    "change_of_supplier",
    "installers",
    "lifecycle",
    "restricted",
    "ppmid",
    "returns",
    "costs",
)


@dataclass(frozen=True, slots=True)
class Assumption:
    key: str
    value: str
    unit: str
    origin: str
    """"scenario" (the file sets it) or "default" (gbdsp's)."""
    source: str


_M000 = "seed 000 (MP121 Modification Report)"
PUBLISHED = {
    "installs.no_wan_share": _M000 + ", Refinement Consultation Questions 1 and 12, Calvin "
    "Capital: 'circa 8% of all SMETS2 devices are not commissioned "
    "at installation'",
    "installs.coverage_days_mean": _M000 + ", section 1 Summary (page 2): 'the DCC has 90 "
    "days to address the WAN connectivity'",
    "installs.uncommissioned_at_start": "calibrated to " + _M000 + ", section 7 Scale of the "
    "issue (pages 6-7): BEIS's 'approximately 500,000 "
    "SMETS2 meters sat in a non-commissioned status' "
    "and the Proposer's 'around 3% of smart meters "
    "gained from another Supplier'",
    "fleet.ppmid_share": "calibrated to seed 004 (MP202 Modification Report), section 2: "
    "'a reported six million Devices' (with fleet.already_installed)",
    "scenario.months": "12 or 36 months: seed 002 (MP60)",
    "change_of_supplier.uncommissioned_multiplier": "assumption, no source; calibrated so "
    "that seed 000's 3% of meters gained uncommissioned and BEIS's about 500,000 "
    "non-commissioned SMETS2 meters (section 7) hold together",
}


def source_of(key: str) -> str:
    section, _, name = key.partition(".")
    if section == "costs":
        if name in money.BY_KEY:
            return money.BY_KEY[name].source
        return money.SOURCES.get(name, money.NO_SOURCE)
    if section == "scenario" and name in ("start", "seed"):
        return "a choice of the run"
    return PUBLISHED.get(key, money.NO_SOURCE)


def unit_of(key: str, part: BaseModel, name: str) -> str:
    """The unit of an assumption, from its name and type."""
    section = key.partition(".")[0]
    if section == "costs":
        return money.BY_KEY[name].unit if name in money.BY_KEY else money.UNITS.get(name, "")
    explicit = {
        "start": "date",
        "seed": "",
        "headline": "rule set",
        "premises": "premises",
        "suppliers": "market share by supplier",
        "requests_per_meter_per_day": "requests per meter per day, by SRV",
        "per_month": "share of premises per month",
        "months": "months",
        "history_months": "months",
        "coverage_days_mean": "days (mean)",
        "wait_days_median": "days (median)",
        "refurbish_days": "days",
        "prenotify_days_max": "days",
        "answer_working_days_median": "Working Days (median)",
        "patience_working_days": "Working Days",
        "patience_without_sla": "Working Days",
    }
    if name in explicit:
        return explicit[name]
    if name.endswith("sigma"):
        return "log-normal sigma"
    if name.endswith("per_year"):
        return "per premises per year" if section != "lifecycle" else "per meter per year"
    field = type(part).model_fields[name]
    if any(getattr(m, "le", None) == 1.0 for m in field.metadata):
        return "share (0-1)"
    return ""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
        )
    return f"{value:g}" if isinstance(value, float) else str(value)


def load(path: Path) -> Scenario:
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None
    return parse(text, str(path))


def parse(text: str, source: str = "scenario") -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{source}: not valid TOML: {e}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(f"{source}: " + "; ".join(_where(err) for err in e.errors())) from None


def _where(error: Any) -> str:
    """`ruleset #2.housekeeping.months: Input should be ...` (counted from 1, as the file
    reads) from a pydantic error."""
    path = ""
    for part in error["loc"]:
        path += f" #{part + 1}" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path or 'file'}: {message}"
