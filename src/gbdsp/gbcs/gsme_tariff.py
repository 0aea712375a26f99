"""The GSME's tariff and prepayment configuration reads (GBCS 11: GCS21f, GCS21b).

Both answer with Read Attributes Responses and the calendar the GSME runs, in the ZSE Calendar
cluster's Publish Day Profile, Publish Week Profile, Publish Seasons and Publish Special Days
(one ZCL sequence number per kind, as the RTDS Responses number them); GCS21f adds the
current price (ZSE Publish Price). Layouts: ZSE 1.4 as GBCS profiles it and gbcs-parser
decodes it (facts, no vector copied); the values are the device's (wan/gas_meter.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gbdsp.gbcs import gbz
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.gbz import Attribute, Zcl
from gbdsp.gbcs.gsme import (
    PREPAYMENT,
    PRICE,
    PRICE_TRAILING_DIGITS,
    GsmeExchange,
    attributes,
    respond,
    utc_time,
)

CALENDAR = 0x0707
PUBLISHED = 0x19
"""Cluster-specific, server to client, default response disabled."""
PUBLISH_PRICE = 0x00
PUBLISH_DAY_PROFILE = 0x01
PUBLISH_WEEK_PROFILE = 0x02
PUBLISH_SEASONS = 0x03
PUBLISH_SPECIAL_DAYS = 0x04
DELIVERED_CALENDAR = 0x00
FRIENDLY_CREDIT_CALENDAR = 0x03
POUND_STERLING = 826
KWH = 0x00


@dataclass(frozen=True, slots=True)
class Calendar:
    """A ZSE calendar: day profiles (switch times in minutes after midnight and the tier,
    or the friendly-credit flag, from then on), week profiles (Monday to Sunday day IDs),
    seasons (start date, week ID) and special days (date, day ID)."""

    issued_at: datetime
    calendar_id: int
    days: Sequence[Sequence[tuple[int, int]]]
    weeks: Sequence[Sequence[int]]
    seasons: Sequence[tuple[datetime, int]]
    special_days: Sequence[tuple[datetime, int]] = ()


def _date(at: datetime) -> bytes:
    """ZCL Date: year - 1900, month, day of month, day of week 0xFF (any)."""
    return bytes([at.year - 1900, at.month, at.day, 0xFF])


def calendar_frames(calendar: Calendar, kind: int, first_sequence: int) -> list[Zcl]:
    head = uint(0, 4) + uint(utc_time(calendar.issued_at), 4, "little")
    head += uint(calendar.calendar_id, 4, "little")
    frames = []
    for day_id, entries in enumerate(calendar.days, start=1):
        body = head + bytes([day_id, len(entries), 0, 1, kind])
        body += b"".join(uint(minute, 2, "little") + bytes([value]) for minute, value in entries)
        frames.append(Zcl(CALENDAR, PUBLISHED, PUBLISH_DAY_PROFILE, body, sequence=first_sequence))
    for week_id, days in enumerate(calendar.weeks, start=1):
        frames.append(
            Zcl(
                CALENDAR,
                PUBLISHED,
                PUBLISH_WEEK_PROFILE,
                head + bytes([week_id, *days]),
                sequence=first_sequence + 1,
            )
        )
    seasons = head + b"\x00\x01" + b"".join(_date(d) + bytes([w]) for d, w in calendar.seasons)
    frames.append(Zcl(CALENDAR, PUBLISHED, PUBLISH_SEASONS, seasons, sequence=first_sequence + 2))
    special = head + uint(0, 4) + bytes([kind, len(calendar.special_days), 0, 1])
    special += b"".join(_date(d) + bytes([day]) for d, day in calendar.special_days)
    frames.append(
        Zcl(CALENDAR, PUBLISHED, PUBLISH_SPECIAL_DAYS, special, sequence=first_sequence + 3)
    )
    return frames


@dataclass(frozen=True, slots=True)
class Tariff:
    """GCS21f content, prices in 1/100000 GBP per kWh: the block thresholds (kWh, up to
    three), the block prices of the no-tier matrix (four), the first block's price of each
    TOU tier (four), the standing charge (a day) and the TOU calendar."""

    thresholds: Sequence[int]
    block_prices: Sequence[int]
    tier_prices: Sequence[int]
    standing_charge: int
    calendar: Calendar
    current_tier: int = 1


def gcs21f(ex: GsmeExchange, tariff: Tariff) -> bytes:
    """SRV 4.11.1 Read Tariff (Primary Element) on a GSME."""
    records = [
        Attribute(0x0203, gbz.UINT24, 1000),  # threshold divisor
        Attribute(0x0202, gbz.UINT24, 1),  # threshold multiplier
        *(Attribute(0x0100 + i, gbz.UINT48, t) for i, t in enumerate(tariff.thresholds)),
        Attribute(0x0615, gbz.ENUM8, KWH),
        *(Attribute(0x0400 + i, gbz.UINT32, p) for i, p in enumerate(tariff.block_prices)),
        *(Attribute(0x0410 + 0x10 * i, gbz.UINT32, p) for i, p in enumerate(tariff.tier_prices)),
        Attribute(0x0616, gbz.UINT16, POUND_STERLING),
        Attribute(0x0617, gbz.BITMAP8, PRICE_TRAILING_DIGITS),
        Attribute(0x0301, gbz.UINT32, tariff.standing_charge),
    ]
    price_table = attributes(PRICE, records)
    price_table = Zcl(
        PRICE, gbz.FRAME_CONTROL_RESPONSE, price_table.command_id, price_table.payload
    )
    frames = [price_table, *calendar_frames(tariff.calendar, DELIVERED_CALENDAR, 1)]
    tier = tariff.current_tier
    price = (
        uint(0, 4)  # provider ID
        + b"\x00"  # rate label: none
        + uint(utc_time(tariff.calendar.issued_at), 4, "little")
        + uint(utc_time(ex.at), 4, "little")  # current time
        + bytes([KWH])
        + uint(POUND_STERLING, 2, "little")
        + bytes([PRICE_TRAILING_DIGITS | tier, len(tariff.tier_prices) << 4 | tier])
        + uint(0, 4)  # start time: now
        + uint(24 * 60, 2, "little")  # duration in minutes
        + uint(tariff.tier_prices[tier - 1], 4, "little")
    )
    frames.append(Zcl(PRICE, PUBLISHED, PUBLISH_PRICE, price, sequence=5))
    return respond(ex, MessageCode.GCS21F, frames, dated=False)


@dataclass(frozen=True, slots=True)
class PrepaymentConfiguration:
    """GCS21b content, amounts in 1/100000 GBP: debt recovery, credit limits and thresholds,
    and the friendly credit calendar."""

    debt_recovery_top_up_percentage: int
    """Payment-based debt recovery, in hundredths of a percent."""
    overall_debt_cap: int
    debt_recovery_frequency: tuple[int, int]
    cut_off_value: int
    emergency_credit_limit: int
    emergency_credit_threshold: int
    low_credit_warning: int
    max_credit_limit: int
    max_credit_per_top_up: int
    debt_recovery_amount: tuple[int, int]
    friendly_credit: Calendar


def gcs21b(ex: GsmeExchange, config: PrepaymentConfiguration) -> bytes:
    """SRV 4.13 Read Prepayment Configuration on a GSME."""
    c = config
    prepayment = attributes(
        PREPAYMENT,
        [
            Attribute(0x0239, gbz.UINT16, c.debt_recovery_top_up_percentage),
            Attribute(0x0006, gbz.INT32, c.overall_debt_cap),
            Attribute(0x0216, gbz.ENUM8, c.debt_recovery_frequency[0]),
            Attribute(0x0226, gbz.ENUM8, c.debt_recovery_frequency[1]),
            Attribute(0x0040, gbz.INT32, c.cut_off_value),
            Attribute(0x0010, gbz.UINT32, c.emergency_credit_limit),
            Attribute(0x0011, gbz.UINT32, c.emergency_credit_threshold),
            Attribute(0x0031, gbz.UINT32, c.low_credit_warning),
            Attribute(0x0021, gbz.UINT32, c.max_credit_limit),
            Attribute(0x0022, gbz.UINT32, c.max_credit_per_top_up),
            Attribute(0x0217, gbz.UINT32, c.debt_recovery_amount[0]),
            Attribute(0x0227, gbz.UINT32, c.debt_recovery_amount[1]),
        ],
    )
    digits = attributes(PRICE, [Attribute(0x0617, gbz.BITMAP8, PRICE_TRAILING_DIGITS)])
    frames = [prepayment, digits, *calendar_frames(c.friendly_credit, FRIENDLY_CREDIT_CALENDAR, 2)]
    return respond(ex, MessageCode.GCS21B, frames, dated=False)
