"""ESME Responses to reads of its identity and configuration (docs/gbcs.md, "ESME").

The identity comes from the SMI (Device ID, model, manufacturer, MPAN); the configuration
is the emulated ESME's (wan/esme_state.py `CONFIGURATION`): a single-rate credit tariff, the
templates' voltage thresholds, no auxiliary load switch configured, empty event logs (gbdsp
records no device events). Types and order are those of the GBCS use cases.
"""

from __future__ import annotations

from functools import cache

from gbdsp.gbcs import esme
from gbdsp.gbcs.dlms_data import (
    Bits,
    Data,
    Encoded,
    array,
    boolean,
    compact_array,
    date_time,
    double_long,
    double_long_unsigned,
    encoded,
    enum,
    integer,
    long,
    long_unsigned,
    octet_string,
    scaler_unit,
    structure,
    unsigned,
    utc_seconds,
    utf8_string,
    visible_string,
)
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.wan.device_state import (
    ARMED,
    BILLING_CALENDAR,
    CREDIT,
    DISABLED,
    ENABLED,
    LOAD_LIMIT,
    PAYMENT_MODE,
    PREPAYMENT,
    RANDOMISED_OFFSET_LIMIT,
    SUPPLY,
    TARIFF_ACTIVE_PRICE,
    TARIFF_CALENDAR,
    TARIFF_PRICE_MATRIX,
    TARIFF_SPECIAL_DAYS,
    TARIFF_STANDING_CHARGE,
    TARIFF_THRESHOLDS,
    VOLTAGE_AVERAGE,
    VOLTAGE_RMS,
)
from gbdsp.wan.esme_state import CONFIGURATION
from gbdsp.wan.gbcs_ask import Ask
from gbdsp.wan.registers import EPOCH

C = CONFIGURATION
CURRENCY, COUNT, WATT = 254, 255, 27
"""DLMS units: 254 (other: the currency unit of GBCS prices), 255 (a count), W."""
PRICE_SCALE = -5
"""Prices and balances in 1/100000 of the currency unit (GBCS 10.4)."""
STANDING_SCALE = -4
"""The standing charge in 1/10000 of the currency unit (a long holds at most 32767)."""
ACTIVE_IMPORT = bytes.fromhex("0100010800ff")
"""1-0:1.8.0.255, the active import register the tariff's charges refer to."""
TARIFF_SCRIPTS = bytes.fromhex("00000a0064ff")
"""0-0:10.0.100.255, the tariff switching scripts (script 1: rate 1)."""
BEHAVIOUR_BITS = 256
SWITCHES = range(1, 6)
"""The five auxiliary load control switches of an ESME."""


def _text(value: str) -> Data:
    return octet_string(value.encode("ascii", "replace"))


def ecs26e(ask: Ask) -> bytes:
    """6.2.4 Read Device Configuration (Identity Exc MPxN): Device ID, meter variant (A,
    single element), model and manufacturer as the SMI has them, supply tamper state
    (not locked)."""
    device = ask.device
    values = [
        octet_string(device.device_id.value.to_bytes(8, "big")),
        _text("A"),
        _text(device.model.model),
        _text(device.model.manufacturer),
        boolean(False),
    ]
    return esme.read(ask.exchange(), EsmeCode.ECS26E, values)


def ecs26i(ask: Ask) -> bytes:
    """6.2.4 on a CHF: its Device ID, model and manufacturer (SMI)."""
    device = ask.device
    values = [
        octet_string(device.device_id.value.to_bytes(8, "big")),
        _text(device.model.model),
        _text(device.model.manufacturer),
    ]
    return esme.read(ask.exchange(), EsmeCode.ECS26I, values)


def ecs40(ask: Ask) -> bytes:
    """6.2.7 Read Device Configuration (MPxN): the import MPAN of the SMI, no export MPAN."""
    values = [_text(ask.device.import_mpxn or ""), _text("")]
    return esme.read(ask.exchange(), EsmeCode.ECS40, values)


