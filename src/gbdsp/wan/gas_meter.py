"""What an emulated GSME (and the GPF holding its data) knows, beyond its consumption register
(wan/registers.py): deterministic under the WAN seed and the Device ID, and consistent with
the register where a value follows from it.

- **Registers.** The four TOU tiers and the four block counters split the consumption
  register (halves: 1/2, 1/4, 1/8 and the rest), so each set sums to it. The split is ours.
- **Money.** Amounts are in 1/100000 GBP (price trailing digits 5, as RTDS). The meter
  balance, emergency credit and debts are drawn once per meter. The bill to date is the
  consumption since the start of the month at a drawn unit price of 200 to 455 (1/100000 GBP)
  a litre.
- **Configuration.** gbdsp keeps no supply, payment-mode, tariff or gas-configuration state:
  the valve is on, the supply tamper and depletion states are 0, the calorific value and
  conversion factor are the usual 39.5 MJ/m3 and 1.02264, the billing calendar is monthly
  from 2020-01-01, and one meter in four is in prepayment mode. An SRV that sets these
  (6.6, 6.7, 6.8, 1.6, 7.x) is acknowledged but not remembered (docs/gbcs.md).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from gbdsp.domain.ids import DeviceId
from gbdsp.gbcs.gsme import BillingPeriod, GasConfiguration, PrepaymentRegisters, ValveStatus
from gbdsp.wan.registers import EPOCH, gas_register

SUPPLY_ON = 2
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


def valve(at: datetime) -> ValveStatus:
    days = max(0, BATTERY_DAYS - (at - EPOCH).days)
    return ValveStatus(battery_days=days, supply=SUPPLY_ON)


def billing_period() -> BillingPeriod:
    return BillingPeriod(issued_at=EPOCH, start=EPOCH, duration=1, duration_type=MONTHS)


def gas_configuration() -> GasConfiguration:
    return GasConfiguration(
        calorific_value=395,
        conversion_factor=102_264,
        flow_threshold=6,
        stabilisation_seconds=10,
        measurement_seconds=3600,
    )
