"""The critical GSME Commands of the payment mode, debt and gas flow use cases: the ZSE
commands of their GBZ payloads, and the unsigned pre-command (docs/gbcs.md "Critical
commands"). The request values come from wan/gsme_critical.py.

| SRV | use case | GBZ components |
|---|---|---|
| 1.6 Update Payment Mode, Credit / Prepayment | GCS02 / GCS03 | Prepayment Change Payment Mode |
| 2.3 Update Debt | GCS04 | three Prepayment Change Debt: time debts 1, 2, payment debt |
| 6.7 Gas Flow | GCS24 / GCS24a | Metering Set Uncontrolled Flow Threshold, Set Supply Status |

The layouts (field order, enumerations, units, sequence numbers) are those of the RTDS 4.5.0
pre-commands of these use cases (facts, no vector copied); for the RTDS inputs the APDUs are
byte-identical to the RTDS ones (tests/gbcs/test_gsme_critical.py). The device's Response is
the generic one of gbcs/commands.py (a ZCL Default Response per component; the Change
Payment Mode Response to GCS02/GCS03).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import gbz
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.frames import GroupingHeader, general_signing

PREPAYMENT_CLUSTER = 0x0705
CLIENT_TO_SERVER = 0x01
"""ZCL frame control: cluster-specific command, client to server."""
CHANGE_PAYMENT_MODE = 0x06
CHANGE_DEBT = 0x02
SET_UNCONTROLLED_FLOW_THRESHOLD = 0x0E
SET_SUPPLY_STATUS = 0x0D
CREDIT_MODE = 0x0C94
"""Payment Control Configuration of credit mode (RTDS GCS02)."""
PREPAYMENT_MODE = 0x0097
SUSPEND_DEBT_DISABLED_ON = 0x0400
SUSPEND_DEBT_EMERGENCY_OFF = 0x0800
"""Prepayment mode: 0x0097, debt suspended while disabled (bit 10 set) and not suspended in
emergency credit (bit 11 set), as the RTDS GCS03 commands and gbcs-parser name them."""
NO_CUT_OFF = -1
"""The Cut Off Value of credit mode (RTDS GCS02)."""
NOW = 0
CANCEL = 0xFFFFFFFF
CANCELLATION = datetime(3000, 12, 31, tzinfo=UTC)
"""DUIS's ExecutionDateTime of a cancellation of a future-dated command."""
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
UNCHANGED = 0x03
"""Set Supply Status: leave the state as it is (the RTDS GCS24 value of Unchanged)."""
CUBIC_METRES = 0x01
"""ZSE Unit of Measure of the uncontrolled flow threshold: m3 (the RTDS value)."""


class GsmeCriticalCode(IntEnum):
    """The message codes of the critical GSME use cases of this module (GBCS titles)."""

    GCS02 = 0x006C
    """GCS02 Set GSME Payment Mode to Credit — SRV 1.6."""
    GCS03 = 0x006D
    """GCS03 Set GSME Payment Mode to Prepayment — SRV 1.6."""
    GCS04 = 0x006E
    """GCS04 Manage Debt on the GSME — SRV 2.3."""
    GCS24 = 0x007D
    """GCS24 Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME — SRV 6.7."""
    GCS24A = 0x00FC
    """GCS24a, the same with a decimal flow rate (divisor 10000) — SRV 6.7."""


DATED_RESPONSES = frozenset({GsmeCriticalCode.GCS02, GsmeCriticalCode.GCS03})
"""Responses whose grouping header carries the device's date-time (the RTDS ones do)."""


@dataclass(frozen=True, slots=True)
class Debt:
    """One ZSE Change Debt: the amount added (1/100000 GBP), how it is recovered."""

    amount: int
    payment_based: bool
    register: int
    """1 or 2 for the time debts, 0 for the payment debt."""
    frequency: int = 1
    """ZSE Debt Recovery Frequency: 0 hourly, 1 daily."""
    recovery_amount: int = 0
    """Time debt: the amount recovered each period."""
    percentage: int = 0
    """Payment debt: the recovery per payment, in 1/100 %."""


def pre_command(
    code: GsmeCriticalCode, user: bytes, device: bytes, counter: int, components: list[bytes]
) -> bytes:
    """The unsigned General-Signing APDU (no signature block at all; the User appends 40 ||
    its signature)."""
    header = GroupingHeader(Cra.COMMAND, counter, user, device, code)
    return general_signing(header, gbz.payload(components))[:-1]


