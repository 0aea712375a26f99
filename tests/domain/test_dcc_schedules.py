"""Occurrences of DCC schedules and the refusals of 5.1 (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from gbdsp.domain.dcc_schedules import IN_THE_PAST, NO_OCCURRENCE, Recurrence, refusal


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_started_in_the_past_runs_next_at_its_time() -> None:
    r = Recurrence("Daily", date(2015, 1, 2), at=time(1, 30))
    assert r.next_after(at(2026, 3, 2, 9, 30)) == at(2026, 3, 3, 1, 30)
    assert r.next_after(at(2026, 3, 2, 1, 0)) == at(2026, 3, 2, 1, 30)


def test_monthly_from_the_31st_runs_on_the_last_day_of_short_months() -> None:
    r = Recurrence("Monthly", date(2026, 1, 31))
    assert r.next_after(at(2026, 1, 31, 0, 0)) == at(2026, 2, 28)
    assert r.next_after(at(2026, 2, 28)) == at(2026, 3, 31)


def test_weekly_quarterly_and_yearly_steps() -> None:
    assert Recurrence("Weekly", date(2026, 3, 2)).next_after(at(2026, 3, 2)) == at(2026, 3, 9)
    assert Recurrence("Quarterly", date(2026, 1, 15)).next_after(at(2026, 1, 15)) == at(2026, 4, 15)
    assert Recurrence("Half-Yearly", date(2026, 1, 15)).next_after(at(2026, 1, 15)) == at(
        2026, 7, 15
    )
    assert Recurrence("Yearly", date(2024, 2, 29)).next_after(at(2024, 2, 29)) == at(2025, 2, 28)


def test_an_ended_schedule_has_no_next_occurrence() -> None:
    r = Recurrence("Daily", date(2026, 3, 1), end=date(2026, 3, 2))
    assert r.next_after(at(2026, 3, 2, 0, 0)) is None


def test_refusals() -> None:
    today = date(2026, 3, 2)
    assert (
        refusal(Recurrence("Daily", date(2026, 3, 5), end=date(2026, 3, 4)), today) == NO_OCCURRENCE
    )
    assert (
        refusal(Recurrence("Daily", date(2026, 2, 1), end=date(2026, 3, 1)), today) == IN_THE_PAST
    )
    assert refusal(Recurrence("Daily", date(2015, 1, 2)), today) is None  # the template's
