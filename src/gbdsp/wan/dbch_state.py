"""The emulated CHF's Sub GHz radio (docs/gbcs.md "Dual Band CH"): its configuration, its
operating channel and its channel log, deterministic from the emulator's seed and the CHF.

- The configuration is `DEFAULT` (gbdsp keeps no configuration after a 6.28 sets one, as for
  the ESME: docs/gbcs.md "What is left").
- The channel log has at most one Sub GHz Channel Changed entry a day: a day has one with a
  chance of one in four, at a time of day, to a channel and for a scan trigger all drawn
  from the seed, the CHF and the day.
- The operating channel is the channel of the log's latest entry before now (looked for in
  the last `LOOK_BACK` days), else one drawn from the seed and the CHF.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs.dbch import BANDS, Band, ChannelChange, SubGhzConfiguration, channel_mask

DEFAULT = SubGhzConfiguration(
    lower_0_26=tuple(range(0, 27)),
    lower_27_34=tuple(range(27, 35)),
    lower_35_61=tuple(range(35, 62)),
    upper_0_26=tuple(range(0, 27)),
    normal_limited_duty_cycle=100,
    limited_critical_duty_cycle=200,
    maximum_channel_changes_per_week=3,
    gsme_curfew=6,
    channel_quieter_threshold=6,
    channel_noisier_threshold=10,
    non_gsme_poor_comms_percentage=5000,
    non_gsme_poor_comms_periods=100,
    local_ch_noise_period=90,
    local_ch_failure_percentage=5000,
    local_ch_retry_percentage=3000,
)
"""The configuration every emulated CHF reports: every channel of the four groups allowed,
duty cycle thresholds 1.0 % and 2.0 %, 3 channel changes a week, GSME curfew 6, quieter 6
and noisier 10, non-GSME poor comms 50.00 % over 100 periods, noise period 90, failure
50.00 % and retry 30.00 % (all within the DUIS SubGHzConfiguration ranges)."""

LOOK_BACK = 28
"""Days searched back for the operating channel's change."""
MAX_ENTRIES = 1440
"""At most this many log entries in one Response (no GBT segmentation: docs/gbcs.md)."""
SCAN_TRIGGERS = 8
"""DUIS ScanTrigger has eight values."""


def _draw(seed: int, device_id: DeviceId, purpose: bytes) -> bytes:
    return hmac.new(
        str(seed).encode(), purpose + b":" + device_id.hex.encode(), hashlib.sha256
    ).digest()


def _channels(config: SubGhzConfiguration) -> list[int]:
    """Every allowed channel as a page-and-mask value of one channel."""
    groups = (config.lower_0_26, config.lower_27_34, config.lower_35_61, config.upper_0_26)
    return [channel_mask(b, [n]) for b, g in zip(BANDS, groups, strict=True) for n in g]


def _change(seed: int, device_id: DeviceId, day: datetime) -> ChannelChange | None:
    """The day's channel change, if it has one."""
    d = _draw(seed, device_id, b"subghz-log:" + day.date().isoformat().encode())
    if d[0] % 4:
        return None
    channels = _channels(DEFAULT)
    at = day + timedelta(seconds=int.from_bytes(d[1:4], "big") % 86400)
    return ChannelChange(at, channels[d[4] % len(channels)], d[5] % SCAN_TRIGGERS)


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= end:
        yield day
        day += timedelta(days=1)


def channel_log(
    seed: int, device_id: DeviceId, start: datetime, end: datetime, now: datetime
) -> list[ChannelChange]:
    """The log's entries from `start` to `end` (none after `now`), oldest first."""
    end = min(end, now)
    found: list[ChannelChange] = []
    for day in _days(start, end):
        change = _change(seed, device_id, day)
        if change is not None and start <= change.at <= end:
            found.append(change)
            if len(found) == MAX_ENTRIES:
                break
    return found


def operating_channel(seed: int, device_id: DeviceId, now: datetime) -> int:
    """The channel of the latest change before `now`, else a drawn one."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(LOOK_BACK):
        change = _change(seed, device_id, day - timedelta(days=back))
        if change is not None and change.at <= now:
            return change.channel
    channels = _channels(DEFAULT)
    return channels[_draw(seed, device_id, b"subghz-channel")[0] % len(channels)]


_GROUPS = (
    "LowerBandSubGHzChannels0To26",
    "LowerBandSubGHzChannels27To34",
    "LowerBandSubGHzChannels35To61",
    "UpperBandSubGHzChannels0To26",
)


def _group(body: etree._Element, name: str, band: Band) -> tuple[int, ...]:
    group = body.find(f".//{sr(name)}")
    if group is None:
        raise InvalidValue(f"6.28 has no {name}")
    return tuple(
        n
        for n in range(band.first, band.first + band.count)
        if group.find(sr(f"Channel{n}")) is not None
    )


def _number(body: etree._Element, name: str, scale: int = 1) -> int:
    text = body.findtext(f".//{sr(name)}")
    try:
        value = Decimal((text or "").strip()) * scale
    except InvalidOperation as e:
        raise InvalidValue(f"6.28 {name} {text!r}") from e
    if value != value.to_integral_value():
        raise InvalidValue(f"6.28 {name} {text!r} has too many decimals")
    return int(value)


def requested_configuration(body: etree._Element) -> SubGhzConfiguration:
    """The DUIS SetCHFSubGHzConfiguration values as the DBCH04 command carries them
    (decimals in hundredths, as RTDS DBCH04 has the template's)."""
    lower, middle, upper, high = (
        _group(body, name, band) for name, band in zip(_GROUPS, BANDS, strict=True)
    )
    return SubGhzConfiguration(
        lower,
        middle,
        upper,
        high,
        normal_limited_duty_cycle=_number(body, "NormalLimitedDutyCycleThreshold", 100),
        limited_critical_duty_cycle=_number(body, "LimitedCriticalDutyCycleThreshold", 100),
        maximum_channel_changes_per_week=_number(body, "MaximumSubGHzChannelChangesPerWeek"),
        gsme_curfew=_number(body, "GSMECurfew"),
        channel_quieter_threshold=_number(body, "ChannelQuieterThreshold"),
        channel_noisier_threshold=_number(body, "ChannelNoisierThreshold"),
        non_gsme_poor_comms_percentage=_number(body, "NonGSMEPoorCommsPercentageThreshold", 100),
        non_gsme_poor_comms_periods=_number(body, "NonGSMEPoorCommsMeasurementPeriods"),
        local_ch_noise_period=_number(body, "LocalCHNoiseMeasurementPeriod"),
        local_ch_failure_percentage=_number(body, "LocalCHFailurePercentage", 100),
        local_ch_retry_percentage=_number(body, "LocalCHRetryPercentage", 100),
    )