def component(cluster: int, sequence: int, command: int, body: bytes, *, last: bool) -> bytes:
    zcl = bytes([CLIENT_TO_SERVER, sequence, command]) + body
    control = gbz.CONTROL_LAST if last else 0
    return bytes([control]) + uint(cluster, 2) + uint(len(zcl), 2) + zcl


def utc_time(at: datetime) -> int:
    """ZigBee UTCTime: seconds since 2000-01-01."""
    seconds = int((at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds < 1 << 32:
        raise InvalidValue("the time does not fit a ZigBee UTCTime")
    return seconds


def implementation(execution: datetime | None) -> int:
    """When a future-dated command takes effect: 0 (now), its time, or FFFFFFFF (cancel)."""
    if execution is None:
        return NOW
    return CANCEL if execution >= CANCELLATION else utc_time(execution)


def change_payment_mode(
    event: datetime,
    execution: datetime | None,
    prepayment: tuple[bool, bool, int] | None,
) -> bytes:
    """GCS02 (prepayment None) or GCS03 (suspend debt disabled, suspend debt emergency,
    disablement threshold)."""
    if prepayment is None:
        configuration, cut_off = CREDIT_MODE, NO_CUT_OFF
    else:
        disabled, emergency, cut_off = prepayment
        configuration = (
            PREPAYMENT_MODE
            | (SUSPEND_DEBT_DISABLED_ON if disabled else 0)
            | (0 if emergency else SUSPEND_DEBT_EMERGENCY_OFF)
        )
    body = (
        uint(0, 4)  # provider ID
        + _le(utc_time(event))
        + _le(implementation(execution))
        + uint(configuration, 2, "little")
        + _int32(cut_off)
    )
    return component(PREPAYMENT_CLUSTER, 0, CHANGE_PAYMENT_MODE, body, last=True)


def change_debts(event: datetime, debts: list[Debt]) -> list[bytes]:
    """GCS04: one incremental Change Debt per debt register (amount types 1, 3, 5)."""
    parts = []
    for i, d in enumerate(debts):
        if d.amount < 0 or d.recovery_amount < 0 or not 0 <= d.percentage <= 0xFFFF:
            raise InvalidValue("a negative debt or recovery is not encoded")
        amount_type = 5 if d.payment_based else 2 * d.register - 1
        body = (
            _le(utc_time(event))
            + b"\x00"  # debt label: empty octet string
            + _le(d.amount)
            + bytes([int(d.payment_based), amount_type])
            + uint(0, 4)  # recovery start time: now
            + uint(0, 2)  # collection time
            + bytes([d.frequency])
            + _le(d.recovery_amount)
            + uint(d.percentage, 2, "little")
        )
        parts.append(component(PREPAYMENT_CLUSTER, i, CHANGE_DEBT, body, last=i == len(debts) - 1))
    return parts


def gas_flow(
    event: datetime, rate: int, divisor: int, stabilisation: int, measurement: int
) -> list[bytes]:
    """GCS24/GCS24a: the uncontrolled flow threshold (rate / divisor), and the supply tamper
    and depletion states left unchanged."""
    if not 0 <= rate <= 0xFFFF or not 0 < stabilisation <= 0xFF or not 0 < measurement <= 0xFFFF:
        raise InvalidValue("a gas flow value out of range")
    threshold = (
        uint(0, 4)
        + _le(utc_time(event))
        + uint(rate, 2, "little")
        + bytes([CUBIC_METRES])
        + uint(1, 2, "little")  # multiplier
        + uint(divisor, 2, "little")
        + bytes([stabilisation])
        + uint(measurement, 2, "little")
    )
    status = _le(utc_time(event)) + bytes([UNCHANGED, UNCHANGED, 0x00, UNCHANGED])
    return [
        component(gbz.METERING_CLUSTER, 0, SET_UNCONTROLLED_FLOW_THRESHOLD, threshold, last=False),
        component(gbz.METERING_CLUSTER, 1, SET_SUPPLY_STATUS, status, last=True),
    ]


def _le(value: int) -> bytes:
    if not 0 <= value < 1 << 32:
        raise InvalidValue(f"{value} does not fit a ZCL uint32")
    return uint(value, 4, "little")


def _int32(value: int) -> bytes:
    if not -(1 << 31) <= value < 1 << 31:
        raise InvalidValue(f"{value} does not fit a ZCL int32")
    return value.to_bytes(4, "little", signed=True)
