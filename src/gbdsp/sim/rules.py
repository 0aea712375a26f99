"""A rule set as the gateway would run it: a `Config`, and the domain's answers to it.

Nothing here decides anything itself. A rule set becomes the same `Config` object the server
reads from gbdsp.toml; `rules_on` (domain/rules/) gives the policies of a day, as it does for
the gateway; `next_status`, `HousekeepingRule.due_at`, the MP121 settings' `due_date`,
`why_no_request`, and the policies' `refuses`, `extra_roles`, `recorded_in_other_system` and
`refusal` take each decision. The engine calls these through `Decisions`, which remembers
answers to questions it has already asked (a million devices share a few hundred distinct
questions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from gbdsp.config import Config
from gbdsp.domain import install_codes, rules
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.errors import GbdspError
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import UserRole
from gbdsp.domain.rules import Rules, rules_on
from gbdsp.domain.rules.mp169 import why_not_restrictable
from gbdsp.domain.smi_status import Refused, Trigger, next_status
from gbdsp.domain.srv import catalogue
from gbdsp.domain.working_days import Calendar, add_working_days
from gbdsp.sim.scenario import RuleSet

STATUSES = tuple(SmiStatus)
NONE = 255
"""Status code of a device not (or not yet) in the SMI."""
REMOVED = 254
"""Status code of a device removed by housekeeping."""
GONE = 253
"""Status code of a stock row whose device left for a premises (the premises tracks it)."""
HOUSEKEEPING_HOUR = time(2, 0, tzinfo=UTC)
"""The nightly housekeeping run; the day's other events happen at noon."""
EVENT_HOUR = time(12, 0, tzinfo=UTC)


class ModelError(GbdspError):
    """The simulation asked for a transition the SMI status table refuses: a bug in the
    model, reported rather than silently counted."""


def code(status: SmiStatus) -> int:
    return STATUSES.index(status)


def config_for(ruleset: RuleSet, start: date) -> Config:
    """The gateway configuration this rule set stands for, every named modification in force
    from the first simulated day and the others off."""
    sections: dict[str, dict[str, object]] = {
        m: {"enabled": m in ruleset.modifications, "effective_from": start} for m in rules.NAMES
    }
    sections["mp121"].update(ruleset.install_codes.model_dump())
    sections["mp169"].update(ruleset.restricted_mode.model_dump())
    housekeeping: dict[str, object] = {}
    if "housekeeping" in ruleset.model_fields_set:  # the one rule, with MP60 or without
        sections["mp60"].update(ruleset.housekeeping.model_dump())
        housekeeping["without_mp60"] = ruleset.housekeeping.model_dump()
    return Config.model_validate({"modifications": sections, "housekeeping": housekeeping})


_MODEL = DeviceModel("SIM", "SIM", "1", "1")
_SMETS = {False: "SMETS2", True: "SMETS1"}
_DEVICE_ID = DeviceId(0x00DB_5100_0000_0001)
_WHEN = datetime(2020, 1, 1, tzinfo=UTC)


def sample_device(
    kind: DeviceType,
    *,
    smets1: bool = False,
    status: SmiStatus | None = None,
    restricted: bool = False,
    responsible: UserId | None = None,
    installer: UserId | None = None,
) -> Device:
    """A stand-in SMI record with just the attributes a rule looks at."""
    if status is None and kind.has_smi_status:
        status = SmiStatus.PENDING
    return Device(
        _DEVICE_ID,
        kind,
        _MODEL,
        _SMETS[smets1],
        status,
        _WHEN,
        restricted=restricted,
        responsible_supplier=responsible,
        installing_supplier=installer,
    )


