"""ESME Responses to reads of registers and logs, from the emulated meter (wan/esme_state.py).

Each builder gives the data in the order and the A-XDR types of the GBCS use case (the
RTDS 4.5.0 Responses of the same use cases show them; nothing is copied from them). The
sensitive reads (GBCS 10.2.4: ECS17d/e, ECS19, ECS20b/c, ECS21a/b, ECS22b, ECS66) are
encrypted for the User. The emulated meter imports and does not export: its export
registers and logs are zero. It runs a single-rate credit tariff, so its TOU register 1
holds the whole import and the other TOU and block registers stay at zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gbdsp.gbcs import esme
from gbdsp.gbcs.dlms_data import (
    Data,
    NumberRows,
    array,
    compact_array,
    date_time,
    double_long,
    double_long_unsigned,
    scaler_unit,
    seconds,
    structure,
    utc_seconds,
)
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.wan.esme_state import CONFIGURATION, MAX_ENTRIES
from gbdsp.wan.gbcs_ask import Ask
from gbdsp.wan.registers import EPOCH

WH, VARH, WATT, VOLT, COUNT = 30, 32, 27, 35, 255
"""DLMS units (Blue Book 4.3.2): Wh, varh, W, V, and 255 for a count."""
TOU_REGISTERS = 48
BLOCK_REGISTERS = 64
"""The ESME's TOU register matrix (48) and TOU-with-blocks matrix (8 blocks of 8)."""


def _u32(value: int) -> Data:
    return double_long_unsigned(value)


def _registers(values: list[int]) -> Data:
    return array([_u32(v) for v in values])


def _first_of(total: int, size: int) -> list[int]:
    return [total] + [0] * (size - 1)


def ecs17a(ask: Ask) -> bytes:
    """4.2 Read Instantaneous Export Registers: active (Wh) and reactive (varh) export."""
    values = [_u32(0), scaler_unit(0, WH), _u32(0), scaler_unit(0, VARH)]
    return esme.read(ask.exchange(), EsmeCode.ECS17A, values, dated=True)


def ecs17c(ask: Ask) -> bytes:
    """4.16 Read Active Power Import: the import power (W) of the element and the total."""
    power = ask.registers.power(ask.at)
    values = [structure(_u32(power), scaler_unit(0, WATT), _u32(power))]
    return esme.read(ask.exchange(), EsmeCode.ECS17C, values, dated=True)


def ecs17d(ask: Ask) -> bytes:
    """4.1.2 Read Instantaneous Import TOU Matrices (encrypted): the 48 TOU registers (Wh)."""
    total = ask.registers.active_import(ask.at)
    values = [structure(_registers(_first_of(total, TOU_REGISTERS)))]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS17D, values, dated=True)


def ecs17e(ask: Ask) -> bytes:
    """4.1.3 Read Instantaneous Import TOU With Blocks Matrices (encrypted): 64 registers."""
    total = ask.registers.active_import(ask.at)
    values = [structure(_registers(_first_of(total, BLOCK_REGISTERS)))]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS17E, values, dated=True)


def ecs18a(ask: Ask) -> bytes:
    """4.12.2 Read Maximum Demand Export Registers: last reset, maximum (W), when."""
    values = [date_time(EPOCH), _u32(0), scaler_unit(0, WATT), date_time(EPOCH)]
    return esme.read(ask.exchange(), EsmeCode.ECS18A, values, dated=True)


def ecs18b(ask: Ask) -> bytes:
    """4.12.1 Read Maximum Demand Import Registers: the last reset of each register, the
    maximum import power (W) and when, the same over the configurable time period, and
    that period's schedule (none configured)."""
    demand, when = ask.registers.maximum_demand(ask.at), date_time(ask.at)
    values = [date_time(EPOCH), date_time(EPOCH), _u32(demand), scaler_unit(0, WATT), when]
    values += [_u32(demand), scaler_unit(0, WATT), when, array([])]
    return esme.read(ask.exchange(), EsmeCode.ECS18B, values, dated=True)


def _prepayment(ask: Ask) -> list[Data]:
    """The prepayment registers, as ECS19 and the logs carry them: meter balance, emergency
    credit balance, accumulated debt, payment debt, time debts 1 and 2 (credit mode: the
    configured meter balance and no debt)."""
    return [double_long(v) for v in (CONFIGURATION.meter_balance, 0, 0, 0, 0, 0)]


def ecs19(ask: Ask) -> bytes:
    """4.3 Read Instantaneous Prepay Values (encrypted)."""
    values = [structure(*_prepayment(ask))]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS19, values, dated=True)


def _tariff_registers(ask: Ask, at: datetime) -> list[Data]:
    """Active import, then the TOU matrix and the four block rows (single rate: one each)."""
    total = ask.registers.active_import(at)
    return [_u32(total), _registers([total])] + [_registers([0]) for _ in range(4)]


def ecs20b(ask: Ask) -> bytes:
    """4.4.2 Change of Mode / Tariff Triggered Billing Data Log (encrypted): no change of
    mode or tariff was made, so the log is empty."""
    prototype = structure(utc_seconds(EPOCH), *_tariff_registers(ask, EPOCH), *_prepayment(ask))
    values = [compact_array([], prototype)]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS20B, values)


def ecs20c(ask: Ask) -> bytes:
    """4.4.3 Billing Calendar Triggered Billing Data Log (encrypted): the registers and the
    prepayment registers at each monthly billing date in the period."""
    start, end = ask.period()
    dates = ask.registers.month_starts(start, end, ask.at)
    registers = [structure(utc_seconds(t), *_tariff_registers(ask, t)) for t in dates]
    prepayment = [structure(utc_seconds(t), *_prepayment(ask)) for t in dates]
    values = [
        compact_array(registers, structure(utc_seconds(EPOCH), *_tariff_registers(ask, EPOCH))),
        compact_array(prepayment, structure(utc_seconds(EPOCH), *_prepayment(ask))),
    ]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS20C, values)


