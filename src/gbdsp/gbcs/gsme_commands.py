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
CANCEL_CALENDAR = 0xFFFFFFFE
"""The start time of a cancellation in the Calendar cluster's commands and the Publish Block
Thresholds and Price Matrix (the Tariff Information and Prepayment ones have FFFFFFFF): as
the RTDS GCS01a, GCS01b and GCS05 cancellations have it."""
FROM_DATE_TIME = 0x10
"""GBZ component control: an extended header with a From Date Time follows."""
SERVER_TO_CLIENT = 0x09
"""ZCL frame control of the Price and Calendar cluster commands: cluster-specific, server to
client, default response disabled."""
PRICE_CLUSTER = 0x0700
CALENDAR_CLUSTER = 0x0707
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
    GCS01A = 0x006B
    """GCS01a Set Tariff and Price on GSME — SRV 1.1.1."""
    GCS01B = 0x00A3
    """GCS01b Set Price on GSME — SRV 1.2.1."""
    GCS05 = 0x006F
    """GCS05 Update Prepayment Configurations on GSME — SRV 2.1."""

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    GsmeCriticalCode.GCS01A: "GCS01a Set Tariff and Price on GSME",
    GsmeCriticalCode.GCS01B: "GCS01b Set Price on GSME",
    GsmeCriticalCode.GCS02: "GCS02 Set GSME Payment Mode to Credit",
    GsmeCriticalCode.GCS03: "GCS03 Set GSME Payment Mode to Prepayment",
    GsmeCriticalCode.GCS04: "GCS04 Manage Debt on the GSME",
    GsmeCriticalCode.GCS05: "GCS05 Update Prepayment Configurations on GSME",
    GsmeCriticalCode.GCS24: "GCS24 Set Uncontrolled Gas Flow Rate and Supply Tamper State",
    GsmeCriticalCode.GCS24A: "GCS24a Set Uncontrolled Gas Flow Rate and Supply Tamper State",
}


DATED_RESPONSES = frozenset(
    {
        GsmeCriticalCode.GCS01A,
        GsmeCriticalCode.GCS01B,
        GsmeCriticalCode.GCS02,
        GsmeCriticalCode.GCS03,
        GsmeCriticalCode.GCS05,
    }
)
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


@dataclass(frozen=True, slots=True)
class Zcl:
    """One ZSE command of a GBZ payload, before its sequence number is given."""

    cluster: int
    command: int
    body: bytes
    frame: int = CLIENT_TO_SERVER
    from_time: int | None = None
    """The GBZ extended header's From Date Time (big-endian), if the component has one."""


def pre_command(
    code: GsmeCriticalCode, user: bytes, device: bytes, counter: int, commands: list[Zcl]
) -> bytes:
    """The unsigned General-Signing APDU (no signature block at all; the User appends 40 ||
    its signature); the ZCL sequence numbers count the components from 0."""
    header = GroupingHeader(Cra.COMMAND, counter, user, device, code)
    return general_signing(header, gbz.payload(assemble(commands)))[:-1]


def assemble(commands: list[Zcl]) -> list[bytes]:
    parts = []
    for i, c in enumerate(commands):
        control = gbz.CONTROL_LAST if i == len(commands) - 1 else 0
        extended = b""
        if c.from_time is not None:
            control |= FROM_DATE_TIME
            extended = uint(c.from_time, 4)
        zcl = extended + bytes([c.frame, i & 0xFF, c.command]) + c.body
        parts.append(bytes([control]) + uint(c.cluster, 2) + uint(len(zcl), 2) + zcl)
    return parts


