"""The day-by-day engine: one fleet, one rule set, events in date order.

Event-driven: each day touches only the devices and premises with an event that day (a CH
delivered, an install, the SM WAN arriving, a switch, an answer, a removal), so a million
premises cost what their events cost. State is compact arrays; every status change goes
through `Decisions.next_status` (the SMI status table) and every rule decision through the
domain function `rules.py` names. Rule-dependent randomness (a meter replaced because no
code came) has its own stream, so it never shifts the fleet's draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gbdsp.domain.devices import SmiStatus
from gbdsp.domain.install_codes import WAITING_FOR_CODE
from gbdsp.domain.smi_status import Trigger
from gbdsp.sim.fleet import (
    CHF,
    ESME,
    GPF,
    GSME,
    KINDS,
    NEVER,
    PPMID,
    Array,
    Fleet,
    refurbish_draws,
    stream,
)
from gbdsp.sim.metrics import METRICS
from gbdsp.sim.rules import GONE, NONE, REMOVED, Decisions, code, supplier_id
from gbdsp.sim.scenario import RuleSet

PENDING = code(SmiStatus.PENDING)
COMMISSIONED = code(SmiStatus.COMMISSIONED)
INC = code(SmiStatus.INSTALLED_NOT_COMMISSIONED)
DECOMMISSIONED = code(SmiStatus.DECOMMISSIONED)
WAITING = np.array([code(s) for s in WAITING_FOR_CODE], np.uint8)


@dataclass
class Run:
    """One rule set's daily figures."""

    name: str
    decisions: Decisions
    daily: dict[str, Array]

    def total(self, metric: str) -> int:
        values = self.daily[metric]
        return int(values[-1]) if _is_level(metric) else int(values.sum())


def _is_level(metric: str) -> bool:
    return next(m.level for m in METRICS if m.name == metric)


@dataclass
class _Case:
    """An install code a gaining supplier needs for one premises' meters."""

    premises: int
    raised: int
    due: int | None
    """Due day under MP121; None when asked informally."""
    active: bool = True


