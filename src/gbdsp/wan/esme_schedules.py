"""Critical ESME Commands that set calendars: COSEM Special Days Tables (class 11) and
Schedules (class 10) from their DUIS definitions (docs/gbcs.md "Critical ESME commands").

- 2.1 Update Prepay Configuration (ECS08a): the non-disablement calendar (special days
  0-1:11.0.2.255, schedule 0-1:12.0.1.255 of the disconnect control scripts), the credit
  thresholds and the debt recovery cap;
- 6.14.2 Update Device Configuration (Auxiliary Load Control Scheduler, ECS46c): the
  switches' types and HCALCS IDs, special days 0-1:11.0.3.255 and schedule 0-1:12.0.2.255 of
  the ALCS scripts;
- 6.14.3 Auxiliary Controller Scheduler (ECS46d): the same special days and schedule.

A schedule entry is (index, enabled, script table, script, switch time, validity 0xFFFF,
the weekdays Monday-Sunday as 7 bits, the special days it applies to (one bit per special
day defined), begin date, end date); a special day is (index, date, day ID = index). The
scripts: 32 (START) / 33 (STOP) of the disconnect control (ECS08a); n << 8 | 1 (activate) /
2 (deactivate) for switch n (ECS46c); direction << 12 | n << 8 | 0x80 | level for
controller n (ECS46d). Inferred from the RTDS 4.5.0 commands, which they reproduce for the
DCC Boxed templates (tests/gbcs/test_esme_critical.py). ECS08a (not ECS08) is the variant
encoded: both come from the same DUIS request, ECS08a sets every threshold as a passive
value with its activation time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.dlms_data import (
    Bits,
    Data,
    array,
    boolean,
    double_long,
    long_unsigned,
    octet_string,
    structure,
    unsigned,
)
from gbdsp.gbcs.esme import SET
from gbdsp.gbcs.esme_commands import CriticalCode, Request, obis
from gbdsp.wan.esme_values import EXTENDED, activation

SPECIAL_DAYS, SCHEDULE, DATA = 11, 10, 1
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DISCONNECT_SCRIPTS = obis(0, 0, 10, 0, 106)
ALCS_SCRIPTS = obis(0, 0, 10, 0, 103)
NON_DISABLEMENT = {"START": 32, "STOP": 33}
DAYS_OF_MONTH = {"LastDayOfMonth": 0xFE, "SecondLastDayOfMonth": 0xFD}
WEEKLY = 604800
"""The debt recovery rate cap period (s): DUIS carries the cap alone."""


def _find(element: etree._Element, name: str) -> etree._Element:
    found = element.find(f".//{sr(name)}")
    if found is None:
        raise InvalidValue(f"no {name}")
    return found


def _texts(element: etree._Element, name: str) -> str:
    return (element.findtext(f".//{sr(name)}") or "").strip()


def structured_date(element: etree._Element) -> bytes:
    """A COSEM date (5 octets) from DUIS Year, Month, DayOfMonth, DayOfWeek choices."""
    year = _texts(element, "SpecifiedYear")
    month = _texts(element, "SpecifiedMonth")
    day = _texts(element, "SpecifiedDayOfMonth")
    weekday = _texts(element, "SpecifiedDayOfWeek")
    special = next(
        (v for name, v in DAYS_OF_MONTH.items() if element.find(f".//{sr(name)}") is not None),
        None,
    )
    if not month and element.find(f".//{sr('NonSpecifiedMonth')}") is None:
        raise InvalidValue("only specified or non-specified months are encoded")
    return (
        (int(year) if year else 0xFFFF).to_bytes(2, "big")
        + bytes([int(month) if month else 0xFF])
        + bytes([int(day) if day else (special if special is not None else 0xFF)])
        + bytes([int(weekday) if weekday else 0xFF])
    )


def text_date(text: str) -> bytes:
    """A COSEM date from xs:date, year 65535 meaning every year ("65535-04-29Z")."""
    stem = text.strip().rstrip("Z").split("+")[0]
    year, month, day = stem.split("-")
    return int(year).to_bytes(2, "big") + bytes([int(month), int(day), 0xFF])


def switch_time(text: str) -> bytes:
    """xs:time 'HH:MM:SS(.ss)Z' as a COSEM time (hour, minute, second, hundredths)."""
    clock = text.strip().rstrip("Z").split("+")[0]
    hours, minutes, seconds = clock.split(":")
    whole, _, fraction = seconds.partition(".")
    return bytes([int(hours), int(minutes), int(whole), int((fraction + "00")[:2])])


def _weekdays(entry: etree._Element) -> Bits:
    days = {d.strip() for d in (e.text or "" for e in entry.iter(sr("DayOfWeekID")))}
    if days - set(WEEKDAYS):
        raise InvalidValue(f"not days of the week: {sorted(days - set(WEEKDAYS))}")
    return Bits("".join("1" if d in days else "0" for d in WEEKDAYS))


def _special_days(indexes: set[int], count: int) -> Bits:
    if any(not 1 <= i <= count for i in indexes):
        raise InvalidValue("a schedule refers to a special day not defined")
    return Bits("".join("1" if i + 1 in indexes else "0" for i in range(count)))


def _entry(
    index: int, script_table: bytes, script: int, time: bytes, weekdays: Bits, special: Bits
) -> list[Data]:
    return [
        long_unsigned(index),
        boolean(True),
        octet_string(script_table),
        long_unsigned(script),
        octet_string(time),
        long_unsigned(0xFFFF),
        weekdays,
        special,
    ]


def _special_day_table(days: list[tuple[int, bytes]]) -> Data:
    return array([structure(long_unsigned(i), octet_string(d), unsigned(i)) for i, d in days])


def _numbered(elements: list[etree._Element], attribute: str) -> list[tuple[int, etree._Element]]:
    numbered = sorted((int(e.get(attribute) or "0"), e) for e in elements)
    if [i for i, _ in numbered] != list(range(1, len(numbered) + 1)):
        raise InvalidValue("special days must be numbered 1, 2, 3...")
    return numbered


# -- 2.1 Update Prepay Configuration (ECS08a) -------------------------------------------------


def prepay_configuration(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    config = _find(request.body, "UpdatePrepayConfigElectricity")
    days = _numbered(list(config.iter(sr("SpecialDay"))), "index")
    table = _special_day_table([(i, structured_date(_find(d, "Date"))) for i, d in days])
    entries = []
    for n, e in enumerate(config.iter(sr("ElectricityNonDisablementSchedule")), start=1):
        script = NON_DISABLEMENT.get(_texts(e, "NonDisablementScript"))
        if script is None:
            raise InvalidValue("a non-disablement script is START or STOP")
        applies = {int(x.text or "0") for x in e.iter(sr("SpecialDayID"))}
        times = _find(e, "ScheduleDatesAndTime")
        row = _entry(
            n,
            DISCONNECT_SCRIPTS,
            script,
            switch_time(_texts(times, "SwitchTime")),
            _weekdays(e),
            _special_days(applies, len(days)),
        )
        row += [octet_string(text_date(_texts(times, s))) for s in ("StartDate", "EndDate")]
        entries.append(structure(*row))
    values = {
        "MaxMeterBalance": (obis(0, 0, 94, 44, 2, 20), double_long),
        "MaxCreditThreshold": (obis(0, 0, 94, 44, 2, 10), double_long),
        "DebtRecoveryRateCap": (obis(0, 0, 94, 44, 128, 12), long_unsigned),
        "LowCreditThreshold": (obis(0, 0, 94, 44, 128, 9), double_long),
        "EmergencyCreditLimit": (obis(0, 0, 94, 44, 128, 2), double_long),
        "EmergencyCreditThreshold": (obis(0, 0, 94, 44, 128, 3), double_long),
    }
    passive = {
        name: Request(SET, EXTENDED, o, 4, kind(int(_texts(config, name))))
        for name, (o, kind) in values.items()
    }
    cap_period = obis(0, 0, 94, 44, 128, 13)
    when = activation(request)
    timed = [values[n][0] for n in ("MaxMeterBalance", "MaxCreditThreshold", "DebtRecoveryRateCap")]
    timed += [cap_period] + [values[n][0] for n in ("LowCreditThreshold", "EmergencyCreditLimit")]
    timed += [values["EmergencyCreditThreshold"][0], obis(0, 0, 94, 44, 128, 28)]
    return CriticalCode.ECS08A, [
        Request(SET, SPECIAL_DAYS, obis(0, 1, 11, 0, 2), 2, table),
        passive["MaxMeterBalance"],
        passive["MaxCreditThreshold"],
        Request(SET, SCHEDULE, obis(0, 1, 12, 0, 1), 2, array(entries)),
        passive["DebtRecoveryRateCap"],
        Request(SET, EXTENDED, cap_period, 4, double_long(WEEKLY)),
        passive["LowCreditThreshold"],
        passive["EmergencyCreditLimit"],
        Request(SET, EXTENDED, obis(0, 0, 94, 44, 128, 31), 6, when),
        passive["EmergencyCreditThreshold"],
        *(Request(SET, EXTENDED, o, 6, when) for o in timed),
    ]


# -- 6.14.2 / 6.14.3 Auxiliary load control schedulers (ECS46c, ECS46d) -----------------------

SWITCH_IDS = 20
"""0-0:94.44.0.(20 + n): the device ID of the HCALCS at switch n (zeros for an ALCS)."""


def _switch_ids(body: etree._Element) -> list[Request]:
    found = []
    for n, e in _numbered(list(body.iter(sr("SwitchTypeAndId"))), "index"):
        hcalcs = _texts(e, "HCALCS")
        device = bytes.fromhex(hcalcs.replace("-", "")) if hcalcs else bytes(8)
        found.append(
            Request(SET, DATA, obis(0, 0, 94, 44, 0, SWITCH_IDS + n), 2, octet_string(device))
        )
    return found


def _calendar(
    request: DuisRequest, days: list[tuple[int, bytes]], entries: Sequence[Data]
) -> list[Request]:
    when = activation(request)
    return [
        Request(SET, SPECIAL_DAYS, obis(0, 1, 11, 0, 3), 2, _special_day_table(days)),
        Request(SET, SCHEDULE, obis(0, 1, 12, 0, 2), 2, array(entries)),
        Request(SET, EXTENDED, obis(0, 0, 94, 44, 128, 26), 6, when),
        Request(SET, EXTENDED, obis(0, 0, 94, 44, 128, 35), 6, when),
    ]


def _dates(times: etree._Element) -> list[Data]:
    return [octet_string(structured_date(_find(times, s))) for s in ("StartDate", "EndDate")]


def alcs_scheduler(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """6.14.2: the switch IDs given, then the special days and the switching schedule."""
    body = request.body
    days = [
        (i, structured_date(d))
        for i, d in _numbered(list(body.iter(sr("ALCSHCALCSSpecialDay"))), "index")
    ]
    entries = []
    for n, e in enumerate(body.iter(sr("ALCSHCALCSConnectionSchedule")), start=1):
        switch = _find(e, "ActivateDeactivateSwitch")
        index = int(switch.get("index") or "0")
        action = 1 if switch.find(sr("ActivateSwitch")) is not None else 2
        applies = {int(x.get("index") or "0") for x in e.iter(sr("SpecialDaysApplicability"))}
        times = _find(e, "ALCSScheduleDatesAndTime")
        row = _entry(
            n,
            ALCS_SCRIPTS,
            index << 8 | action,
            switch_time(_texts(times, "SwitchTime")),
            _weekdays(e),
            _special_days(applies, len(days)),
        )
        entries.append(structure(*row, *_dates(times)))
    return CriticalCode.ECS46C, _switch_ids(body) + _calendar(request, days, entries)


def controller_scheduler(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """6.14.3: the special days and the schedule of the controllers' levels."""
    body = request.body
    definitions = list(body.iter(sr("AuxiliaryControllerSpecialDayDefinition")))
    days = [(i, structured_date(d)) for i, d in _numbered(definitions, "identifier")]
    entries = []
    for n, e in enumerate(body.iter(sr("AuxiliaryControllerSchedule")), start=1):
        action = _find(e, "AuxiliaryControllerAction")
        controller = int(action.get("auxiliaryControllerN") or "0")
        level = int(_texts(action, "CommandedStateLevel"))
        if not (1 <= controller <= 5 and 0 <= level <= 100):
            raise InvalidValue("a controller is 1 to 5 and a level 0 to 100")
        direction = 2 if action.find(sr("InputFromControlledLoad")) is not None else 1
        applies = {int(x.get("identifier") or "0") for x in e.iter(sr("SpecialDaysApplicability"))}
        times = _find(e, "AuxiliaryControllerSchedulePeriodAndTime")
        row = _entry(
            n,
            ALCS_SCRIPTS,
            direction << 12 | controller << 8 | 0x80 | level,
            switch_time(_texts(times, "SwitchTime")),
            _weekdays(e),
            _special_days(applies, len(days)),
        )
        entries.append(structure(*row, *_dates(times)))
    return CriticalCode.ECS46D, _calendar(request, days, entries)
