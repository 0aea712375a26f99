from datetime import date

import pytest

from gbdsp.domain.working_days import Calendar, add_working_days, working_days_between

EW, SCT, NI, ANY = (
    Calendar.ENGLAND_AND_WALES,
    Calendar.SCOTLAND,
    Calendar.NORTHERN_IRELAND,
    Calendar.ANY_PART_OF_UK,
)


@pytest.mark.parametrize(
    ("start", "calendar", "due"),
    [
        # Christmas 2026: 25 Dec (Fri), 28 Dec (Boxing Day observed) and 1 Jan 2027 are
        # not Working Days
        (date(2026, 12, 18), EW, date(2027, 1, 6)),
        # Scotland also keeps 2 Jan (observed Mon 4 Jan 2027)
        (date(2026, 12, 18), SCT, date(2027, 1, 7)),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar (not a bank holiday in Scotland)
        (date(2027, 3, 22), EW, date(2027, 4, 7)),
        (date(2027, 3, 22), SCT, date(2027, 4, 6)),
        # St Andrew's Day (Mon 30 Nov 2026) only in Scotland
        (date(2026, 11, 23), EW, date(2026, 12, 7)),
        (date(2026, 11, 23), SCT, date(2026, 12, 8)),
        # St Patrick's Day (Tue 17 Mar 2026) only in Northern Ireland
        (date(2026, 3, 13), EW, date(2026, 3, 27)),
        (date(2026, 3, 13), NI, date(2026, 3, 30)),
        # 'any part of the UK': every one of them counts
        (date(2026, 3, 13), ANY, date(2026, 3, 30)),
    ],
)
def test_ten_working_days_skip_the_calendars_own_holidays(
    start: date, calendar: Calendar, due: date
) -> None:
    assert add_working_days(start, 10, calendar) == due


def test_counting_back_agrees() -> None:
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 6), EW) == 10
    assert working_days_between(date(2027, 1, 5), date(2026, 12, 18), EW) == 0


def test_calendar_names_parse() -> None:
    assert Calendar.parse("Scotland") is SCT
    with pytest.raises(ValueError, match="unknown working-day calendar"):
        Calendar.parse("wales-only")