@dataclass
class _Engine:
    fleet: Fleet
    rules: Decisions
    on_day: Callable[[], None] | None = None
    later: dict[str, dict[int, list[Array]]] = field(default_factory=dict)
    cases: list[_Case] = field(default_factory=list)

    def __post_init__(self) -> None:
        f, p = self.fleet, self.fleet.premises
        self.stock = f.stock.copy()
        installed = p["installed"]
        meters = np.where(p["uncommissioned"], INC, COMMISSIONED)
        self.hub = np.where(installed, COMMISSIONED, NONE).astype(np.uint8)
        self.gpf = np.where(installed & p["gas"], meters, np.where(installed, INC, NONE)).astype(
            np.uint8
        )
        self.esme = np.where(installed, meters, NONE).astype(np.uint8)
        self.gsme = np.where(installed & p["gas"], meters, NONE).astype(np.uint8)
        self.ppmid = np.where(installed & p["ppmid"], COMMISSIONED, NONE).astype(np.uint8)
        self.supplier = p["supplier"].copy()
        self.installer = p["installer"].copy()
        self.covered = np.where(installed, f.first_day, NEVER).astype(np.int32)
        self.case = np.full(len(installed), -1, np.int32)
        self.wants = np.zeros(len(installed), np.bool_)
        self.restricted = np.zeros(len(installed), np.bool_)
        self.wanting = [0, 0]
        """Consumers who chose Restricted mode: [with SMETS2+ meters, with SMETS1]."""
        self.daily = {m.name: np.zeros(f.days, np.int64) for m in METRICS}
        self.replacements = stream(f.scenario.scenario.seed, "replacement")
        self.traffic = stream(f.scenario.scenario.seed, "traffic")
        self.srvs = sorted(f.scenario.restricted.requests_per_meter_per_day.items())
        self.pending_by_kind = np.zeros(len(KINDS), np.int64)
        """Pending stock rows by kind, kept as statuses change (no daily pass over the
        stock)."""

    # -- plumbing -------------------------------------------------------------------------

    def count(self, metric: str, day: int, n: int | np.integer[Any]) -> None:
        if day >= 0:
            self.daily[metric][day] += int(n)

    def due(self, kind: str, day: int) -> Array:
        parts = self.later.get(kind, {}).pop(day, [])
        static = self.fleet.events.by_kind.get(kind, {}).get(day)
        if static is not None:
            parts.insert(0, static)
        if not parts:
            return np.zeros(0, np.int64)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def schedule(self, kind: str, days: Array | int, subjects: Array) -> None:
        if not len(subjects):
            return
        table = self.later.setdefault(kind, {})
        if np.ndim(days) == 0:
            if int(days) < self.fleet.days:
                table.setdefault(int(days), []).append(subjects)
            return
        days = np.asarray(days, np.int64)
        keep = days < self.fleet.days
        days, subjects = days[keep], subjects[keep]
        if not len(days):
            return
        order = np.argsort(days, kind="stable")
        days, subjects = days[order], subjects[order]
        unique, starts = np.unique(days, return_index=True)
        for day, part in zip(unique.tolist(), np.split(subjects, starts[1:]), strict=True):
            table.setdefault(day, []).append(part)

    def step(self, trigger: Trigger, kind: int, statuses: Array) -> Array:
        """The statuses `trigger` moves devices of one kind to (the SMI status table)."""
        if not len(statuses):
            return statuses.copy()
        if len(statuses) == 1:  # most days most processes touch one device or none
            return np.array(
                [self.rules.next_status(trigger, KINDS[kind], int(statuses[0]))], np.uint8
            )
        out = statuses.copy()
        for current in np.unique(statuses).tolist():
            out[statuses == current] = self.rules.next_status(trigger, KINDS[kind], current)
        return out

    def assign(self, ids: Array, statuses: Array | int) -> None:
        """Set stock rows' statuses, keeping the Pending counts by kind."""
        if not len(ids):
            return
        s = self.stock
        kinds = s.kind[ids]
        was = s.status[ids] == PENDING
        s.status[ids] = statuses
        now = s.status[ids] == PENDING
        self.pending_by_kind += np.bincount(kinds[now], minlength=len(KINDS)) - np.bincount(
            kinds[was], minlength=len(KINDS)
        )

    def step_rows(self, trigger: Trigger, ids: Array) -> None:
        if not len(ids):
            return
        kinds = self.stock.kind[ids]
        for kind in np.unique(kinds).tolist():
            mine = ids[kinds == kind]
            self.assign(mine, self.step(trigger, kind, self.stock.status[mine]))

    def enter_pending(self, ids: Array, day: int, left: bool) -> None:
        """Devices just made Pending: the rule says the night they would be removed."""
        if not len(ids):
            return
        s = self.stock
        s.since[ids], s.left[ids] = day, left
        kinds = s.kind[ids]
        for kind in np.unique(kinds).tolist():
            mine = ids[kinds == kind]
            removal = self.rules.removal_day(KINDS[kind], day, left)
            s.removal[mine] = NEVER if removal is None else removal
            if removal is not None:
                self.schedule("hk", removal, mine)

    def renotify(self, ids: Array, day: int) -> None:
        """Removed devices installed after all: back into the SMI first (re-notified)."""
        if not len(ids):
            return
        gone = ids[self.stock.status[ids] == REMOVED]
        if len(gone):
            self.count("renotified", day, len(gone))
            self.assign(gone, NONE)
            kinds = self.stock.kind[gone]
            self.count("renotified_chs", day, np.count_nonzero(kinds == CHF))
            hubs = gone[(kinds == CHF) | (kinds == GPF)]
            self.step_rows(Trigger.CH_DELIVERED, hubs)
            self.step_rows(Trigger.PRENOTIFIED, gone[(kinds != CHF) & (kinds != GPF)])
            self.enter_pending(gone, day, False)

    def levels(self, day: int) -> None:
        """End-of-day levels: the Pending stock every day, the premises' levels every four
        weeks (a pass over every premises) and on the last day, carried forward between."""
        daily = self.daily
        daily["pending"][day] = int(self.pending_by_kind.sum())
        daily["pending_chs"][day] = int(self.pending_by_kind[CHF])
        if day % 28 and day != self.fleet.days - 1:
            for name in ("uncommissioned_meters", "ppmids"):
                daily[name][day] = daily[name][day - 1]
            return
        smets2 = ~self.fleet.premises["smets1"]
        daily["uncommissioned_meters"][day] = np.count_nonzero(
            (self.esme == INC) & smets2
        ) + np.count_nonzero((self.gsme == INC) & smets2)
        daily["ppmids"][day] = np.count_nonzero(self.ppmid != NONE)

    # -- processes ------------------------------------------------------------------------

    def run(self) -> dict[str, Array]:
        f = self.fleet
        for day in range(f.first_day, f.days):
            self.housekeeping(day)
            self.deliver(day)
            self.prenotify(day)
            self.back_in_stock(day)
            self.install(day)
            self.reinstall(day)
            self.coverage(day)
            self.switch(day)
            self.answers(day)
            self.faults(day)
            self.ppmids(day)
            self.restrict(day)
            self.ch_returns(day)
            if day >= 0:
                self.requests(day)
                self.levels(day)
            if self.on_day is not None:
                self.on_day()
        return self.daily

    def housekeeping(self, day: int) -> None:
        """AC 7.2 / MP60: the nightly run removes what the rule said would be due tonight
        (a device that left Pending meanwhile, or entered it again, is not)."""
        ids = self.due("hk", day)
        s = self.stock
        ids = ids[(s.status[ids] == PENDING) & (s.removal[ids] == day)]
        self.assign(ids, REMOVED)
        self.count("removed", day, len(ids))
        self.count("removed_never_left_warehouse", day, np.count_nonzero(~s.left[ids]))
        kinds = s.kind[ids]
        self.count("removed_hubs", day, np.count_nonzero((kinds == CHF) | (kinds == GPF)))
        self.count("removed_chs", day, np.count_nonzero(kinds == CHF))

    def deliver(self, day: int) -> None:
        ids = self.due("deliver", day)
        self.step_rows(Trigger.CH_DELIVERED, ids)
        self.enter_pending_as_marked(ids, day)

    def prenotify(self, day: int) -> None:
        ids = self.due("prenotify", day)
        self.step_rows(Trigger.PRENOTIFIED, ids)
        self.enter_pending_as_marked(ids, day)

    def enter_pending_as_marked(self, ids: Array, day: int) -> None:
        """Enter Pending keeping each row's own left-Pending-before mark (SMI stock has
        both; a new delivery or pre-notification has not left)."""
        left = self.stock.left[ids]
        if left.any():
            self.enter_pending(ids[left], day, True)
            ids = ids[~left]
        self.enter_pending(ids, day, False)

    def back_in_stock(self, day: int) -> None:
        """Refurbished devices reactivated (AC 7.1): Pending again, having left it once."""
        ids = self.due("back", day)
        self.step_rows(Trigger.REACTIVATED, ids)
        self.enter_pending(ids, day, True)

    def reinstall(self, day: int) -> None:
        ids = self.due("reinstall", day)
        if not len(ids):
            return
        ids = ids[np.isin(self.stock.status[ids], (PENDING, REMOVED))]
        self.renotify(ids, day)
        self.step_rows(Trigger.COMMISSIONED, ids)
        self.assign(ids, GONE)

    def install(self, day: int) -> None:
        """CHs whose wait in the warehouse ends today go in, with the premises' meters."""
        chf = self.due("install", day)
        if not len(chf):
            return
        gpf = chf + self.fleet.gpf_offset
        hubs = np.concatenate([chf, gpf])
        self.renotify(hubs, day)
        s, p = self.stock, self.fleet.premises
        where = s.premises[chf]
        anonymous = where < 0
        # Before the run (or beyond the premises without a system): installed, not followed.
        for ids in (chf[anonymous], gpf[anonymous]):
            self.step_rows(Trigger.CH_INSTALLED, ids)
        chf, gpf, ps = chf[~anonymous], gpf[~anonymous], where[~anonymous]
        no_wan = p["no_wan"][ps]
        for trigger, mask in (
            (Trigger.CH_INSTALLED, ~no_wan),
            (Trigger.CH_INSTALLED_NO_WAN, no_wan),
        ):
            self.hub[ps[mask]] = self.step(trigger, CHF, s.status[chf[mask]])
            self.gpf[ps[mask]] = self.step(trigger, GPF, s.status[gpf[mask]])
        self.assign(hubs, GONE)
        for column, kind, target in (
            ("esme_row", ESME, self.esme),
            ("gsme_row", GSME, self.gsme),
            ("ppmid_row", PPMID, self.ppmid),
        ):
            rows = p[column][ps]
            has = rows >= 0
            ids, at, wan = rows[has], ps[has], ~no_wan[has]
            self.renotify(ids, day)
            connected = Trigger.JOINED if kind == PPMID else Trigger.COMMISSIONED
            for trigger, mask in ((connected, wan), (Trigger.INSTALLED_NO_WAN, ~wan)):
                target[at[mask]] = self.step(trigger, kind, s.status[ids[mask]])
            self.assign(ids, GONE)
            if kind == PPMID:
                self.ppmid_decisions(day, s.smets1[ids], np.zeros(len(ids), np.bool_))
        joined = (self.gsme[ps] == COMMISSIONED) & (self.gpf[ps] == INC)
        self.gpf[ps[joined]] = self.step(Trigger.JOINED, GPF, self.gpf[ps[joined]])
        self.installer[ps] = self.supplier[ps]
        self.covered[ps] = np.where(no_wan, day + p["coverage_delay"][ps], day)
        self.schedule("coverage", self.covered[ps[no_wan]].astype(np.int64), ps[no_wan])
        self.count("installs", day, len(ps))
        self.count("installs_no_wan", day, np.count_nonzero(no_wan))
        waits = p["coverage_delay"][ps[no_wan]]
        self.count("wan_wait_days", day, int(waits.sum()))
        self.count("wan_within_90_days", day, np.count_nonzero(waits <= 90))

    def coverage(self, day: int) -> None:
        """The SM WAN reaches a premises: the DCC commissions the CHF; the installing supplier
        commissions the meters if it is still the Responsible Supplier (and does not leave
        them); a gaining supplier needs the install code."""
        ps = self.due("coverage", day)
        if not len(ps):
            return
        waiting = self.hub[ps] == INC
        self.hub[ps[waiting]] = self.step(Trigger.WAN_CONNECTED, CHF, self.hub[ps[waiting]])
        ps = ps[self.esme[ps] == INC]
        same = self.supplier[ps] == self.installer[ps]
        self.commission(ps[same & ~self.fleet.premises["stuck"][ps]])
        self.open_cases(ps[~same], day)

    def commission(self, ps: Array) -> None:
        """Meters commissioned (AC 4.13), then the GPF and PPMID join."""
        for target, kind, trigger in (
            (self.esme, ESME, Trigger.COMMISSIONED),
            (self.gsme, GSME, Trigger.COMMISSIONED),
            (self.gpf, GPF, Trigger.JOINED),
            (self.ppmid, PPMID, Trigger.JOINED),
        ):
            mine = ps[target[ps] == INC]
            if kind == GPF:
                mine = mine[self.gsme[mine] == COMMISSIONED]
            target[mine] = self.step(trigger, kind, target[mine])

    def switch(self, day: int) -> None:
        numbers = self.due("cos", day)
        if not len(numbers):
            return
        ps = self.fleet.switches["premises"][numbers]
        self.count("switches", day, len(ps))
        self.count(
            "meters_gained",
            day,
            np.count_nonzero(self.esme[ps] != NONE) + np.count_nonzero(self.gsme[ps] != NONE),
        )
        waiting_esme = np.isin(self.esme[ps], WAITING)
        waiting_gsme = np.isin(self.gsme[ps], WAITING)
        self.count(
            "gained_uncommissioned",
            day,
            np.count_nonzero(waiting_esme) + np.count_nonzero(waiting_gsme),
        )
        self.supplier[ps] = self.fleet.switches["gainer"][numbers]
        needs = ps[
            waiting_esme & (self.covered[ps] <= day) & (self.supplier[ps] != self.installer[ps])
        ]
        self.open_cases(np.unique(needs), day)

    def open_cases(self, ps: Array, day: int) -> None:
        """The gaining supplier needs the install code: under MP121 it raises a request,
        due in the SLA's Working Days; without it, it asks and hopes. Either way it replaces
        the meters when its patience runs out."""
        if not len(ps):
            return
        settings = self.fleet.scenario.installers
        mp121 = self.rules.requests_taken(day)
        p = self.fleet.premises
        for premises in ps.tolist():
            if self.case[premises] >= 0:
                continue
            self.count("codes_needed", day, 1)
            why = self.rules.why_no_request(
                int(self.esme[premises]),
                supplier_id(int(self.supplier[premises])),
                supplier_id(int(self.installer[premises])),
            )
            if why is not None:
                continue
            u, working_days = float(p["answer_u"][premises]), int(p["answer_wd"][premises])
            if mp121:
                self.count("requests", day, 1)
                due: int | None = self.rules.install_code_due(day)
                answers = u < settings.answer_share_with_obligation
                assert due is not None
                give_up = self.rules.working_days_after(due, settings.patience_working_days)
            else:
                due = None
                answers = u < settings.answer_share_without_obligation
                give_up = self.rules.working_days_after(day, settings.patience_without_sla)
            case = len(self.cases)
            self.cases.append(_Case(premises, day, due))
            self.case[premises] = case
            one = np.array([case])
            answered = self.rules.working_days_after(day, working_days) if answers else None
            if answered is not None and answered <= give_up:
                self.schedule("answer", answered, one)
            else:
                self.schedule("give_up", give_up, one)
                if answered is not None:
                    self.schedule("late_answer", answered, one)

    def answers(self, day: int) -> None:
        for number in self.due("answer", day).tolist():
            case = self.cases[number]
            self.count_answer(case, day)
            if case.active:
                case.active = False
                self.case[case.premises] = -1
                self.commission(np.array([case.premises]))
        for number in self.due("late_answer", day).tolist():
            self.count_answer(self.cases[number], day)
        for number in self.due("give_up", day).tolist():
            case = self.cases[number]
            if case.active:
                case.active = False
                self.case[case.premises] = -1
                ps = np.array([case.premises])
                self.count("replaced_no_code", day, 1 + int(self.gsme[case.premises] != NONE))
                self.count("replacement_visits", day, 1)
                self.replace_meters(
                    ps,
                    day,
                    refurbish_draws(self.replacements, self.fleet.scenario, np.array([day])),
                )

    def count_answer(self, case: _Case, day: int) -> None:
        if case.due is None:
            self.count("answered_without_sla", day, 1)
        elif self.rules.answered_in_time(day, case.due):
            self.count("answered_in_time", day, 1)
        else:
            self.count("answered_late", day, 1)

    def faults(self, day: int) -> None:
        """Meters taken out for faults: decommissioned (8.3), maybe refurbished."""
        numbers = self.due("fault", day)
        if not len(numbers):
            return
        faults = self.fleet.faults
        draws = {k: faults[k][numbers] for k in ("refurbished", "back", "reinstall")}
        if day < 0:  # before the run only the stock they make matters
            gas = faults["gas"][numbers]
            self.decommissioned(
                np.concatenate([np.full(len(numbers), ESME), np.full(np.count_nonzero(gas), GSME)]),
                day,
                {k: np.concatenate([v, v[gas]]) for k, v in draws.items()},
            )
            return
        ps = faults["premises"][numbers]
        for premises in ps[self.case[ps] >= 0].tolist():  # the case is moot
            self.cases[self.case[premises]].active = False
            self.case[premises] = -1
        self.replace_meters(ps, day, draws)

    def replace_meters(self, ps: Array, day: int, draws: dict[str, Array]) -> None:
        """New meters in, commissioned; the old ones decommissioned into the refurbishment
        flow (each premises' draws go to its meters)."""
        gas = self.gsme[ps] != NONE
        self.step(Trigger.DECOMMISSIONED, ESME, self.esme[ps])
        self.step(Trigger.DECOMMISSIONED, GSME, self.gsme[ps[gas]])
        self.decommissioned(
            np.concatenate([np.full(len(ps), ESME), np.full(np.count_nonzero(gas), GSME)]),
            day,
            {k: np.concatenate([v, v[gas]]) for k, v in draws.items()},
        )
        fresh = np.full(len(ps), NONE, np.uint8)
        self.esme[ps] = self.step(
            Trigger.COMMISSIONED, ESME, self.step(Trigger.PRENOTIFIED, ESME, fresh)
        )
        self.gsme[ps[gas]] = self.step(
            Trigger.COMMISSIONED, GSME, self.step(Trigger.PRENOTIFIED, GSME, fresh[gas])
        )
        joined = ps[gas & (self.gpf[ps] == INC)]
        self.gpf[joined] = self.step(Trigger.JOINED, GPF, self.gpf[joined])
        self.installer[ps] = self.supplier[ps]

    def decommissioned(self, kinds: Array, day: int, draws: dict[str, Array]) -> None:
        ids = self.stock.add(kind=kinds, status=DECOMMISSIONED, since=day, left=True)
        back = draws["refurbished"]
        self.schedule("back", draws["back"][back], ids[back])
        self.schedule("reinstall", draws["reinstall"][back], ids[back])

    def ppmids(self, day: int) -> None:
        numbers = self.due("ppmid", day)
        if not len(numbers):
            return
        ps = self.fleet.ppmids["premises"][numbers]
        system = self.fleet.premises["smets1"][ps]
        # Under the interim solution a PPMID is pre-notified for its system, unless stock
        # of the other variant was picked.
        self.ppmid_decisions(day, system ^ self.fleet.ppmids["wrong"][numbers], system)

    def ppmid_decisions(self, day: int, recorded_smets1: Array, system_smets1: Array) -> None:
        self.count("ppmid_installs", day, len(system_smets1))
        self.count("ppmid_installs_smets1", day, np.count_nonzero(system_smets1))
        self.count("ppmid_wrong_variant", day, np.count_nonzero(recorded_smets1 != system_smets1))
        failed = 0
        for recorded in (False, True):
            for system in (False, True):
                n = int(np.count_nonzero((recorded_smets1 == recorded) & (system_smets1 == system)))
                if n and self.rules.ppmid_stranded(recorded, system, day):
                    failed += n
        self.count("ppmid_failed", day, failed)

    def ch_returns(self, day: int) -> None:
        """MP39: CH returns; those an RSA sends are refused (E2) unless MP39 lets it."""
        numbers = self.due("return", day)
        if not len(numbers):
            return
        returns = self.fleet.returns
        rsa, fault = returns["rsa"][numbers], returns["fault"][numbers]
        self.count("ch_returns", day, len(numbers))
        self.count("rsa_returns", day, np.count_nonzero(rsa))
        refused = 0
        for srv, mine in (("8.14.3", fault), ("8.14.4", ~fault)):
            n = int(np.count_nonzero(rsa & mine))
            if n and not self.rules.agent_may_send(srv, day):
                refused += n
        self.count("rsa_returns_refused", day, refused)

    def restrict(self, day: int) -> None:
        ps = np.unique(self.due("restrict", day))
        if not len(ps):
            return
        ps = ps[~self.wants[ps]]
        self.count("restricted_choices", day, len(ps))
        self.wants[ps] = True
        smets1 = self.fleet.premises["smets1"][ps]
        self.wanting[0] += int(np.count_nonzero(~smets1))
        self.wanting[1] += int(np.count_nonzero(smets1))
        ok = np.array([self.rules.restrictable(bool(s), day) for s in (False, True)])[
            smets1.astype(np.int64)
        ]
        self.restricted[ps[ok]] = True
        self.count("restriction_refused", day, np.count_nonzero(~ok))

    def requests(self, day: int) -> None:
        """Service Requests to the meters of consumers who chose Restricted mode. The same
        draws whatever the rules; the gateway's policy refuses some (E169)."""
        to_restrictable = self.traffic.poisson([self.wanting[0] * rate for _, rate in self.srvs])
        to_others = self.traffic.poisson([self.wanting[1] * rate for _, rate in self.srvs])
        self.count("requests_to_refusers", day, int(to_restrictable.sum() + to_others.sum()))
        refused = sum(
            int(n)
            for (srv, _), n in zip(self.srvs, to_restrictable, strict=True)
            if self.rules.refuses(srv, day)
        )
        self.count("refused_restricted", day, refused)


def simulate(
    fleet: Fleet, rulesets: Sequence[RuleSet], on_day: Callable[[], None] | None = None
) -> list[Run]:
    """Every rule set through the same fleet, one after the other."""
    runs = []
    for ruleset in rulesets:
        decisions = Decisions.of(ruleset, fleet.scenario.scenario.start)
        daily = _Engine(fleet, decisions, on_day).run()
        runs.append(Run(ruleset.name, decisions, daily))
    return runs


def run_ruleset(fleet: Fleet, ruleset: RuleSet) -> dict[str, Array]:
    """One rule set through the fleet: its daily figures."""
    return _Engine(fleet, Decisions.of(ruleset, fleet.scenario.scenario.start)).run()