def utc_time(at: datetime) -> int:
    """ZigBee UTCTime: seconds since 2000-01-01."""
    seconds = int((at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds < 1 << 32:
        raise InvalidValue("the time does not fit a ZigBee UTCTime")
    return seconds


def implementation(execution: datetime | None, cancel: int = CANCEL) -> int:
    """When a future-dated command takes effect: 0 (now), its time, or `cancel`."""
    if execution is None:
        return NOW
    return cancel if execution >= CANCELLATION else utc_time(execution)


def change_payment_mode(
    event: datetime,
    execution: datetime | None,
    prepayment: tuple[bool, bool, int] | None,
) -> Zcl:
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
    return Zcl(PREPAYMENT_CLUSTER, CHANGE_PAYMENT_MODE, body)


def change_debts(event: datetime, debts: list[Debt]) -> list[Zcl]:
    """GCS04: one incremental Change Debt per debt register (amount types 1, 3, 5)."""
    parts = []
    for d in debts:
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
        parts.append(Zcl(PREPAYMENT_CLUSTER, CHANGE_DEBT, body))
    return parts


def gas_flow(
    event: datetime, rate: int, divisor: int, stabilisation: int, measurement: int
) -> list[Zcl]:
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
        Zcl(gbz.METERING_CLUSTER, SET_UNCONTROLLED_FLOW_THRESHOLD, threshold),
        Zcl(gbz.METERING_CLUSTER, SET_SUPPLY_STATUS, status),
    ]


def _le(value: int) -> bytes:
    if not 0 <= value < 1 << 32:
        raise InvalidValue(f"{value} does not fit a ZCL uint32")
    return uint(value, 4, "little")


def _int32(value: int) -> bytes:
    if not -(1 << 31) <= value < 1 << 31:
        raise InvalidValue(f"{value} does not fit a ZCL int32")
    return value.to_bytes(4, "little", signed=True)


# -- calendars (GCS01a: the TOU/block switching table; GCS05: the friendly credit calendar) --

DELIVERED_CALENDAR = 0x00
FRIENDLY_CREDIT_CALENDAR = 0x03
PUBLISH_CALENDAR, PUBLISH_DAY_PROFILE, PUBLISH_WEEK_PROFILE = 0x00, 0x01, 0x02
PUBLISH_SEASONS, PUBLISH_SPECIAL_DAYS = 0x03, 0x04


@dataclass(frozen=True, slots=True)
class GasCalendar:
    """A ZSE calendar: day profiles (ID, [(minute of the day, tier or friendly credit
    flag)]), week profiles (ID, the day IDs Monday to Sunday), seasons and special days
    (ZCL date: year - 1900, month, day of month, day of week, 0xFF wildcards; and the week
    or day ID)."""

    kind: int
    days: list[tuple[int, list[tuple[int, int]]]]
    weeks: list[tuple[int, list[int]]]
    seasons: list[tuple[bytes, int]]
    special_days: list[tuple[bytes, int]]


def calendar(c: GasCalendar, event: datetime, execution: datetime | None) -> list[Zcl]:
    """Publish Calendar, a Day Profile per day, a Week Profile per week, Publish Seasons and
    Publish Special Days; the Issuer Calendar ID is the Issuer Event ID (as RTDS has it)."""
    if not (c.days and c.weeks and c.seasons) or len(c.special_days) > 50:
        raise InvalidValue("a calendar needs days, weeks and seasons (and at most 50 special days)")
    issued = _le(utc_time(event))
    head = uint(0, 4) + issued + issued  # provider, issuer event, issuer calendar
    start = _le(implementation(execution, CANCEL_CALENDAR))
    parts = [
        _calendar_zcl(
            PUBLISH_CALENDAR,
            head + start + bytes([c.kind, 0x00, 0x00, len(c.seasons), len(c.weeks), len(c.days)]),
        )
    ]
    for day_id, entries in c.days:
        if not entries or any(not 0 <= m < 1440 for m, _ in entries):
            raise InvalidValue("a day profile needs its switching times within the day")
        body = head + bytes([day_id, len(entries), 0x00, 0x01, c.kind])
        body += b"".join(uint(minute, 2, "little") + bytes([value]) for minute, value in entries)
        parts.append(_calendar_zcl(PUBLISH_DAY_PROFILE, body))
    for week_id, day_ids in c.weeks:
        if len(day_ids) != 7:
            raise InvalidValue("a week profile needs its seven days")
        parts.append(_calendar_zcl(PUBLISH_WEEK_PROFILE, head + bytes([week_id, *day_ids])))
    seasons = b"".join(date + bytes([week]) for date, week in c.seasons)
    parts.append(_calendar_zcl(PUBLISH_SEASONS, head + b"\x00\x01" + seasons))
    special = b"".join(date + bytes([day]) for date, day in c.special_days)
    parts.append(
        _calendar_zcl(
            PUBLISH_SPECIAL_DAYS,
            head + start + bytes([c.kind, len(c.special_days), 0x00, 0x01]) + special,
        )
    )
    return parts


def _calendar_zcl(command: int, body: bytes) -> Zcl:
    return Zcl(CALENDAR_CLUSTER, command, body, SERVER_TO_CLIENT)


# -- tariffs and prices (GCS01a, GCS01b) -------------------------------------------------------

PUBLISH_TARIFF_INFORMATION, PUBLISH_PRICE_MATRIX, PUBLISH_BLOCK_THRESHOLDS = 0x04, 0x05, 0x06
TOU_TARIFF, BLOCK_TARIFF = 0x00, 0x10
ISSUER_TARIFF_ID = 1
"""Our choice, as RTDS: every tariff the DSP sets is tariff 1."""
CURRENCIES = {"GBP": 826, "ECB": 978}
"""DUIS CurrencyUnits as ISO 4217 numbers (ECB: the euro, as the RTDS GCS01b has it)."""
PRICE_TRAILING_DIGIT = 0x50
"""Prices in 1/100000 of the currency unit (trailing digit 5)."""
THRESHOLD_DIVISOR = 1000
"""Block thresholds in Wh (kWh, divisor 1000: the RTDS value)."""


@dataclass(frozen=True, slots=True)
class GasPrices:
    """The price elements: TOU prices (tier 1-4) or block prices (block 1-4)."""

    currency: str
    standing_charge: int
    prices: list[int]
    block: bool
    thresholds_in_use: int
    """The Number of Block Thresholds in Use (0 for a TOU tariff)."""


def prices(p: GasPrices, event: datetime, execution: datetime | None) -> list[Zcl]:
    """Publish Tariff Information and Publish Price Matrix."""
    currency = CURRENCIES.get(p.currency)
    if currency is None or not 1 <= len(p.prices) <= 4 or not 0 <= p.thresholds_in_use <= 3:
        raise InvalidValue("a GSME price needs a DUIS currency and 1 to 4 prices")
    issued, tariff = _le(utc_time(event)), _le(ISSUER_TARIFF_ID)
    info = (
        uint(0, 4)
        + issued
        + tariff
        + _le(implementation(execution))
        + bytes([BLOCK_TARIFF if p.block else TOU_TARIFF, 0x00])  # type, empty label
        + bytes([0 if p.block else len(p.prices), p.thresholds_in_use, 0x00])  # unit: kWh
        + uint(currency, 2, "little")
        + bytes([PRICE_TRAILING_DIGIT])
        + _le(p.standing_charge)
        + b"\xff"  # tier block mode: not used
        + uint(1, 3, "little")
        + uint(THRESHOLD_DIVISOR, 3, "little")
    )
    matrix = uint(0, 4) + issued + _le(implementation(execution, CANCEL_CALENDAR)) + tariff
    matrix += bytes([0x00, 0x01, 0x00 if p.block else 0x01])  # index, commands, block or TOU
    matrix += b"".join(
        bytes([i if p.block else i + 1]) + _le(price) for i, price in enumerate(p.prices)
    )
    return [
        Zcl(PRICE_CLUSTER, PUBLISH_TARIFF_INFORMATION, info, SERVER_TO_CLIENT),
        Zcl(PRICE_CLUSTER, PUBLISH_PRICE_MATRIX, matrix, SERVER_TO_CLIENT),
    ]


def block_thresholds(thresholds: list[int], event: datetime, execution: datetime | None) -> Zcl:
    """Publish Block Thresholds: the same thresholds for every tier (in Wh, 48 bits)."""
    if not 1 <= len(thresholds) <= 3 or any(not 0 <= t < 1 << 48 for t in thresholds):
        raise InvalidValue("a block tariff needs 1 to 3 thresholds of 48 bits")
    body = uint(0, 4) + _le(utc_time(event)) + _le(implementation(execution, CANCEL_CALENDAR))
    body += _le(ISSUER_TARIFF_ID) + bytes([0x00, 0x01, 0x01, len(thresholds)])
    body += b"".join(uint(t, 6, "little") for t in thresholds)
    return Zcl(PRICE_CLUSTER, PUBLISH_BLOCK_THRESHOLDS, body, SERVER_TO_CLIENT)


# -- prepayment configuration (GCS05) ----------------------------------------------------------

EMERGENCY_CREDIT_SETUP, SET_LOW_CREDIT_WARNING_LEVEL = 0x03, 0x09
SET_MAXIMUM_CREDIT_LIMIT, SET_OVERALL_DEBT_CAP = 0x0B, 0x0C


@dataclass(frozen=True, slots=True)
class PrepaymentSettings:
    """The values of SRV 2.1 on a GSME, in 1/100000 GBP."""

    emergency_credit_limit: int
    emergency_credit_threshold: int
    debt_cap: int
    low_credit: int
    max_meter_balance: int
    max_credit_per_top_up: int


def prepayment_configuration(
    s: PrepaymentSettings, friendly: GasCalendar, event: datetime, execution: datetime | None
) -> list[Zcl]:
    """Emergency Credit Setup, Set Overall Debt Cap, Set Low Credit Warning Level (its time
    in the GBZ extended header), Set Maximum Credit Limit, then the friendly credit calendar."""
    issued, at = _le(utc_time(event)), implementation(execution)
    return [
        Zcl(
            PREPAYMENT_CLUSTER,
            EMERGENCY_CREDIT_SETUP,
            issued + _le(at) + _le(s.emergency_credit_limit) + _le(s.emergency_credit_threshold),
        ),
        Zcl(
            PREPAYMENT_CLUSTER,
            SET_OVERALL_DEBT_CAP,
            uint(0, 4) + issued + _le(at) + _le(s.debt_cap),
        ),
        Zcl(PREPAYMENT_CLUSTER, SET_LOW_CREDIT_WARNING_LEVEL, _le(s.low_credit), from_time=at),
        Zcl(
            PREPAYMENT_CLUSTER,
            SET_MAXIMUM_CREDIT_LIMIT,
            uint(0, 4) + issued + _le(at) + _le(s.max_meter_balance) + _le(s.max_credit_per_top_up),
        ),
        *calendar(friendly, event, execution),
    ]
