from datetime import date

from gbdsp.domain.install_codes import answered_in_time, due_date
from gbdsp.domain.working_days import Calendar

EW = Calendar.ENGLAND_AND_WALES


def test_answer_on_the_due_date_is_in_time_and_the_day_after_is_late() -> None:
    # Raised Mon 2 Nov 2026: 5 Working Days is Mon 9 Nov, 10 is Mon 16 Nov
    assert due_date(date(2026, 11, 2), 5, EW) == date(2026, 11, 9)
    assert due_date(date(2026, 11, 2), 10, EW) == date(2026, 11, 16)
    assert answered_in_time(date(2026, 11, 9), date(2026, 11, 9))
    assert not answered_in_time(date(2026, 11, 10), date(2026, 11, 9))
