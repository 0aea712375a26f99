"""GB Working Days, for SLAs such as MP121's 10 Working Days (AC 4.16).

The SEC's own definition of Working Day was not found in public text, and GB instruments
differ (reference/smi.md section 5): so the calendar is configuration. England and Wales
by default; Scotland, Northern Ireland, or a day that is a bank holiday in any part of the
UK, on request. Bank holidays come from the `holidays` package.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from functools import cache

import holidays

from gbdsp.domain.enums import parse_enum


class Calendar(Enum):
    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"
    ANY_PART_OF_UK = "any-part-of-uk"

    @classmethod
    def parse(cls, text: str) -> Calendar:
        return parse_enum(cls, text, "working-day calendar")


_SUBDIVISIONS = {
    Calendar.ENGLAND_AND_WALES: ("ENG",),
    Calendar.SCOTLAND: ("SCT",),
    Calendar.NORTHERN_IRELAND: ("NIR",),
    Calendar.ANY_PART_OF_UK: ("ENG", "SCT", "NIR"),
}


@cache
def _bank_holidays(calendar: Calendar, year: int) -> frozenset[date]:
    days: set[date] = set()
    for subdivision in _SUBDIVISIONS[calendar]:
        days |= set(holidays.country_holidays("GB", subdiv=subdivision, years=[year]))
    return frozenset(days)


def is_working_day(day: date, calendar: Calendar) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(calendar, day.year)


def add_working_days(start: date, days: int, calendar: Calendar) -> date:
    """The date `days` Working Days after `start` (the day of receipt does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, calendar):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, calendar: Calendar) -> int:
    """Working Days after `start` up to and including `end` (0 if end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current, calendar)
    return count
