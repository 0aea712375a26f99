"""MP121: install codes after a change of supplier, within an SLA (seed 000; AC 4.16).

In force, the gaining supplier may ask the installing supplier for a device's install code
through the DCC, and the installer answers within `sla_working_days` Working Days of the
configured calendar (10 in the legal text; 5 was the first proposal); gbdsp chases before
the due date and escalates after it (docs/install-codes.md). Off, no request is taken and
nothing is chased; requests raised while it was in force keep their due dates, and are
still measured in the same Working Days (the queue, the SLA report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from gbdsp.domain import install_codes
from gbdsp.domain.rules.switch import Switch
from gbdsp.domain.working_days import Calendar


@dataclass(frozen=True, slots=True)
class Settings:
    switch: Switch
    sla_working_days: int
    calendar: Calendar
    remind_working_days: int
    """The installer is reminded once when an open request is due within this many
    Working Days (gbdsp's chasing, not a SEC rule)."""
    escalation_address: str
    """Also told of every newly overdue request (e.g. the Panel's mailbox); empty: none."""

    def due_date(self, raised_on: date) -> date:
        """AC 4.16: the day of receipt does not count."""
        return install_codes.due_date(raised_on, self.sla_working_days, self.calendar)

    def reminder_due(self, due: date, today: date) -> bool:
        return install_codes.reminder_due(due, today, self.remind_working_days, self.calendar)


@dataclass(frozen=True, slots=True)
class InForce:
    settings: Settings

    in_force: ClassVar[bool] = True
    refusal: ClassVar[str | None] = None
    """Install-code requests are taken, and open ones chased."""

    def describe(self) -> str:
        s = self.settings
        return f"due in {s.sla_working_days} Working Days ({s.calendar.value})"


@dataclass(frozen=True, slots=True)
class Off:
    settings: Settings

    in_force: ClassVar[bool] = False
    refusal: ClassVar[str | None] = "MP121 (install codes after change of supplier) is not in force"
    """Why no install-code request is taken, and none chased: no obligation to answer."""

    def describe(self) -> str:
        return "no obligation (MP121 off)"


Policy = InForce | Off


def policy(settings: Settings, day: date) -> Policy:
    return InForce(settings) if settings.switch.in_force(day) else Off(settings)
