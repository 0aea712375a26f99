"""What an emulated GSME (and the GPF holding its data) knows, beyond its consumption register
(wan/registers.py): deterministic under the WAN seed and the Device ID, and consistent with
the register where a value follows from it.

- **Registers.** The four TOU tiers and the four block counters split the consumption
  register (halves: 1/2, 1/4, 1/8 and the rest), so each set sums to it. The split is ours.
- **Money.** Amounts are in 1/100000 GBP (price trailing digits 5, as RTDS). The meter
  balance, emergency credit and debts are drawn once per meter. The bill to date is the
  consumption since the start of the month at a drawn unit price of 200 to 455 (1/100000 GBP)
  a litre.
- **Logs.** Profile (half-hourly), network (six-minute) and daily consumption samples are
  the register's differences over each interval, from 2020-01-01 (when the readings start)
  to the time of the request: a range before that or in the future holds no samples. The
  daily read log has a snapshot each midnight (UTC) and the billing data log one at each
  month's start (the billing calendar). gbdsp keeps no top-ups, debt collections, tariff or
  payment-mode changes, so those logs are empty.
- **Configuration.** These are the defaults. What a set command the GSME executed changed
  (the valve, 7.2 / 7.3; the prices, 1.1.1 / 1.2.1) overrides them per device
  (wan/device_state.py); gbdsp keeps no payment-mode, alert-behaviour or
  gas-configuration state. The tariff is single-rate (every TOU tier at the meter's price, no
  blocks) with a drawn standing charge, and there is no friendly credit. Every configurable
  event is logged and sent to the WAN, the valve is on, and the supply tamper and depletion
  states are 0. The calorific value and conversion factor are the usual 39.5 MJ/m3 and
  1.02264, the billing calendar is monthly from 2020-01-01, and one meter in four is in
  prepayment mode. Any other SRV that sets these (6.6, 6.7, 6.8, 6.22, 1.6, 2.1) is
  acknowledged but not remembered (docs/gbcs.md "Device state").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId
from gbdsp.gbcs.gsme import (
    LOG_EVENT,
    SUPPLIER_EVENTS,
    WAN_ALERT,
    BillingPeriod,
    GasConfiguration,
    PrepaymentRegisters,
    ValveStatus,
)
from gbdsp.gbcs.gsme_logs import PrepaySnapshot, RegisterSnapshot, Samples
from gbdsp.gbcs.gsme_tariff import Calendar, PrepaymentConfiguration, Tariff
from gbdsp.wan.device_state import ARMED, DISABLED, ENABLED
from gbdsp.wan.registers import EPOCH, gas_register

MONTHS = 0x23
"""ZSE billing period duration type: months (as the GCS25 commands set it)."""
CREDIT_MODE = 0x0C95
PREPAYMENT_MODE = 0x0C97
"""ZSE Payment Control Configuration: the RTDS GCS21j value has Prepayment Enabled (bit 1);
credit mode clears it (our inference from the ZSE bit names)."""
BATTERY_DAYS = 15 * 365
"""A new GSME battery's life (GBCS: at least 15 years), counted down from 2020-01-01."""


def _draw(seed: int, device_id: DeviceId, purpose: bytes) -> bytes:
    return hmac.new(
        str(seed).encode(), purpose + b":" + device_id.hex.encode(), hashlib.sha256
    ).digest()


def split(total: int) -> tuple[int, int, int, int]:
    """Four registers summing to `total`: 1/2, 1/4, 1/8 and the rest."""
    first, second, third = total // 2, total // 4, total // 8
    return first, second, third, total - first - second - third


def tiers(seed: int, device_id: DeviceId, at: datetime) -> tuple[int, int, int, int]:
    return split(gas_register(seed, device_id, at).litres)


def blocks(seed: int, device_id: DeviceId, at: datetime) -> tuple[int, int, int, int]:
    return split(gas_register(seed, device_id, at).litres)


