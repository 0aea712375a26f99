"""GSME log reads (GBCS 11: GBZ payloads): profile data, network data, daily consumption,
daily read logs, billing data logs, debt and top-up logs.

The DCC's command asks for a fixed number of snapshots, one ZSE Get Snapshot (or Get Prepay
Snapshot) per offset (31 for the daily read logs, 12 for the billing data logs, as the RTDS
commands have it). The GSME answers each with a Publish Snapshot when it holds one, and a
Default Response "not found" (ZCL status 0x8B) otherwise, in the order of the request. Sampled
data (profile, network and daily consumption logs) come in one Get Sampled Data Response. The
layouts are ZSE 1.4's as GBCS profiles them and the RTDS Responses of the same use cases show
(facts, no vector copied); the values are the device's (wan/gas_meter.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.gbz import INT32, Zcl, zcl_value
from gbdsp.gbcs.gsme import (
    METERING,
    PLAIN_ATTRIBUTES,
    PREPAYMENT,
    GsmeExchange,
    default_response,
    respond,
    utc_time,
)

PUBLISHED = 0x19
"""ZCL frame control: cluster-specific, server to client, default response disabled."""
NOT_FOUND = 0x8B

GET_SAMPLED_DATA_RESPONSE = 0x07
PROFILE_SAMPLES = 0
DAILY_SAMPLES = 1
NETWORK_SAMPLES = 2
"""ZSE sample IDs of the consumption profile, the daily consumption log and the network
data log (the RTDS GCS17, GCS61 and GCS18 commands)."""
HALF_HOUR = 1800
SIX_MINUTES = 360
DAILY_INTERVAL = 0xFFFF
"""The daily log's sample interval as RTDS GCS61 reports it (a day does not fit 16 bits)."""


@dataclass(frozen=True, slots=True)
class Samples:
    """Consumption samples (litres) from `start`, one every `interval` seconds."""

    start: datetime
    interval: int
    values: Sequence[int]


def sampled_data(sample_id: int, samples: Samples) -> bytes:
    """ZSE Get Sampled Data Response: sample ID, start, type 0 (consumption delivered),
    interval, count, then 24-bit samples."""
    if len(samples.values) > 0xFFFF:
        raise InvalidValue("too many samples for one Get Sampled Data Response")
    return (
        uint(sample_id, 2, "little")
        + uint(utc_time(samples.start), 4, "little")
        + b"\x00"
        + uint(samples.interval, 2, "little")
        + uint(len(samples.values), 2, "little")
        + b"".join(uint(v, 3, "little") for v in samples.values)
    )


def _sampled(
    ex: GsmeExchange, code: MessageCode, sample_id: int, samples: Samples, frame_control: int
) -> bytes:
    zcl = Zcl(
        METERING,
        frame_control,
        GET_SAMPLED_DATA_RESPONSE,
        sampled_data(sample_id, samples),
        encrypted=True,
    )
    return respond(ex, code, [zcl], dated=False)


def gcs17(ex: GsmeExchange, samples: Samples) -> bytes:
    """SRV 4.8.1 Read Active Import Profile Data: half-hourly consumption."""
    return _sampled(ex, MessageCode.GCS17, PROFILE_SAMPLES, samples, PUBLISHED)


def gcs18(ex: GsmeExchange, samples: Samples) -> bytes:
    """SRV 4.10 Read Network Data: six-minute consumption (frame control 09, as RTDS)."""
    return _sampled(ex, MessageCode.GCS18, NETWORK_SAMPLES, samples, 0x09)


def gcs61(ex: GsmeExchange, samples: Samples) -> bytes:
    """SRV 4.17 Retrieve Daily Consumption Log (to the ACB for the User, as RTDS)."""
    return _sampled(ex, MessageCode.GCS61, DAILY_SAMPLES, samples, PUBLISHED)


# -- snapshots -------------------------------------------------------------------------------

