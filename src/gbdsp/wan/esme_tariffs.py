"""Critical ESME Commands that set the tariff (docs/gbcs.md "Critical ESME commands"):

- 1.1.1 Update Import Tariff (Primary Element), ECS01a: the passive switching table
  (season, week and day profiles of the Activity Calendar 0-0:13.0.0.255), its special
  days, the block thresholds of the eight TOU rates (Register Monitors 0-0:16.1.11-18), the
  currency, the standing charge and the price matrix, then their activation times;
- 1.2.1 Update Price (Primary Element), ECS01b: the standing charge and the price matrix;
- 1.1.2 / 1.2.2 the same for the secondary element (ECS01c, ECS01d).

The price matrix (Charge 0-0:19.20.0.255, unit_charge_passive) has 80 entries: TOU prices
1-48 (index octet 01-30), then block prices 1-4 of the eight TOU-block sets (index octets
A1-A8, B1-B8, C1-C8, D1-D8); the secondary one (0-0:19.20.5.255) four TOU prices. A day
profile's action is script TOU rate t (t) or block set b (100 + b) of the tariff scripts
0-0:10.0.100.255, and 200 + t for the secondary element's rate t. Inferred from the RTDS
4.5.0 commands, which these reproduce for the DCC Boxed templates
(tests/gbcs/test_esme_critical.py). Only GBP is encoded (the currency unit boolean of the
RTDS cases); other currencies are not.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.dlms_data import (
    Data,
    array,
    boolean,
    double_long_unsigned,
    integer,
    long,
    long_unsigned,
    octet_string,
    structure,
    unsigned,
)
from gbdsp.gbcs.esme import SET
from gbdsp.gbcs.esme_commands import CriticalCode, Request, obis
from gbdsp.wan import device_state as state
from gbdsp.wan.esme_schedules import structured_date, switch_time
from gbdsp.wan.esme_values import EXTENDED, activation

CALENDAR, SPECIAL_DAYS, REGISTER_MONITOR, CHARGE = 20, 11, 21, 113
SEASONS, WEEKS, DAYS, ACTIVATE_PASSIVE = 7, 8, 9, 10
UNIT_CHARGE, ACTIVATION = 6, 7
TARIFF_SCRIPTS = obis(0, 0, 10, 0, 100)
STANDING_CHARGE = obis(0, 0, 19, 20, 4)
PRICE_MATRIX = obis(0, 0, 19, 20, 0)
SECONDARY_PRICES = obis(0, 0, 19, 20, 5)
CURRENCY = obis(0, 0, 94, 44, 2, 0)
TOU_PRICES, BLOCK_SETS, BLOCKS = 48, 8, 4
BLOCK_ACTION = 100
SECONDARY_ACTIONS = 200
"""The secondary element's TOU rate t is script 200 + t."""


def _text(element: etree._Element, name: str) -> str:
    found = element.findtext(sr(name))
    if found is None:
        raise InvalidValue(f"no {name}")
    return found.strip()


def _int(element: etree._Element, name: str) -> int:
    return int(_text(element, name))


def _find(element: etree._Element, name: str) -> etree._Element:
    found = element.find(f".//{sr(name)}")
    if found is None:
        raise InvalidValue(f"no {name}")
    return found


# -- prices ----------------------------------------------------------------------------------


def _charge(
    scale: int, reference: tuple[bytes, int] | None, table: list[tuple[bytes, int]]
) -> Data:
    """A COSEM Charge unit_charge: (commodity scale, price scale), the commodity reference
    (class 3, the register, attribute 2; or none for a standing charge), the charge table."""
    commodity, kind = (3, 3) if reference else (0, 0)
    register, attribute = reference or (bytes(6), 0)
    return structure(
        structure(integer(commodity), integer(scale)),
        structure(long_unsigned(kind), octet_string(register), integer(attribute)),
        array([structure(octet_string(i), long(p)) for i, p in table]),
    )


def _standing_charge(prices: etree._Element) -> Data:
    amount = _int(prices, "StandingCharge")
    return _charge(_int(prices, "StandingChargeScale"), None, [(b"", amount)])


def _price_matrix(prices: etree._Element) -> Data:
    """The 80-entry TOU and block price matrix from TOUPrice and BlockPrices elements."""
    values = {i: 0 for i in range(1, TOU_PRICES + 1)}
    values.update({0xA0 + 0x10 * b + t: 0 for b in range(BLOCKS) for t in range(1, BLOCK_SETS + 1)})
    for e in prices.iter(sr("TOUPrice")):
        values[_index(e, TOU_PRICES)] = int((e.text or "").strip())
    for group in prices.iter(sr("BlockPrices")):
        t = _index(group, BLOCK_SETS)
        for e in group.iter(sr("BlockPrice")):
            values[0xA0 + 0x10 * (_index(e, BLOCKS) - 1) + t] = int((e.text or "").strip())
    table = [(bytes([i]), p) for i, p in values.items()]
    return _charge(_int(prices, "PriceScale"), (obis(1, 0, 1, 8, 0), 2), table)


