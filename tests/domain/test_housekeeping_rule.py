"""The housekeeping rule's own questions: is this device due now, and from when."""

from datetime import UTC, datetime, timedelta

import pytest

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.housekeeping import HousekeepingRule

TWELVE = HousekeepingRule(12)
HUBS_KEPT = HousekeepingRule(36, frozenset({DeviceType.CHF, DeviceType.GPF}))
BRYT = HousekeepingRule(36, only_after_left_pending=True)


@pytest.mark.parametrize(
    ("pending_since", "due"),
    [
        (datetime(2025, 3, 10, 12, tzinfo=UTC), datetime(2026, 3, 10, 12, tzinfo=UTC)),
        # 29 Feb + 12 months is clamped to 28 Feb, when runs still look back to 28 Feb 2024
        (datetime(2024, 2, 29, 9, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)),
    ],
)
def test_due_at_is_the_first_moment_a_run_removes_the_device(
    pending_since: datetime, due: datetime
) -> None:
    assert TWELVE.due_at(DeviceType.CHF, pending_since, False) == due
    assert TWELVE.is_due(DeviceType.CHF, pending_since, False, due)
    assert not TWELVE.is_due(DeviceType.CHF, pending_since, False, due - timedelta(seconds=1))


def test_due_at_agrees_with_is_due_on_every_day_of_a_leap_year() -> None:
    start = datetime(2024, 1, 1, 17, 30, tzinfo=UTC)
    for rule in (HousekeepingRule(1), TWELVE, HousekeepingRule(36)):
        for day in range(366):
            since = start + timedelta(days=day)
            due = rule.due_at(DeviceType.ESME, since, False)
            assert due is not None
            assert rule.is_due(DeviceType.ESME, since, False, due)
            assert not rule.is_due(DeviceType.ESME, since, False, due - timedelta(seconds=1))


def test_excluded_types_and_bryts_reading_are_never_due() -> None:
    since = datetime(2020, 1, 1, tzinfo=UTC)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert HUBS_KEPT.due_at(DeviceType.CHF, since, False) is None
    assert not HUBS_KEPT.is_due(DeviceType.GPF, since, True, later)
    assert HUBS_KEPT.due_at(DeviceType.ESME, since, False) is not None
    assert BRYT.due_at(DeviceType.CHF, since, False) is None
    assert not BRYT.is_due(DeviceType.CHF, since, False, later)
    assert BRYT.is_due(DeviceType.CHF, since, True, later)
    assert HousekeepingRule(12).due_at(DeviceType.IHD, since, False) is None