def ecs26b(ask: Ask) -> bytes:
    """6.2.1 Read Device Configuration (Voltage): RMS extreme over/under, sag and swell
    thresholds and periods, then the average RMS over- and under-voltage thresholds."""
    rms = ask.setting(VOLTAGE_RMS, C.rms_voltage)  # the last 6.5's (wan/device_state.py)
    average = ask.setting(VOLTAGE_AVERAGE, C.average_rms_voltage)
    values = [double_long_unsigned(v) for v in (*rms, *average)]
    return esme.read(ask.exchange(), EsmeCode.ECS26B, values)


def ecs26c(ask: Ask) -> bytes:
    """6.2.2 Read Device Configuration (Randomisation): the offset number, the offset limit
    (the last 7.12's, wan/device_state.py) and the data-sending offset limit."""
    number, limit, sending = C.randomisation
    limit = ask.setting(RANDOMISED_OFFSET_LIMIT, limit)
    values = [long_unsigned(v) for v in (number, limit, sending)]
    return esme.read(ask.exchange(), EsmeCode.ECS26C, values)


def ecs26d(ask: Ask) -> bytes:
    """6.2.3 Read Device Configuration (Billing Calendar): the time, and the date pattern
    of every month's first day (COSEM date, year and month not specified)."""
    time, dates = ask.setting(BILLING_CALENDAR, (C.billing_time.hex(), [(0xFF, 1)]))
    entries = [
        structure(
            octet_string(bytes.fromhex(time)), octet_string(b"\xff\xff" + bytes([m, d, 0xFF]))
        )
        for m, d in dates
    ]  # the last 6.8's (wan/device_state.py), else every month's first day
    return esme.read(ask.exchange(), EsmeCode.ECS26D, [array(entries)])


def ecs26f(ask: Ask) -> bytes:
    """6.2.5 Read Device Configuration (Instantaneous Power Thresholds), W."""
    values = [array([double_long_unsigned(v) for v in C.power_thresholds])]
    return esme.read(ask.exchange(), EsmeCode.ECS26F, values)


def ecs26j(ask: Ask) -> bytes:
    """6.2.9 Read Device Configuration (Payment Mode): the account's mode, credit (1) or
    prepayment (2: the last 1.6's, wan/device_state.py), and its status active (2)."""
    mode = 2 if ask.setting(PAYMENT_MODE, CREDIT) == PREPAYMENT else 1
    return esme.read(ask.exchange(), EsmeCode.ECS26J, [structure(enum(mode), enum(2))])


def ecs27(ask: Ask) -> bytes:
    """4.15 Read Load Limit Data: supply not limited, counter 0, the power threshold (W)
    and the restoration and measurement periods (s): the last 6.4.1's (wan/device_state.py),
    else the defaults."""
    threshold, restoration, measurement = ask.setting(LOAD_LIMIT, C.load_limit)
    values: list[Data] = [boolean(False), double_long_unsigned(0), scaler_unit(0, COUNT)]
    values += [double_long_unsigned(v) for v in (threshold, restoration, measurement)]
    return esme.read(ask.exchange(), EsmeCode.ECS27, values)


CONTROL_STATES = {DISABLED: 0, ENABLED: 1, ARMED: 2}
"""Disconnect control 0-0:96.3.10.255 control_state: disconnected, connected,
ready_for_reconnection (the supply 7.2, 7.1, 7.3 set; IEC 62056-6-2 class 70)."""


def ecs45(ask: Ask) -> bytes:
    """7.4 Read Supply Status: the disconnect control state the last 7.1/7.2/7.3 set
    (wan/device_state.py), connected by default."""
    state = CONTROL_STATES[ask.setting(SUPPLY, ENABLED)]
    return esme.read(ask.exchange(), EsmeCode.ECS45, [enum(state)])


def ecs25r(ask: Ask) -> bytes:
    """6.2.10 Read Event and Alert Behaviours: the supplier's four behaviour bit-strings
    (ECS25r1), or the network operator's two (ECS25r2); the emulated ESME has none set."""
    operator = ask.device.network_operator == ask.rid.originator
    code, count = (EsmeCode.ECS25R2, 2) if operator else (EsmeCode.ECS25R1, 4)
    values = [Bits("0" * BEHAVIOUR_BITS) for _ in range(count)]
    return esme.read(ask.exchange(), code, values)