def _secondary_matrix(prices: etree._Element) -> Data:
    values = {i: 0 for i in range(1, 5)}
    for e in prices.iter(sr("ElectricityPriceElement")):
        values[_index(e, 4)] = int((e.text or "").strip())
    table = [(bytes([i]), p) for i, p in values.items()]
    return _charge(_int(prices, "PriceScale"), (obis(1, 20, 1, 8, 0), 2), table)


def _index(element: etree._Element, most: int) -> int:
    n = int(element.get("index") or "0")
    if not 1 <= n <= most:
        raise InvalidValue(f"index {n} is not 1 to {most}")
    return n


# -- the switching table -------------------------------------------------------------------


def _calendar(table: etree._Element, offset: int) -> tuple[Data, Data, Data]:
    """Season, week and day profiles of the Activity Calendar (passive)."""
    seasons = [
        structure(
            octet_string(_text(s, "SeasonName").encode("ascii")),
            octet_string(structured_date(_find(s, "SeasonStartDate")) + bytes(4) + b"\x80\x00\xff"),
            octet_string(bytes([_int(s, "ReferencedWeekName")])),
        )
        for s in table.iter(sr("Season"))
    ]
    weeks = []
    for w in table.iter(sr("WeekProfile")):
        days = sorted(
            (int(d.get("index") or "0"), int(d.text or "0"))
            for d in w.iter(sr("ReferencedDayName"))
        )
        if [i for i, _ in days] != list(range(1, 8)):
            raise InvalidValue("a week profile names the day profile of each of its 7 days")
        weeks.append(
            structure(octet_string(bytes([_int(w, "WeekName")])), *(unsigned(d) for _, d in days))
        )
    profiles = []
    for d in table.iter(sr("DayProfile")):
        actions = [
            structure(
                octet_string(switch_time(_text(p, "StartTime"))),
                octet_string(TARIFF_SCRIPTS),
                long_unsigned(offset + _action(p)),
            )
            for p in d.iter(sr("ProfileSchedule"))
        ]
        profiles.append(structure(unsigned(_int(d, "DayName")), array(actions)))
    return array(seasons), array(weeks), array(profiles)


def _action(schedule: etree._Element) -> int:
    tou, block = (
        schedule.findtext(sr("TOUTariffAction")),
        schedule.findtext(sr("BlockTariffAction")),
    )
    if tou is not None:
        return int(tou)
    if block is not None:
        return BLOCK_ACTION + int(block)
    raise InvalidValue("a profile schedule has a TOU or a block tariff action")


def _special_days(body: etree._Element) -> Data:
    days = body.find(f".//{sr('SpecialDays')}")
    entries = [] if days is None else list(days.iter(sr("SpecialDay")))
    return array(
        [
            structure(
                long_unsigned(n),
                octet_string(structured_date(_find(e, "Date"))),
                unsigned(_int(e, "ReferencedDayName")),
            )
            for n, e in enumerate(entries, start=1)
        ]
    )


def _thresholds(body: etree._Element) -> list[Data]:
    groups = sorted((_index(g, BLOCK_SETS), g) for g in body.iter(sr("Thresholds")))
    if [t for t, _ in groups] != list(range(1, BLOCK_SETS + 1)):
        raise InvalidValue("the threshold matrix has the thresholds of each of the 8 TOU rates")
    return [
        array(
            [
                double_long_unsigned(int((b.text or "").strip()))
                for b in g.iter(sr("BlockThreshold"))
            ]
        )
        for _, g in groups
    ]


def _calendar_requests(table: etree._Element, calendar: bytes, offset: int) -> list[Request]:
    seasons, weeks, days = _calendar(table, offset)
    return [
        Request(SET, CALENDAR, calendar, SEASONS, seasons),
        Request(SET, CALENDAR, calendar, WEEKS, weeks),
        Request(SET, CALENDAR, calendar, DAYS, days),
    ]


# -- the use cases -------------------------------------------------------------------------


