"""When a periodic job is due: cron expressions in a named time zone.

Pure: the caller passes 'now' (from its Clock); nothing here reads the time. Cron (5 fields,
or 6 with seconds first) is what operators already write; `cronsim` evaluates it, including
the daylight-saving days (a 01:30 that does not exist in spring runs at the next valid time;
a 01:30 that happens twice in autumn runs once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from gbdsp.domain.errors import InvalidValue


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or InvalidValue naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidValue(
            f"unknown time zone {name!r} (an IANA name such as Europe/London)"
        ) from e


@dataclass(frozen=True, slots=True)
class Schedule:
    expression: str
    timezone: str

    @classmethod
    def parse(cls, expression: str, timezone: str) -> Schedule:
        """Check the expression once, so a bad configuration fails at start-up, not at 02:00."""
        schedule = cls(" ".join(expression.split()), timezone)
        zone(timezone)
        try:
            next(CronSim(schedule.expression, datetime(2026, 1, 1, tzinfo=UTC)))
        except (CronSimError, StopIteration) as e:
            raise InvalidValue(
                f"schedule {expression!r}: {e} (cron: minute hour day month "
                "weekday, optionally seconds first)"
            ) from e
        return schedule

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after `moment`, in UTC."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs a timezone-aware time")
        local = moment.astimezone(zone(self.timezone))
        return next(CronSim(self.expression, local)).astimezone(UTC)

    def describe(self) -> str:
        return f"{self.expression} ({self.timezone})"