@dataclass
class Decisions:
    """One rule set's decisions, asked of the domain and remembered."""

    name: str
    config: Config
    start: date
    settings: rules.Settings = field(init=False)
    housekeeping: HousekeepingRule = field(init=False)
    """The rule of the first day (a rule set's modifications are in force from it)."""
    calendar: Calendar = field(init=False)
    _rules: dict[int, Rules] = field(default_factory=dict)
    _transitions: dict[tuple[Trigger, DeviceType, int], int] = field(default_factory=dict)
    _due: dict[tuple[int, DeviceType, bool], int | None] = field(default_factory=dict)
    _answers: dict[tuple[object, ...], bool] = field(default_factory=dict)
    _days: dict[tuple[object, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.settings = self.config.rule_settings()
        self.housekeeping = self.rules(0).mp60.rule
        self.calendar = self.settings.mp121.calendar

    @classmethod
    def of(cls, ruleset: RuleSet, start: date) -> Decisions:
        return cls(ruleset.name, config_for(ruleset, start), start)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.start).days

    def moment(self, index: int, at: time = EVENT_HOUR) -> datetime:
        return datetime.combine(self.day(index), at)

    def rules(self, index: int) -> Rules:
        """The policies of day `index`, as the gateway would have them."""
        found = self._rules.get(index)
        if found is None:
            found = self._rules[index] = rules_on(self.settings, self.day(index))
        return found

    def next_status(self, trigger: Trigger, kind: DeviceType, current: int) -> int:
        """`smi_status.next_status`, on status codes; a refusal is a model error."""
        key = (trigger, kind, current)
        found = self._transitions.get(key)
        if found is None:
            status = None if current == NONE else STATUSES[current]
            result = next_status(trigger, kind, status)
            if isinstance(result, Refused):
                raise ModelError(result.reason)
            found = self._transitions[key] = code(result)
        return found

    def removal_day(self, kind: DeviceType, pending_since: int, left_pending: bool) -> int | None:
        """The day whose nightly run removes a device Pending since `pending_since` (noon),
        if it stays Pending: from `HousekeepingRule.due_at`, the first night `is_due`."""
        key = (pending_since, kind, left_pending)
        if key not in self._due:
            since = self.moment(pending_since)
            due = self.housekeeping.due_at(kind, since, left_pending)
            if due is None:
                self._due[key] = None
            else:
                index = self.index(due.date())
                if self.moment(index, HOUSEKEEPING_HOUR) < due:
                    index += 1
                # Clamping makes the cutoff jump back on 29 Feb (29 Feb - 12 months is 28
                # Feb, 02:00 of it): the nightly run is due the first night `is_due` says so.
                while not self.housekeeping.is_due(
                    kind, since, left_pending, self.moment(index, HOUSEKEEPING_HOUR)
                ):
                    index += 1
                self._due[key] = index
        return self._due[key]

    def install_code_due(self, raised: int) -> int:
        key = ("due", raised)
        if key not in self._days:
            self._days[key] = self.index(self.settings.mp121.due_date(self.day(raised)))
        return self._days[key]

    def requests_taken(self, index: int) -> bool:
        """MP121: does the gaining supplier raise an install-code request, with an SLA?"""
        return self.rules(index).mp121.refusal is None

    def answered_in_time(self, answered: int, due: int) -> bool:
        key = ("in time", answered, due)
        if key not in self._answers:
            self._answers[key] = install_codes.answered_in_time(self.day(answered), self.day(due))
        return self._answers[key]

    def working_days_after(self, index: int, days: int) -> int:
        key = ("after", index, days)
        if key not in self._days:
            self._days[key] = self.index(add_working_days(self.day(index), days, self.calendar))
        return self._days[key]

    def why_no_request(self, status: int, responsible: UserId, installer: UserId) -> str | None:
        meter = sample_device(
            DeviceType.ESME, status=STATUSES[status], responsible=responsible, installer=installer
        )
        return install_codes.why_no_request(meter, meter.responsible_supplier == responsible)

    def ppmid_stranded(self, recorded_smets1: bool, system_smets1: bool, index: int) -> bool:
        """MP202: would this PPMID stay recorded for the other system (seed 004)?"""
        mp202 = self.rules(index).mp202
        key = ("mp202", recorded_smets1, system_smets1, mp202)
        if key not in self._answers:
            self._answers[key] = (
                mp202.recorded_in_other_system(
                    sample_device(DeviceType.PPMID, smets1=recorded_smets1),
                    sample_device(DeviceType.CHF, smets1=system_smets1),
                )
                is not None
            )
        return self._answers[key]

    def agent_may_send(self, srv: str, index: int) -> bool:
        """MP39: may a Registered Supplier Agent send `srv` (a CH return) on this day?"""
        mp39 = self.rules(index).mp39
        key = ("mp39", srv, mp39)
        if key not in self._answers:
            roles = catalogue().by_id[srv].eligible_roles | mp39.extra_roles(srv)
            self._answers[key] = UserRole.RSA in roles
        return self._answers[key]

    def restrictable(self, smets1: bool, index: int) -> bool:
        """MP169: may a consumer's meter be put in Restricted mode on this day?"""
        mp169 = self.rules(index).mp169
        key = ("mp169", smets1, mp169)
        if key not in self._answers:
            self._answers[key] = (
                mp169.refusal is None
                and why_not_restrictable(sample_device(DeviceType.ESME, smets1=smets1)) is None
            )
        return self._answers[key]

    def refuses(self, srv: str, index: int) -> bool:
        """Would the gateway refuse `srv` to a restricted meter on this day (E169)?"""
        mp169 = self.rules(index).mp169
        key = ("E169", srv, mp169)
        if key not in self._answers:
            self._answers[key] = mp169.refuses(sample_device(DeviceType.ESME, restricted=True), srv)
        return self._answers[key]


def supplier_id(index: int) -> UserId:
    """A stand-in User ID for the simulated supplier number `index`."""
    return UserId(0x90B3_D51F_3001_0000 + index)