PUBLISH_SNAPSHOT = 0x06
GET_SNAPSHOT = 0x06
PUBLISH_PREPAY_SNAPSHOT = 0x01
GET_PREPAY_SNAPSHOT = 0x07
GENERAL = 0x00000001
BILLING_PERIOD = 0x00000002
"""ZSE snapshot causes: general (the daily read), end of a billing period (the calendar)."""
TOU_AND_BLOCK_PAYLOAD = 6
DEBT_CREDIT_PAYLOAD = 0
ONE_TIER_FOUR_BLOCKS = 0x14
"""Number of tiers (1) and block thresholds in use of a block tariff, as RTDS."""


@dataclass(frozen=True, slots=True)
class RegisterSnapshot:
    """The consumption register and its TOU and block registers at `at` (litres)."""

    snapshot_id: int
    at: datetime
    total: int
    tiers: Sequence[int]
    blocks: Sequence[int]


@dataclass(frozen=True, slots=True)
class PrepaySnapshot:
    """The debt and credit registers at `at` (1/100000 GBP)."""

    snapshot_id: int
    at: datetime
    accumulated_debt: int
    time_debt_1: int
    time_debt_2: int
    payment_debt: int
    emergency_credit: int
    credit: int


def _snapshot_head(snapshot_id: int, at: datetime, found: int, cause: int, kind: int) -> bytes:
    return (
        uint(snapshot_id, 4, "little")
        + uint(utc_time(at), 4, "little")
        + bytes([found, 0, 1])  # snapshots found, command index, number of commands
        + uint(cause, 4, "little")
        + bytes([kind])
    )


def register_snapshot(s: RegisterSnapshot, found: int, cause: int) -> Zcl:
    if len(s.tiers) != 4 or len(s.blocks) != 4:
        raise InvalidValue("a GSME snapshot has four tiers and four blocks")
    body = (
        _snapshot_head(s.snapshot_id, s.at, found, cause, TOU_AND_BLOCK_PAYLOAD)
        + uint(s.total, 6, "little")
        + bytes([4])
        + b"".join(uint(t, 6, "little") for t in s.tiers)
        + bytes([ONE_TIER_FOUR_BLOCKS])
        + b"".join(uint(b, 6, "little") for b in s.blocks)
    )
    return Zcl(METERING, PUBLISHED, PUBLISH_SNAPSHOT, body, encrypted=True)


def prepay_snapshot(s: PrepaySnapshot, found: int, cause: int) -> Zcl:
    body = (
        _snapshot_head(s.snapshot_id, s.at, found, cause, DEBT_CREDIT_PAYLOAD)
        + zcl_value(INT32, s.accumulated_debt)
        + b"".join(
            uint(v, 4, "little")
            for v in (
                s.time_debt_1,
                s.time_debt_2,
                s.payment_debt,
                s.emergency_credit,
                max(0, s.credit),
            )
        )
    )
    return Zcl(PREPAYMENT, PUBLISHED, PUBLISH_PREPAY_SNAPSHOT, body, encrypted=True)


def _answers(published: Sequence[Zcl], asked: int, cluster: int, get_command: int) -> list[Zcl]:
    """The found snapshots, then a "not found" for each remaining offset asked."""
    if len(published) > asked:
        raise InvalidValue(f"{len(published)} snapshots for {asked} offsets")
    missing = default_response(
        cluster, get_command, status=NOT_FOUND, frame_control=PLAIN_ATTRIBUTES
    )
    return [*published, *([missing] * (asked - len(published)))]


DAILY_OFFSETS = 31
BILLING_OFFSETS = 12


def gcs16a(ex: GsmeExchange, snapshots: Sequence[RegisterSnapshot]) -> bytes:
    """SRV 4.6.1 Retrieve Import Daily Read Log: up to 31 daily snapshots."""
    found = [register_snapshot(s, len(snapshots), GENERAL) for s in snapshots]
    zcls = _answers(found, DAILY_OFFSETS, METERING, GET_SNAPSHOT)
    return respond(ex, MessageCode.GCS16A, zcls, dated=False)