def prepayment(seed: int, device_id: DeviceId) -> PrepaymentRegisters:
    d = _draw(seed, device_id, b"gas-prepayment")
    return PrepaymentRegisters(
        credit=int.from_bytes(d[:3], "big") * 20,  # up to about GBP 3,355
        emergency_credit=(d[3] % 2) * 500_000,  # none or GBP 5
        accumulated_debt=int.from_bytes(d[4:6], "big") * 10,
        time_debt_1=int.from_bytes(d[6:8], "big") * 10,
        time_debt_2=int.from_bytes(d[8:10], "big") * 10,
        payment_debt=int.from_bytes(d[10:12], "big") * 10,
    )


def unit_price(seed: int, device_id: DeviceId) -> int:
    """The price of a litre in 1/100000 GBP."""
    return 200 + _draw(seed, device_id, b"gas-price")[0]


def bill_to_date(seed: int, device_id: DeviceId, at: datetime) -> int:
    """The consumption since the start of the month at the meter's unit price."""
    month = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = gas_register(seed, device_id, at).litres - gas_register(seed, device_id, month).litres
    return (max(0, used) * unit_price(seed, device_id)) % 2**32


def payment_control(seed: int, device_id: DeviceId) -> int:
    return PREPAYMENT_MODE if _draw(seed, device_id, b"gas-mode")[0] < 64 else CREDIT_MODE


SUPPLY_STATUS = {DISABLED: 0, ARMED: 1, ENABLED: 2}
"""ZSE Supply Status of the valve the last 7.2 / 7.3 set (wan/device_state.py): off, armed,
on (a GSME's supply is not enabled remotely: 7.1 is not sent to it)."""


def valve(at: datetime, supply: str = ENABLED) -> ValveStatus:
    """The battery's remaining life and the valve's state (`supply`: wan/device_state.py)."""
    days = max(0, BATTERY_DAYS - (at - EPOCH).days)
    return ValveStatus(battery_days=days, supply=SUPPLY_STATUS[supply])


def billing_period(start: datetime = EPOCH, months: int = 1) -> BillingPeriod:
    """The calendar the last 6.8 set (wan/device_state.py), else monthly from the epoch. Its
    issuer event is reported as the start: gbdsp keeps no time of the command."""
    return BillingPeriod(issued_at=start, start=start, duration=months, duration_type=MONTHS)


def event_configuration() -> dict[int, int]:
    """Every configurable event logged and sent to the WAN (6.22 is not remembered)."""
    return {event: LOG_EVENT | WAN_ALERT for event in SUPPLIER_EVENTS}


KWH_PER_CUBIC_METRE = 11.22
"""39.5 MJ/m3 x 1.02264 / 3.6 MJ/kWh: the energy of a cubic metre at the default values."""


def _calendar(kind_value: int) -> Calendar:
    """One day profile (from 00:00: `kind_value`), every day of the week, all year."""
    return Calendar(EPOCH, 1, [[(0, kind_value)]], [[1] * 7], [(EPOCH, 1)])


def tariff(seed: int, device_id: DeviceId) -> Tariff:
    """Single rate: the meter's price per litre, as a price per kWh, on every tier."""
    per_kwh = int(unit_price(seed, device_id) * 1000 / KWH_PER_CUBIC_METRE)
    standing = 20_000 + 100 * _draw(seed, device_id, b"gas-standing")[0]  # 20p to 45.5p a day
    return Tariff(
        thresholds=[0, 0, 0],
        block_prices=[0, 0, 0, 0],
        tier_prices=[per_kwh] * 4,
        standing_charge=standing,
        calendar=_calendar(1),
    )


def prepayment_configuration() -> PrepaymentConfiguration:
    """GBP amounts a supplier typically sets; no friendly credit period."""
    return PrepaymentConfiguration(
        debt_recovery_top_up_percentage=1000,  # 10 %
        overall_debt_cap=100_000_000,  # GBP 1,000
        debt_recovery_frequency=(1, 1),  # daily
        cut_off_value=0,
        emergency_credit_limit=1_000_000,  # GBP 10
        emergency_credit_threshold=500_000,
        low_credit_warning=500_000,
        max_credit_limit=25_000_000,
        max_credit_per_top_up=10_000_000,
        debt_recovery_amount=(50_000, 50_000),  # 50p a day
        friendly_credit=_calendar(0),
    )


