"""The synthetic fleet: every random draw that does not depend on the rules, made once.

Each process draws from its own named stream (`streams`), so changing one assumption or
one rule does not shift the draws of another, and every rule set starts from this very
fleet: differences between rule sets come from the rules alone. Draws are per entity (a
premises' install, a CH's wait in the warehouse, a premises' installer's answer time) and
made up front; the engine only reads them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.housekeeping import months_after
from gbdsp.sim.rules import NONE
from gbdsp.sim.scenario import Scenario

if TYPE_CHECKING:
    from gbdsp.sim.from_smi import Snapshot

Array = NDArray[Any]
NEVER = np.int32(2**31 - 1)
DAYS_A_YEAR = 365.25
DAYS_A_MONTH = DAYS_A_YEAR / 12

KINDS = (DeviceType.CHF, DeviceType.GPF, DeviceType.ESME, DeviceType.GSME, DeviceType.PPMID)
CHF, GPF, ESME, GSME, PPMID = range(len(KINDS))


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of one process, the same for a seed whatever else runs."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),))
    )


class Rows:
    """Devices in stock (or on their way to it), as growable columns: a CH from delivery to
    install, a meter from pre-notification to install, a refurbished meter."""

    COLUMNS: ClassVar[dict[str, Any]] = {
        "kind": np.uint8,
        "status": np.uint8,
        "since": np.int32,
        "left": np.bool_,
        "removal": np.int32,
        "premises": np.int32,
        "install": np.int32,
        "smets1": np.bool_,
    }

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.columns = {
            name: np.zeros(max(capacity, 16), dtype) for name, dtype in self.COLUMNS.items()
        }

    def __getattr__(self, name: str) -> Array:
        try:
            return self.__dict__["columns"][name][: self.__dict__["size"]]  # type: ignore[no-any-return]
        except KeyError:
            raise AttributeError(name) from None

    def add(self, **values: Any) -> Array:
        """Append rows (one array or scalar per column; unnamed columns take defaults)."""
        sizes = {np.size(v) for v in values.values() if np.ndim(v)}
        n = sizes.pop() if sizes else 1
        if sizes or n == 0:
            assert not sizes, "columns of different lengths"
            return np.zeros(0, np.int64)
        if self.size + n > len(self.columns["kind"]):
            # Exact for the big adds of the build, a quarter more for the run's small ones.
            capacity = max(len(self.columns["kind"]) * 5 // 4, self.size + n)
            for name, column in self.columns.items():
                grown = np.zeros(capacity, column.dtype)
                grown[: self.size] = column[: self.size]
                self.columns[name] = grown
        ids = np.arange(self.size, self.size + n)
        defaults = {"status": NONE, "removal": NEVER, "premises": -1, "install": NEVER}
        for name, column in self.columns.items():
            column[ids] = values.get(name, defaults.get(name, 0))
        self.size += n
        return ids

    def copy(self) -> Rows:
        """The rows in use and a little room to grow (not the whole capacity)."""
        other = Rows(0)
        other.size = self.size
        room = self.size + self.size // 16 + 16
        other.columns = {}
        for name, column in self.columns.items():
            grown = np.zeros(room, column.dtype)
            grown[: self.size] = column[: self.size]
            other.columns[name] = grown
        return other


@dataclass
class Events:
    """Dated events known before the run: (day, subject) pairs by kind."""

    by_kind: dict[str, dict[int, Array]] = field(default_factory=dict)

    def add(self, kind: str, days: Array, subjects: Array) -> None:
        table = self.by_kind.setdefault(kind, {})
        if not len(days):
            return
        order = np.argsort(days, kind="stable")
        days, subjects = days[order], subjects[order].astype(np.int32)
        unique, starts = np.unique(days, return_index=True)
        for day, part in zip(unique.tolist(), np.split(subjects, starts[1:]), strict=True):
            table[day] = np.concatenate([table[day], part]) if day in table else part


@dataclass
class Fleet:
    """The draws, the days, and the stock on day one (before any rule runs)."""

    scenario: Scenario
    first_day: int
    days: int
    premises: dict[str, Array]
    stock: Rows
    events: Events
    gpf_offset: int
    """A CH's GPF row is its CHF row plus this."""
    switches: dict[str, Array]
    """Per change of supplier (by event number): the premises and the gaining supplier."""
    faults: dict[str, Array]
    """Per meter replacement (by event number): the premises, gas or not, refurbished or not,
    the day it is back in stock, the day it is installed again."""
    ppmids: dict[str, Array]
    """Per PPMID replacement at a premises with a system: the premises, and whether it was
    pre-notified for the other system."""
    returns: dict[str, Array] = field(default_factory=dict)
    """Per CH return (MP39): sent by an RSA or not, a fault return (8.14.3) or not."""