def _amounts(ask: Ask, code: EsmeCode) -> bytes:
    """A log of (time, amount) entries that the emulated credit-mode meter never writes."""
    values = [compact_array([], structure(utc_seconds(EPOCH), _u32(0)))]
    return esme.read(ask.exchange(), code, values)


def ecs20a(ask: Ask) -> bytes:
    """4.4.4 Billing Data Log Debt Payments: none (no debt)."""
    return _amounts(ask, EsmeCode.ECS20A)


def ecs20d(ask: Ask) -> bytes:
    """4.4.5 Billing Data Log Prepayment Credits: none (credit mode)."""
    return _amounts(ask, EsmeCode.ECS20D)


def ecs21a(ask: Ask) -> bytes:
    """4.6.1 Retrieve Import Daily Read Log (encrypted): the registers at each midnight."""
    start, end = ask.period(default=_days(31))
    rows = [
        structure(utc_seconds(t), *_tariff_registers(ask, t))
        for t in ask.registers.midnights(start, end, ask.at)[-31:]
    ]
    prototype = structure(utc_seconds(EPOCH), *_tariff_registers(ask, EPOCH))
    return esme.protected_read(ask.exchange(), EsmeCode.ECS21A, [compact_array(rows, prototype)])


def ecs21b(ask: Ask) -> bytes:
    """4.14 Read Prepayment Daily Read Log (encrypted): the prepayment registers at each
    midnight."""
    start, end = ask.period(default=_days(31))
    rows = [
        structure(utc_seconds(t), *_prepayment(ask))
        for t in ask.registers.midnights(start, end, ask.at)[-31:]
    ]
    prototype = structure(utc_seconds(EPOCH), *_prepayment(ask))
    return esme.protected_read(ask.exchange(), EsmeCode.ECS21B, [compact_array(rows, prototype)])


def ecs21c(ask: Ask) -> bytes:
    """4.6.2 Retrieve Export Daily Read Log: the export register (0) at each midnight."""
    start, end = ask.period(default=_days(31))
    rows = [structure(utc_seconds(t), _u32(0)) for t in ask.registers.midnights(start, end, ask.at)]
    prototype = structure(utc_seconds(EPOCH), _u32(0))
    return esme.read(ask.exchange(), EsmeCode.ECS21C, [compact_array(rows[-31:], prototype)])


def _log(rows: Sequence[tuple[int, ...]], width: int) -> Data:
    """A compact array of (time stamp, `width` double-long-unsigned values) rows."""
    prototype = structure(utc_seconds(EPOCH), *(_u32(0) for _ in range(width)))
    return NumberRows(prototype, tuple(rows))


def ecs22a(ask: Ask) -> bytes:
    """4.8.3 Read Export Profile Data: active and reactive export per half hour (0)."""
    rows = [(seconds(t), 0, 0) for t, _, _ in _profile(ask, *ask.period())]
    return esme.read(ask.exchange(), EsmeCode.ECS22A, [_log(rows, 2)])


def ecs22b(ask: Ask) -> bytes:
    """4.8.1 Read Active Import Profile Data (encrypted): the Wh imported each half hour."""
    rows = [(seconds(t), wh) for t, wh, _ in _profile(ask, *ask.period())]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS22B, [_log(rows, 1)])


def ecs22c(ask: Ask) -> bytes:
    """4.8.2 Read Reactive Import Profile Data: the varh imported each half hour."""
    rows = [(seconds(t), var) for t, _, var in _profile(ask, *ask.period())]
    return esme.read(ask.exchange(), EsmeCode.ECS22C, [_log(rows, 1)])


def ecs66(ask: Ask) -> bytes:
    """4.17 Retrieve Daily Consumption Log (encrypted): the Wh imported each day."""
    start, end = ask.period(default=_days(31))
    days = ask.registers.midnights(start, end, ask.at)[-MAX_ENTRIES:]
    registers = ask.registers.registers([d - _days(1) for d in days[:1]] + days)
    rows = [
        (seconds(t), now - before)
        for t, before, now in zip(days, registers, registers[1:], strict=False)
    ]
    return esme.protected_read(ask.exchange(), EsmeCode.ECS66, [_log(rows, 1)])


def ecs82(ask: Ask) -> bytes:
    """4.18 Read Meter Balance (1/100000 of the currency unit)."""
    return esme.read(ask.exchange(), EsmeCode.ECS82, [double_long(CONFIGURATION.meter_balance)])


def ecs23(ask: Ask) -> bytes:
    """4.10 Read Network Data, single phase: the sag and swell counts (none), the average
    RMS voltage profile (V, each measuring period of the log period) and that period (s).
    The emulated supply holds 230 V."""
    start, end = ask.period()
    period = CONFIGURATION.average_rms_period
    times = [t for t, _, _ in _profile(ask, start, end)]
    rows = [structure(utc_seconds(t), _u32(230)) for t in times]
    prototype = structure(utc_seconds(EPOCH), _u32(0))
    values = [_u32(0), scaler_unit(0, COUNT), _u32(0), scaler_unit(0, COUNT)]
    values += [compact_array(rows, prototype), _u32(period)]
    return esme.read(ask.exchange(), EsmeCode.ECS23, values)


def _profile(ask: Ask, start: datetime, end: datetime) -> list[tuple[datetime, int, int]]:
    return ask.registers.half_hours(start, end, ask.at)


def _days(n: int) -> timedelta:
    return timedelta(days=n)
