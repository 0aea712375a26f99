"""MP60 housekeeping of 'pending' devices (seed 002; SEC Appendix AC 7.2).

AC 7.2 as it stands removes a device from the SMI once it has been 'pending' for 12 months;
MP60 makes it 36 and lets device types be excluded (the DCC assessment: never the CHF and
GPF). Bryt Energy's reading limits the backstop to devices that have left 'pending' once
(commissioned, decommissioned and sent back), not CHs in the warehouse since delivery.
Each reading is a `HousekeepingRule`; the job, the dry run and the reports take one.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class HousekeepingRule:
    months: int
    excluded_types: frozenset[DeviceType] = frozenset()
    only_after_left_pending: bool = False
    name: str = ""

    def cutoff(self, on: datetime) -> datetime:
        """Devices Pending since this moment or earlier are due on `on`."""
        return months_before(on, self.months)

    def due_on(self, pending_since: datetime) -> datetime:
        """The first moment a device Pending since then is due (if nobody acts on it)."""
        return add_months(pending_since, self.months)

    def applies_to(self, device_type: DeviceType) -> bool:
        return device_type.has_smi_status and device_type not in self.excluded_types

    def is_due(
        self, device_type: DeviceType, pending_since: datetime, left_pending: bool, on: datetime
    ) -> bool:
        """Whether a run at `on` removes a device Pending since `pending_since` (the job's
        database filter, `DueFilter`, is this rule written in SQL)."""
        return (
            self.applies_to(device_type)
            and (left_pending or not self.only_after_left_pending)
            and pending_since <= self.cutoff(on)
        )

    def due_at(
        self, device_type: DeviceType, pending_since: datetime, left_pending: bool
    ) -> datetime | None:
        """The first moment a run would remove the device if it stays Pending, or None if
        this rule never removes it (excluded type, or never left Pending under Bryt's
        reading). The impact simulator asks this once per device entering Pending."""
        if not self.applies_to(device_type) or (self.only_after_left_pending and not left_pending):
            return None
        moment = months_after(pending_since, self.months)
        if moment.day != pending_since.day:
            # Clamped (31 Mar + 1 month = 30 Apr): every run on that day still looks back to
            # before the 31st, so the first due moment is the next midnight.
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return moment

    def describe(self) -> str:
        parts = [f"{self.months} months"]
        if self.excluded_types:
            parts.append("excluding " + "+".join(sorted(t.value for t in self.excluded_types)))
        if self.only_after_left_pending:
            parts.append("only after leaving Pending once")
        return (self.name + ": " if self.name else "") + ", ".join(parts)

    @classmethod
    def parse(cls, text: str) -> HousekeepingRule:
        """`months=36,exclude=CHF+GPF,left-pending[,name=MP60]` as given on the command line."""
        months, excluded, left, name = None, frozenset[DeviceType](), False, ""
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            if key == "months" and value.isdigit() and int(value) > 0:
                months = int(value)
            elif key == "exclude":
                excluded = frozenset(DeviceType.parse(t) for t in value.split("+") if t)
            elif key == "left-pending" and not value:
                left = True
            elif key == "name" and value:
                name = value
            else:
                raise InvalidValue(
                    f"not a rule part: {part!r} (use months=N, exclude=CHF+GPF, "
                    "left-pending, name=TEXT)"
                )
        if months is None:
            raise InvalidValue(f"rule {text!r} needs months=N")
        return cls(months, excluded, left, name or text)


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months later (day clamped)."""
    return months_before(moment, -months)


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months earlier (day clamped: 31 Mar - 1
    month is 28/29 Feb)."""
    return months_after(moment, -months)


def months_after(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months later (day clamped likewise)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


AGE_BUCKETS = (
    (3, "under 3 months"),
    (6, "3-6 months"),
    (12, "6-12 months"),
    (24, "12-24 months"),
    (36, "24-36 months"),
    (None, "over 36 months"),
)
"""Upper bounds (months) of the Pending age profile's buckets."""