def build(scenario: Scenario, snapshot: Snapshot | None = None) -> Fleet:
    """The fleet's draws; from `snapshot` (the SMI), its installed systems and Pending stock
    instead of drawn ones and a synthetic history."""
    about, fleet = scenario.scenario, scenario.fleet
    seed = about.seed
    end = months_after_date(about.start, about.months)
    days = (end - about.start).days
    first_day = synthetic_from = -round(about.history_months * DAYS_A_MONTH)
    if snapshot is not None:
        synthetic_from = 0
        first_day = min(0, max(-3650, int(snapshot.stock_since.min(initial=0))))
    n = fleet.premises
    shares = np.array(list(fleet.suppliers.values()))
    shares = shares / shares.sum()

    rng = stream(seed, "premises")
    installed = np.zeros(n, np.bool_)
    installed[: round(n * fleet.already_installed)] = True
    premises: dict[str, Array] = {
        "installed": installed,
        "gas": rng.random(n) < fleet.gas_share,
        "smets1": installed & (rng.random(n) < fleet.smets1_share),
        "supplier": rng.choice(len(shares), n, p=shares).astype(np.uint8),
    }
    premises["installer"] = premises["supplier"].copy()
    premises["uncommissioned"] = (
        installed
        & ~premises["smets1"]
        & (rng.random(n) < scenario.installs.uncommissioned_at_start)
    )
    premises["ppmid"] = rng.random(n) < fleet.ppmid_share
    if snapshot is not None:
        k = snapshot.installed
        for column, values in (
            ("smets1", snapshot.smets1),
            ("supplier", snapshot.supplier),
            ("installer", snapshot.supplier),
            ("gas", snapshot.gas),
            ("ppmid", snapshot.ppmid),
            ("uncommissioned", snapshot.uncommissioned),
        ):
            premises[column][:k] = values

    rng = stream(seed, "installs")
    premises["no_wan"] = rng.random(n) < scenario.installs.no_wan_share
    premises["coverage_delay"] = np.ceil(
        rng.exponential(scenario.installs.coverage_days_mean, n)
    ).astype(np.int32)
    premises["stuck"] = rng.random(n) < scenario.installs.never_commissioned_share
    premises["lead"] = rng.integers(0, scenario.installs.prenotify_days_max + 1, n, dtype=np.int32)
    premises["ppmid_wrong"] = rng.random(n) < scenario.ppmid.wrong_variant_share

    rng = stream(seed, "installers")
    premises["answer_u"] = rng.random(n).astype(np.float32)
    premises["answer_wd"] = np.maximum(
        1,
        np.round(
            rng.lognormal(
                np.log(scenario.installers.answer_working_days_median),
                scenario.installers.answer_working_days_sigma,
                n,
            )
        ),
    ).astype(np.int32)

    events = Events()
    stock = Rows(1024)
    smi_hubs = None
    if snapshot is not None:
        hubs = snapshot.stock_kind == CHF
        smi_hubs = (snapshot.stock_since[hubs].astype(np.int64), snapshot.stock_left[hubs])
    gpf_offset = _hubs(scenario, premises, stock, events, first_day, synthetic_from, days, smi_hubs)
    if snapshot is not None:
        _smi_meters(scenario, snapshot, stock, events)

    rng = stream(seed, "change_of_supplier")
    cos = scenario.change_of_supplier
    cos_days, cos_premises = _poisson_events(rng, n, cos.per_year, 0, days)
    if cos.uncommissioned_multiplier > 1:
        # Consumers without smart services switch more often: extra switches for premises
        # whose meters are uncommissioned on day one (drawn after, so the others' stay).
        stuck = np.flatnonzero(premises["uncommissioned"])
        extra_days, chosen = _poisson_events(
            rng, len(stuck), cos.per_year * (cos.uncommissioned_multiplier - 1), 0, days
        )
        order = np.argsort(np.concatenate([cos_days, extra_days]), kind="stable")
        cos_days = np.concatenate([cos_days, extra_days])[order]
        cos_premises = np.concatenate([cos_premises, stuck[chosen] if len(stuck) else chosen])[
            order
        ]
    switches: dict[str, Array] = {
        "premises": cos_premises.astype(np.int32),
        "gainer": rng.choice(len(shares), len(cos_days), p=shares).astype(np.uint8),
    }
    events.add("cos", cos_days, np.arange(len(cos_days)))

    rng = stream(seed, "lifecycle")
    installed_ids = np.flatnonzero(installed)
    fault_days, chosen = _poisson_events(
        rng,
        len(installed_ids),
        scenario.lifecycle.meter_replacements_per_year,
        synthetic_from,
        days,
    )
    faults = {"premises": installed_ids[chosen] if len(installed_ids) else chosen}
    faults["gas"] = premises["gas"][faults["premises"]]
    faults.update(refurbish_draws(rng, scenario, fault_days))
    # A gas meter's own refurbishment draws come from the same event (it travels with the
    # electricity meter it was taken out with).
    events.add("fault", fault_days, np.arange(len(fault_days)))

    rng = stream(seed, "ppmid")
    ppmid_days, chosen = _poisson_events(
        rng, len(installed_ids), scenario.ppmid.replacements_per_year, 0, days
    )
    ppmids = {
        "premises": installed_ids[chosen] if len(installed_ids) else chosen,
        "wrong": rng.random(len(ppmid_days)) < scenario.ppmid.wrong_variant_share,
    }
    events.add("ppmid", ppmid_days, np.arange(len(ppmid_days)))

    rng = stream(seed, "returns")
    return_days, chosen = _poisson_events(
        rng, len(installed_ids), scenario.returns.per_year, 0, days
    )
    returns = {
        "rsa": rng.random(len(return_days)) < scenario.returns.rsa_share,
        "fault": rng.random(len(return_days)) < scenario.returns.fault_share,
    }
    events.add("return", return_days, np.arange(len(return_days)))

    rng = stream(seed, "restricted")
    choice_days, chosen = _poisson_events(
        rng, len(installed_ids), scenario.restricted.choosing_per_year, 0, days
    )
    events.add("restrict", choice_days, installed_ids[chosen] if len(installed_ids) else chosen)

    return Fleet(
        scenario,
        first_day,
        days,
        premises,
        stock,
        events,
        gpf_offset,
        switches,
        faults,
        ppmids,
        returns,
    )