def gas_configuration() -> GasConfiguration:
    return GasConfiguration(
        calorific_value=395,
        conversion_factor=102_264,
        flow_threshold=6,
        stabilisation_seconds=10,
        measurement_seconds=3600,
    )


MAX_SAMPLES = 20_000
"""Samples in one Response: 60 KB of GBZ, under the 64 KB a frame without GBT segmentation
can carry (a longer range gets the stand-in)."""


def samples(
    seed: int, device_id: DeviceId, start: datetime, end: datetime, at: datetime, step: int
) -> Samples:
    """The consumption in each `step`-second interval from the first boundary at or after
    `start` up to `end`, for the intervals that ended by `at` and began at or after EPOCH."""
    first = max(_boundary(start, step), _boundary(EPOCH, step))
    stop = min(end, at - timedelta(seconds=step))
    values: list[int] = []
    t = first
    previous = gas_register(seed, device_id, t).litres
    while t <= stop:
        if len(values) >= MAX_SAMPLES:
            raise InvalidValue(f"more than {MAX_SAMPLES} samples asked")
        t += timedelta(seconds=step)
        now = gas_register(seed, device_id, t).litres
        values.append((now - previous) % 2**24)
        previous = now
    return Samples(first, step, values)


def daily_samples(
    seed: int, device_id: DeviceId, start: datetime, end: datetime, at: datetime
) -> Samples:
    """The consumption of each day (UTC) from `start`'s to `end`'s that ended by `at`."""
    found = samples(seed, device_id, _midnight(start), end, at, DAY)
    return Samples(found.start, 0xFFFF, found.values)


DAY = 86_400


def _boundary(t: datetime, step: int) -> datetime:
    """The first multiple of `step` seconds since EPOCH at or after `t`."""
    seconds = (t - EPOCH).total_seconds()
    return EPOCH + timedelta(seconds=-(-seconds // step) * step)


def _midnight(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def _days(start: datetime, end: datetime, at: datetime) -> Iterator[datetime]:
    day = max(_boundary(start, DAY), EPOCH)
    while day <= min(end, at):
        yield day
        day += timedelta(days=1)


def _months(start: datetime, end: datetime, at: datetime) -> Iterator[datetime]:
    month = max(start, EPOCH)
    if month != _midnight(month) or month.day != 1:
        month = _next_month(_midnight(month).replace(day=1))
    while month <= min(end, at):
        yield month
        month = _next_month(month)


def _next_month(t: datetime) -> datetime:
    return t.replace(year=t.year + t.month // 12, month=t.month % 12 + 1)


def register_snapshot(seed: int, device_id: DeviceId, at: datetime) -> RegisterSnapshot:
    total = gas_register(seed, device_id, at).litres
    return RegisterSnapshot((at - EPOCH).days, at, total, split(total), split(total))


def prepay_snapshot(seed: int, device_id: DeviceId, at: datetime) -> PrepaySnapshot:
    p = prepayment(seed, device_id)
    return PrepaySnapshot(
        (at - EPOCH).days,
        at,
        p.accumulated_debt,
        p.time_debt_1,
        p.time_debt_2,
        p.payment_debt,
        p.emergency_credit,
        p.credit,
    )


def daily_reads(start: datetime, end: datetime, at: datetime, keep: int) -> list[datetime]:
    """The last `keep` midnights of the daily read log in the range, oldest first."""
    return list(_days(start, end, at))[-keep:]


def billing_dates(start: datetime, end: datetime, at: datetime, keep: int) -> list[datetime]:
    """The last `keep` ends of monthly billing periods in the range, oldest first."""
    return list(_months(start, end, at))[-keep:]