LOGS = {
    "Event": (EsmeCode.ECS35A, EsmeCode.ECS35C, (long_unsigned(0), octet_string(b""))),
    "Security": (EsmeCode.ECS35B, EsmeCode.ECS35D, (long_unsigned(0),)),
    "PowerEvent": (EsmeCode.ECS35E, EsmeCode.ECS35E, (long_unsigned(0), double_long_unsigned(0))),
    "ALCSEvent": (
        EsmeCode.ECS35F,
        EsmeCode.ECS35F,
        (long_unsigned(0), enum(0), double_long_unsigned(0)),
    ),
}
"""6.13 LogToRead -> (ESME use case, CHF use case, the fields after the time stamp)."""


def ecs35(ask: Ask) -> bytes:
    """6.13 Read Event or Security Log: the entries of the period (none recorded)."""
    esme_code, chf_code, fields = LOGS.get(ask.text("LogToRead") or "Event", LOGS["Event"])
    code = chf_code if ask.device.device_type.name == "CHF" else esme_code
    prototype = structure(utc_seconds(EPOCH), *fields)
    return esme.read(ask.exchange(), code, [compact_array([], prototype)])


# -- tariff and prepayment configuration -------------------------------------------------------


def _charge(price: int, commodity_scale: int = 3, price_scale: int = PRICE_SCALE) -> Data:
    """A COSEM Charge unit_charge: (commodity scale, price scale), the commodity reference
    (the active import register, attribute 2), and a one-rate charge table."""
    reference = structure(long_unsigned(3), octet_string(ACTIVE_IMPORT), integer(2))
    table = array([structure(octet_string(b"\x01"), long(price))])
    return structure(structure(integer(commodity_scale), integer(price_scale)), reference, table)


def _no_charge(amount: int) -> Data:
    reference = structure(long_unsigned(0), octet_string(bytes(6)), integer(0))
    table = array([structure(octet_string(b""), long(amount))])
    return structure(structure(integer(0), integer(PRICE_SCALE)), reference, table)


def _calendar() -> list[Data]:
    """Season, week and day profiles of a single rate: one season from 2020-01-01, every
    day profile 1, which switches to rate 1 (script 1) at midnight."""
    season = structure(_text("all"), date_time(EPOCH), octet_string(b"\x01"))
    week = structure(octet_string(b"\x01"), *(unsigned(1) for _ in range(7)))
    switch = structure(octet_string(bytes(4)), octet_string(TARIFF_SCRIPTS), long_unsigned(1))
    day = structure(unsigned(1), array([switch]))
    return [array([season]), array([week]), array([day])]


def ecs24(ask: Ask) -> bytes:
    """4.11.1 Read Tariff Primary Element: the active price and its scale, the switching
    calendar, the special days, the block thresholds of the eight TOU rates, the currency
    (GBP), the standing charge and the price matrix: what the last 1.1.1 / 1.2.1 SET
    (wan/device_state.py), else a single rate, no special days and no thresholds."""
    values = list(_tariff())
    price = ask.setting(TARIFF_ACTIVE_PRICE, None)
    if price is not None:
        values[:2] = [double_long_unsigned(price[0]), scaler_unit(price[1], CURRENCY)]
    for at, name in ((2, TARIFF_CALENDAR), (5, TARIFF_SPECIAL_DAYS), (6, TARIFF_THRESHOLDS)):
        found = ask.setting(name, None)
        for i, text in enumerate([found] if isinstance(found, str) else found or []):
            values[at + i] = Encoded(bytes.fromhex(text))
    for at, name in ((15, TARIFF_STANDING_CHARGE), (16, TARIFF_PRICE_MATRIX)):
        found = ask.setting(name, None)
        if found is not None:
            values[at] = Encoded(bytes.fromhex(found))
    return esme.read(ask.exchange(), EsmeCode.ECS24, values)