def gcs16b(ex: GsmeExchange, snapshots: Sequence[PrepaySnapshot]) -> bytes:
    """SRV 4.14 Read Prepayment Daily Read Log: up to 31 daily prepayment snapshots."""
    found = [prepay_snapshot(s, len(snapshots), GENERAL) for s in snapshots]
    zcls = _answers(found, DAILY_OFFSETS, PREPAYMENT, GET_PREPAY_SNAPSHOT)
    return respond(ex, MessageCode.GCS16B, zcls, dated=False)


def _billing_log(
    ex: GsmeExchange,
    code: MessageCode,
    registers: Sequence[RegisterSnapshot],
    prepay: Sequence[PrepaySnapshot],
    cause: int,
    *,
    prepay_first: bool,
) -> bytes:
    metering = _answers(
        [register_snapshot(s, len(registers), cause) for s in registers],
        BILLING_OFFSETS,
        METERING,
        GET_SNAPSHOT,
    )
    credit = _answers(
        [prepay_snapshot(s, len(prepay), cause) for s in prepay],
        BILLING_OFFSETS,
        PREPAYMENT,
        GET_PREPAY_SNAPSHOT,
    )
    zcls = credit + metering if prepay_first else metering + credit
    return respond(ex, code, zcls, dated=False)


def gcs15c(
    ex: GsmeExchange,
    registers: Sequence[RegisterSnapshot],
    prepay: Sequence[PrepaySnapshot],
) -> bytes:
    """SRV 4.4.3 Billing Calendar Triggered Billing Data Log: the snapshots taken at the end
    of each billing period (12 offsets each of the registers and of prepayment)."""
    return _billing_log(
        ex, MessageCode.GCS15C, registers, prepay, BILLING_PERIOD, prepay_first=False
    )


CHANGE_OF_MODE_OR_TARIFF = 0x00006008
"""The snapshot causes the GCS15b command asks for (change of tariff, of mode; RTDS)."""


def gcs15b(
    ex: GsmeExchange,
    registers: Sequence[RegisterSnapshot],
    prepay: Sequence[PrepaySnapshot],
) -> bytes:
    """SRV 4.4.2 CoM or Tariff Triggered Billing Data Log (prepayment first, as RTDS)."""
    return _billing_log(
        ex, MessageCode.GCS15B, registers, prepay, CHANGE_OF_MODE_OR_TARIFF, prepay_first=True
    )


PUBLISH_TOP_UP_LOG = 0x05
PUBLISH_DEBT_LOG = 0x06


@dataclass(frozen=True, slots=True)
class DebtCollection:
    at: datetime
    amount: int
    debt_type: int
    outstanding: int


def gcs15d(ex: GsmeExchange, collections: Sequence[DebtCollection]) -> bytes:
    """SRV 4.4.4 Billing Data Log (debt payments): ZSE Publish Debt Log, encrypted (to the
    ACB for the User, as RTDS)."""
    body = b"\x00\x01" + b"".join(
        uint(utc_time(c.at), 4, "little")
        + uint(c.amount, 4, "little")
        + bytes([c.debt_type])
        + uint(c.outstanding, 4, "little")
        for c in collections
    )
    zcl = Zcl(PREPAYMENT, PUBLISHED, PUBLISH_DEBT_LOG, body, encrypted=True)
    return respond(ex, MessageCode.GCS15D, [zcl], dated=False)


@dataclass(frozen=True, slots=True)
class TopUp:
    utrn: str
    """The 20-digit UTRN."""
    amount: int
    at: datetime


def gcs15e(ex: GsmeExchange, top_ups: Sequence[TopUp]) -> bytes:
    """SRV 4.4.5 Billing Data Log (prepayment credits): ZSE Publish Top Up Log."""
    body = b"\x00\x01"
    for t in top_ups:
        if len(t.utrn) != 20 or not t.utrn.isdigit():
            raise InvalidValue("a UTRN is 20 digits")
        body += b"\x14" + t.utrn.encode("ascii") + zcl_value(INT32, t.amount)
        body += uint(utc_time(t.at), 4, "little")
    zcl = Zcl(PREPAYMENT, PUBLISHED, PUBLISH_TOP_UP_LOG, body)
    return respond(ex, MessageCode.GCS15E, [zcl], dated=False)