def refurbish_draws(rng: np.random.Generator, scenario: Scenario, days: Array) -> dict[str, Array]:
    """For devices decommissioned on `days`: refurbished or not, when they are back in
    stock (Pending), and when (if ever) they are installed again."""
    life, stock = scenario.lifecycle, scenario.stock
    n = len(days)
    back = days + life.refurbish_days
    waits = np.ceil(rng.lognormal(np.log(stock.wait_days_median), stock.wait_sigma, n))
    reinstall = np.where(
        rng.random(n) < life.never_reinstalled_share, NEVER, back + waits.astype(np.int64)
    )
    return {
        "refurbished": rng.random(n) < life.refurbish_share,
        "back": back.astype(np.int64),
        "reinstall": reinstall.astype(np.int64),
    }


def _hubs(
    scenario: Scenario,
    premises: dict[str, Array],
    stock: Rows,
    events: Events,
    first_day: int,
    synthetic_from: int,
    days: int,
    smi: tuple[Array, Array] | None = None,
) -> int:
    """CH deliveries from the start of the history to the end, each CH's wait in the
    warehouse, and the premises it goes to (new installs take premises without a system in
    install order). A new install's meters and PPMID are pre-notified before it. CHs Pending
    in the SMI (`smi`: their Pending days and left-Pending flags) come first; one whose
    drawn wait has already passed waits a fresh draw from day one."""
    rng = stream(scenario.scenario.seed, "stock")
    fleet, installs = scenario.fleet, scenario.installs
    never_share = scenario.stock.never_installed_share
    per_day = fleet.premises * installs.per_month / DAYS_A_MONTH / max(1e-9, 1 - never_share)
    counts = rng.poisson(per_day, days - synthetic_from)
    delivered = np.repeat(np.arange(synthetic_from, days, dtype=np.int64), counts)
    left = np.zeros(len(delivered), np.bool_)
    if smi is not None:
        delivered = np.concatenate([smi[0], delivered])
        left = np.concatenate([smi[1], left])
    waits = np.ceil(
        rng.lognormal(
            np.log(scenario.stock.wait_days_median), scenario.stock.wait_sigma, len(delivered)
        )
    ).astype(np.int64)
    due = delivered + waits
    if smi is not None:
        due = np.where(due >= 0, due, waits)
    install = np.where(rng.random(len(delivered)) < never_share, NEVER, due)
    # A CH is installed at a premises without a system if it goes in during the run (or
    # soon after: its meters are pre-notified during the run).
    pool = np.flatnonzero(~premises["installed"])
    in_run = np.flatnonzero((install >= 0) & (install < days + installs.prenotify_days_max))
    in_run = in_run[np.argsort(install[in_run], kind="stable")][: len(pool)]
    target = np.full(len(delivered), -1, np.int64)
    target[in_run] = pool[: len(in_run)]

    hub = {"install": np.minimum(install, NEVER), "premises": target, "left": left}
    chf_ids = stock.add(kind=CHF, **hub)
    gpf_ids = stock.add(kind=GPF, **hub)
    events.add("deliver", delivered, chf_ids)
    events.add("deliver", delivered, gpf_ids)
    soon = install < days
    events.add("install", install[soon], chf_ids[soon])

    new = target[in_run]
    day = install[in_run]
    prenotify = np.maximum(first_day, day - premises["lead"][new])
    for kind, column, mask in (
        (ESME, "esme_row", np.ones(len(new), np.bool_)),
        (GSME, "gsme_row", premises["gas"][new]),
        (PPMID, "ppmid_row", premises["ppmid"][new]),
    ):
        who = new[mask]
        ids = stock.add(
            kind=kind,
            premises=who,
            install=day[mask],
            smets1=premises["ppmid_wrong"][who] if kind == PPMID else False,
        )
        premises[column] = np.full(fleet.premises, -1, np.int32)
        premises[column][who] = ids
        events.add("prenotify", prenotify[mask], ids)
    return len(delivered)


