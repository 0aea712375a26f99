"""MP60: housekeeping of 'pending' devices after 36 months, not 12 (seed 002; AC 7.2).

AC 7.2 as it stands removes a device from the SMI once it has been 'pending' for 12 months
(the baseline, `[housekeeping.without_mp60]`); MP60 makes it 36 and lets device types be
excluded (`[modifications.mp60]`; the DCC assessment: never the CHF and GPF). Either is a
`HousekeepingRule` (domain/housekeeping.py): the job, the dry run, the portal and the
simulator ask this policy which one applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.rules.switch import Switch


@dataclass(frozen=True, slots=True)
class Settings:
    switch: Switch
    rule: HousekeepingRule
    """MP60's rule (in force from the effective date)."""
    baseline: HousekeepingRule
    """AC 7.2 as it stands (before the effective date, or with MP60 off)."""


@dataclass(frozen=True, slots=True)
class InForce:
    rule: HousekeepingRule
    """The housekeeping rule in force: MP60's."""

    in_force: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Off:
    rule: HousekeepingRule
    """The housekeeping rule in force: AC 7.2 as it stands."""

    in_force: ClassVar[bool] = False


Policy = InForce | Off


def policy(settings: Settings, day: date) -> Policy:
    if settings.switch.in_force(day):
        return InForce(settings.rule)
    return Off(settings.baseline)
