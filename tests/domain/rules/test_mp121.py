"""MP121: install-code requests and their SLA, in force and off (seed 000; AC 4.16)."""

from datetime import date

from gbdsp.domain.rules import Switch, mp121
from gbdsp.domain.working_days import Calendar

FROM = date(2026, 1, 1)


def _settings(
    enabled: bool = True, calendar: Calendar = Calendar.ENGLAND_AND_WALES
) -> mp121.Settings:
    return mp121.Settings(Switch(enabled, FROM), 5, calendar, 2, "panel@example.org")


def test_in_force_requests_are_taken_and_due_in_the_slas_working_days() -> None:
    policy = mp121.policy(_settings(), date(2026, 12, 21))
    assert isinstance(policy, mp121.InForce) and policy.refusal is None
    # Monday 21 Dec: 25, 28 Dec and 1 Jan are bank holidays in England and Wales
    assert policy.settings.due_date(date(2026, 12, 21)) == date(2026, 12, 30)
    assert policy.describe() == "due in 5 Working Days (england-and-wales)"


def test_the_calendar_decides_the_working_days() -> None:
    scottish = _settings(calendar=Calendar.SCOTLAND)  # 2 Jan is a bank holiday there too
    assert _settings().due_date(date(2026, 12, 29)) == date(2027, 1, 6)
    assert scottish.due_date(date(2026, 12, 29)) == date(2027, 1, 7)


def test_the_installer_is_reminded_within_remind_working_days_of_the_due_date() -> None:
    due = date(2026, 3, 13)  # a Friday
    assert not _settings().reminder_due(due, date(2026, 3, 10))  # three Working Days away
    assert _settings().reminder_due(due, date(2026, 3, 11))
    assert not _settings().reminder_due(due, date(2026, 3, 14))  # overdue: escalated instead


def test_off_no_request_is_taken_but_old_ones_keep_their_working_days() -> None:
    before = mp121.policy(_settings(), date(2025, 12, 31))
    off = mp121.policy(_settings(enabled=False), date(2030, 1, 1))
    for policy in (before, off):
        assert isinstance(policy, mp121.Off)
        assert policy.refusal == "MP121 (install codes after change of supplier) is not in force"
        assert policy.describe() == "no obligation (MP121 off)"
        assert policy.settings.calendar is Calendar.ENGLAND_AND_WALES