def _smi_meters(scenario: Scenario, snapshot: Snapshot, stock: Rows, events: Events) -> None:
    """Meters Pending in the SMI: in stock from their Pending date; ESMEs and GSMEs go in
    again after a fresh warehouse wait (or never, as refurbished ones); PPMIDs stay."""
    rng = stream(scenario.scenario.seed, "smi_stock")
    meters = snapshot.stock_kind != CHF
    kinds, since = snapshot.stock_kind[meters], snapshot.stock_since[meters].astype(np.int64)
    ids = stock.add(kind=kinds, since=since, left=snapshot.stock_left[meters])
    events.add("prenotify", since, ids)
    waits = np.ceil(
        rng.lognormal(np.log(scenario.stock.wait_days_median), scenario.stock.wait_sigma, len(ids))
    ).astype(np.int64)
    never = (rng.random(len(ids)) < scenario.lifecycle.never_reinstalled_share) | (kinds == PPMID)
    events.add("reinstall", waits[~never], ids[~never])


def _poisson_events(
    rng: np.random.Generator, population: int, per_year: float, first: int, last: int
) -> tuple[Array, Array]:
    """Days and subjects of a Poisson process of `per_year` events per subject."""
    per_day = population * per_year / DAYS_A_YEAR
    counts = rng.poisson(per_day, last - first) if population else np.zeros(last - first, int)
    days = np.repeat(np.arange(first, last, dtype=np.int64), counts)
    subjects = rng.integers(0, max(population, 1), len(days))
    return days, subjects


def months_after_date(start: date, months: int) -> date:
    return months_after(datetime.combine(start, time(0), UTC), months).date()
