"""DCC-scheduled SRVs (DUIS 5.1 Create Schedule): when a schedule's occurrences fall, and
which schedules DUIS refuses. Pure: the caller passes today and now.

Occurrences are at the schedule's execution start time (00:00 UTC when the request names
none) on the start date and then every frequency step; a Monthly schedule started on the
31st runs on the last day of shorter months.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from gbdsp.domain.response_codes import ResponseCode

FREQUENCY_MONTHS = {"Monthly": 1, "Quarterly": 3, "Half-Yearly": 6, "Yearly": 12}
FREQUENCY_DAYS = {"Daily": 1, "Weekly": 7}

# Our pairings with the XSD's 5.x codes (their meanings are not public; docs/duis-coverage.md).
NO_OCCURRENCE = ResponseCode.E050101
"""The end date is before the start date: the schedule would never run."""
IN_THE_PAST = ResponseCode.E050102
"""The end date is already past: no occurrence is left."""
NOT_SCHEDULABLE = ResponseCode.E050103
"""The scheduled SRV is not one the SRV catalogue marks DCC Scheduled."""
WRONG_BODY = ResponseCode.E050105
"""The DSP body does not belong to the scheduled SRV variant."""
SCHEDULE_NOT_FOUND_READ = ResponseCode.E050201
SCHEDULE_NOT_FOUND_DELETE = ResponseCode.E050301
"""5.2 / 5.3 name a schedule ID (or device) with no schedule of this User."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    frequency: str
    start: date
    end: date | None = None
    at: time = time(0, 0)

    def occurrence(self, n: int) -> date:
        if self.frequency in FREQUENCY_DAYS:
            return self.start + timedelta(days=n * FREQUENCY_DAYS[self.frequency])
        months = self.start.month - 1 + n * FREQUENCY_MONTHS[self.frequency]
        year, month = self.start.year + months // 12, months % 12 + 1
        day = min(self.start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, self.at.replace(tzinfo=None), tzinfo=UTC)

    def next_after(self, when: datetime) -> datetime | None:
        """The first occurrence strictly after `when`; None once past the end date."""
        n = 0
        if self.frequency in FREQUENCY_DAYS and when.date() > self.start:
            n = max(0, (when.date() - self.start).days // FREQUENCY_DAYS[self.frequency] - 1)
        while True:
            day = self.occurrence(n)
            if self.end is not None and day > self.end:
                return None
            moment = self.moment(day)
            if moment > when:
                return moment
            n += 1


def refusal(recurrence: Recurrence, today: date) -> ResponseCode | None:
    """The DUIS code a Create Schedule with this recurrence gets, or None if it may run."""
    if recurrence.frequency not in FREQUENCY_DAYS and recurrence.frequency not in FREQUENCY_MONTHS:
        return NO_OCCURRENCE
    if recurrence.end is not None and recurrence.end < recurrence.start:
        return NO_OCCURRENCE
    if recurrence.end is not None and recurrence.end < today:
        return IN_THE_PAST
    return None