@cache
def _tariff() -> tuple[Data, ...]:
    """The same for every emulated ESME (`CONFIGURATION`): built once."""
    values: list[Data] = [double_long_unsigned(C.unit_price), scaler_unit(PRICE_SCALE, CURRENCY)]
    values += [*_calendar(), array([])]
    values += [array([double_long_unsigned(0xFFFFFFFF)] * 3) for _ in range(8)]
    standing = _charge(C.standing_charge, commodity_scale=0, price_scale=STANDING_SCALE)
    values += [boolean(True), standing, _charge(C.unit_price)]
    return tuple(encoded(v) for v in values)


def ecs24b(ask: Ask) -> bytes:
    """4.11.2 Read Tariff Secondary Element: the same for the secondary element (a single
    element meter: its tariff is the primary's)."""
    values: list[Data] = [_charge(C.unit_price), double_long_unsigned(C.unit_price)]
    values += [scaler_unit(PRICE_SCALE, CURRENCY), array([]), *_calendar()]
    return esme.read(ask.exchange(), EsmeCode.ECS24B, values)


def ecs26a(ask: Ask) -> bytes:
    """4.13 Read Prepayment Configuration: debt recovery rates 1 and 2 (none) and their
    periods, no non-disablement special days, the debt recovery per payment, the credit
    thresholds, the emergency credit limit and threshold, no non-disablement calendar, and
    the credit charge configuration (the standing charge from the meter balance)."""
    cap, cap_period = C.debt_recovery_rate_cap
    values: list[Data] = [_no_charge(0), array([]), double_long_unsigned(86400)]
    values += [_no_charge(0), _no_charge(0), double_long_unsigned(86400), _no_charge(0)]
    values += [long_unsigned(0), double_long(C.maximum_credit_threshold)]
    values += [array([double_long(-C.low_credit_threshold)]), double_long(C.maximum_meter_balance)]
    values += [double_long(cap), long_unsigned(0), double_long(cap_period)]
    values += [double_long(C.emergency_credit_limit), double_long(C.low_credit_threshold)]
    meter_balance, standing = bytes.fromhex("0000130a00ff"), bytes.fromhex("0000131404ff")
    credit_charge = structure(octet_string(meter_balance), octet_string(standing), Bits("111"))
    values += [array([]), array([credit_charge])]
    return esme.read(ask.exchange(), EsmeCode.ECS26A, values)


# -- auxiliary load control switches (ALCS) and the boost function ---------------------------


def _descriptions() -> list[Data]:
    return [visible_string(f"ALCS {n}") for n in SWITCHES]


def ecs61a(ask: Ask) -> bytes:
    """7.7 Read Auxiliary Load Control Switch Configuration: descriptions, no HCALCS paired,
    no calendar, every switch on."""
    values = _descriptions() + [octet_string(bytes(8)) for _ in SWITCHES]
    values += [array([]), array([])] + [boolean(True) for _ in SWITCHES]
    return esme.read(ask.exchange(), EsmeCode.ECS61A, values)


def ecs61c(ask: Ask) -> bytes:
    """7.11 Read Boost Button Details: the boost button enabled, no boost in the period,
    every switch associated."""
    prototype = structure(utc_seconds(EPOCH), double_long_unsigned(0))
    values = [boolean(True), compact_array([], prototype)] + [boolean(True) for _ in SWITCHES]
    return esme.read(ask.exchange(), EsmeCode.ECS61C, values)


def ecs61d(ask: Ask) -> bytes:
    """7.14 Read Auxiliary Controller Configuration Data: descriptions, no calendar."""
    values = [*_descriptions(), array([]), array([])]
    return esme.read(ask.exchange(), EsmeCode.ECS61D, values)


def ecs61e(ask: Ask) -> bytes:
    """7.15 Read Auxiliary Controller Operational Data: no controller paired, no state."""
    values: list[Data] = [octet_string(b"") for _ in SWITCHES]
    values += [utf8_string("{}") for _ in SWITCHES]
    return esme.read(ask.exchange(), EsmeCode.ECS61E, values)