def import_tariff(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """1.1.1 (ECS01a): tariff and prices of the primary element."""
    body, when = request.body, activation(request)
    elements = _find(body, "ElecTariffElements")
    if _text(elements, "CurrencyUnits") != "GBP":
        raise InvalidValue("only GBP is encoded")
    prices = _find(body, "ElectricityPriceElements")
    calendar = obis(0, 0, 13, 0, 0)
    thresholds = [
        Request(SET, REGISTER_MONITOR, obis(0, 0, 16, 1, 10 + t), 2, v)
        for t, v in enumerate(_thresholds(elements), start=1)
    ]
    return CriticalCode.ECS01A, [
        *_calendar_requests(_find(elements, "SwitchingTable"), calendar, 0),
        Request(SET, SPECIAL_DAYS, obis(0, 1, 11, 0, 0), 2, _special_days(elements)),
        *thresholds,
        Request(SET, EXTENDED, CURRENCY, 4, boolean(True)),
        Request(SET, CHARGE, STANDING_CHARGE, UNIT_CHARGE, _standing_charge(prices)),
        Request(SET, CHARGE, PRICE_MATRIX, UNIT_CHARGE, _price_matrix(prices)),
        Request(SET, CALENDAR, calendar, ACTIVATE_PASSIVE, when),
        Request(SET, EXTENDED, obis(0, 0, 94, 44, 128, 29), 6, when),
        Request(SET, EXTENDED, CURRENCY, 6, when),
        Request(SET, CHARGE, STANDING_CHARGE, ACTIVATION, when),
        Request(SET, CHARGE, PRICE_MATRIX, ACTIVATION, when),
        Request(SET, EXTENDED, obis(0, 0, 63, 1, 1), 6, when),
    ]


def price(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """1.2.1 (ECS01b): the standing charge and the price matrix of the primary element."""
    prices, when = _find(request.body, "ElectricityPriceElements"), activation(request)
    return CriticalCode.ECS01B, [
        Request(SET, CHARGE, STANDING_CHARGE, UNIT_CHARGE, _standing_charge(prices)),
        Request(SET, CHARGE, PRICE_MATRIX, UNIT_CHARGE, _price_matrix(prices)),
        Request(SET, CHARGE, STANDING_CHARGE, ACTIVATION, when),
        Request(SET, CHARGE, PRICE_MATRIX, ACTIVATION, when),
    ]


def secondary_tariff(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """1.1.2 (ECS01c): the secondary element's prices, switching table and special days."""
    body, when = request.body, activation(request)
    calendar = obis(0, 0, 13, 0, 1)
    return CriticalCode.ECS01C, [
        Request(
            SET,
            CHARGE,
            SECONDARY_PRICES,
            UNIT_CHARGE,
            _secondary_matrix(_find(body, "PriceElements")),
        ),
        *_calendar_requests(_find(body, "SwitchingTable"), calendar, SECONDARY_ACTIONS),
        Request(SET, SPECIAL_DAYS, obis(0, 1, 11, 0, 1), 2, _special_days(body)),
        Request(SET, CALENDAR, calendar, ACTIVATE_PASSIVE, when),
        Request(SET, CHARGE, SECONDARY_PRICES, ACTIVATION, when),
        Request(SET, EXTENDED, obis(0, 0, 94, 44, 128, 30), 6, when),
    ]


def secondary_price(request: DuisRequest, now: datetime) -> tuple[CriticalCode, list[Request]]:
    """1.2.2 (ECS01d): the secondary element's four prices."""
    prices, when = _find(request.body, "PriceElements"), activation(request)
    return CriticalCode.ECS01D, [
        Request(SET, CHARGE, SECONDARY_PRICES, UNIT_CHARGE, _secondary_matrix(prices)),
        Request(SET, CHARGE, SECONDARY_PRICES, ACTIVATION, when),
    ]


# -- what the device remembers (wan/device_state.py) ---------------------------------------


def _hex(value: Data) -> str:
    return value.encode().hex()


def _price_state(prices: etree._Element) -> state.Overrides:
    """The standing charge and price matrix as SET, and the price of TOU rate 1 (block 1 of
    block set 1 for a block tariff) as the active price."""
    tou = {_index(e, TOU_PRICES): int(e.text or "0") for e in prices.iter(sr("TOUPrice"))}
    blocks = {
        _index(e, BLOCKS): int(e.text or "0")
        for g in prices.iter(sr("BlockPrices"))
        if _index(g, BLOCK_SETS) == 1
        for e in g.iter(sr("BlockPrice"))
    }
    first = tou.get(1) or blocks.get(1, 0)
    return {
        state.TARIFF_STANDING_CHARGE: _hex(_standing_charge(prices)),
        state.TARIFF_PRICE_MATRIX: _hex(_price_matrix(prices)),
        state.TARIFF_ACTIVE_PRICE: [first, _int(prices, "PriceScale")],
    }


def import_tariff_state(body: etree._Element) -> state.Overrides:
    """1.1.1 (ECS01a): the switching table, special days, block thresholds and prices."""
    elements = _find(body, "ElecTariffElements")
    if _text(elements, "CurrencyUnits") != "GBP":
        raise InvalidValue("only GBP is encoded")
    calendar = _calendar(_find(elements, "SwitchingTable"), 0)
    return {
        state.TARIFF_CALENDAR: [_hex(v) for v in calendar],
        state.TARIFF_SPECIAL_DAYS: _hex(_special_days(elements)),
        state.TARIFF_THRESHOLDS: [_hex(v) for v in _thresholds(elements)],
        **_price_state(_find(body, "ElectricityPriceElements")),
    }


def price_state(body: etree._Element) -> state.Overrides:
    """1.2.1 (ECS01b): the standing charge and the price matrix."""
    return _price_state(_find(body, "ElectricityPriceElements"))
