"""The Dual Band Comms Hub use cases DBCH01-DBCH05 (docs/gbcs.md "Dual Band CH"): the
CHF's DLMS Access-Responses about its Sub GHz radio, MACed for the ACB and naming the User as
supplementary remote party (GBCS 7.2.10), as the RTDS 4.5.0 Responses have them.

| SRV | use case | the command's request (RTDS) | the Response's datum |
|---|---|---|---|
| 6.28 Set CHF Sub GHz Configuration | DBCH04 (0x010D) | SET 0-0:94.44.10.0 | null, SET success |
| 6.29 Request CHF Sub GHz Channel Scan | DBCH05 (0x010E) | SET 0-0:94.44.10.1 | null, SET success |
| 6.30 Read CHF Sub GHz Configuration | DBCH03 (0x010C) | GET 0-0:94.44.10.0 | the configuration |
| 6.31 Read CHF Sub GHz Channel | DBCH01 (0x010A) | GET 0-0:94.44.10.2 | the operating channel |
| 6.32 Read CHF Sub GHz Channel Log | DBCH02 (0x010B) | GET 0-0:94.44.10.3, range | compact array |

A Sub GHz channel is a 32-bit bit-string, the channel page in its top five bits and a mask
of the page's channels below (bit 0 the page's first channel): the IEEE 802.15.4 / ZigBee
sub-GHz channel pages 28-31, as the RTDS values show (0xE0000006 is page 28, the lower
band's channels 1 and 2, DUIS `LowerBandSubGHzChannels0To26` Channel1 and Channel2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dlms
from gbdsp.gbcs.chf import acb_header
from gbdsp.gbcs.dlms_data import (
    Bits,
    Data,
    compact_array,
    double_long_unsigned,
    long_unsigned,
    octet_string,
    seconds,
    structure,
    unsigned,
)
from gbdsp.gbcs.frames import message
from gbdsp.gbcs.responses import Exchange

GET, SET = 0x01, 0x02


class DbchCode(IntEnum):
    """The GBCS message codes of the Dual Band CH use cases (gbcs-parser's names)."""

    DBCH01 = 0x010A
    """DBCH01 Read CHF Sub GHz Channel — SRV 6.31."""
    DBCH02 = 0x010B
    """DBCH02 Read CHF Sub GHz Channel Log — SRV 6.32."""
    DBCH03 = 0x010C
    """DBCH03 Read CHF Sub GHz Configuration — SRV 6.30."""
    DBCH04 = 0x010D
    """DBCH04 Set CHF Sub GHz Configuration — SRV 6.28."""
    DBCH05 = 0x010E
    """DBCH05 Request CHF Sub GHz Channel Scan — SRV 6.29."""


@dataclass(frozen=True, slots=True)
class Band:
    """One DUIS channel group: its channel page and its first channel's number."""

    page: int
    first: int
    count: int


LOWER_0_26 = Band(28, 0, 27)
LOWER_27_34 = Band(29, 27, 8)
LOWER_35_61 = Band(30, 35, 27)
UPPER_0_26 = Band(31, 0, 27)
BANDS = (LOWER_0_26, LOWER_27_34, LOWER_35_61, UPPER_0_26)
"""The four bit-strings of the configuration, in order (DUIS SubGHzConfiguration)."""


def channel_mask(band: Band, channels: Sequence[int]) -> int:
    """The 32-bit value of `band`'s page with `channels` (their DUIS numbers) set."""
    value = band.page << 27
    for number in channels:
        if not band.first <= number < band.first + band.count:
            raise InvalidValue(f"Sub GHz channel {number} is not in page {band.page}")
        value |= 1 << (number - band.first)
    return value


def channel_bits(value: int) -> Bits:
    return Bits(format(value, "032b"))


@dataclass(frozen=True, slots=True)
class SubGhzConfiguration:
    """0-0:94.44.10.0 Sub GHz Configuration Settings, in the order of its structure. The
    duty cycle thresholds and percentages are in hundredths (DUIS 1.3 is 130, 60.00 is
    6000: RTDS DBCH04 carries the template's values so)."""

    lower_0_26: tuple[int, ...]
    lower_27_34: tuple[int, ...]
    lower_35_61: tuple[int, ...]
    upper_0_26: tuple[int, ...]
    normal_limited_duty_cycle: int
    limited_critical_duty_cycle: int
    maximum_channel_changes_per_week: int
    gsme_curfew: int
    channel_quieter_threshold: int
    channel_noisier_threshold: int
    non_gsme_poor_comms_percentage: int
    non_gsme_poor_comms_periods: int
    local_ch_noise_period: int
    local_ch_failure_percentage: int
    local_ch_retry_percentage: int

    def data(self) -> Data:
        """The structure of 15 (GBCS DBCH03 Response, DBCH04 Command, DBCH09 Alert)."""
        groups = (self.lower_0_26, self.lower_27_34, self.lower_35_61, self.upper_0_26)
        masks = [channel_bits(channel_mask(b, g)) for b, g in zip(BANDS, groups, strict=True)]
        return structure(
            *masks,
            long_unsigned(self.normal_limited_duty_cycle),
            long_unsigned(self.limited_critical_duty_cycle),
            unsigned(self.maximum_channel_changes_per_week),
            long_unsigned(self.gsme_curfew),
            unsigned(self.channel_quieter_threshold),
            unsigned(self.channel_noisier_threshold),
            long_unsigned(self.non_gsme_poor_comms_percentage),
            unsigned(self.non_gsme_poor_comms_periods),
            long_unsigned(self.local_ch_noise_period),
            long_unsigned(self.local_ch_failure_percentage),
            long_unsigned(self.local_ch_retry_percentage),
        )


CHANNEL_CHANGED = 0x8F26
"""The event code of a Sub GHz Channel Changed entry (GBCS alert 8F26, DBCH07)."""


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """One entry of the CHF Sub GHz Channel Log (0-0:94.44.10.3)."""

    at: datetime
    channel: int
    """The new operating channel, a 32-bit page-and-mask value."""
    scan_trigger: int
    """DUIS ScanTrigger, as its index (0 RemotePartyCommand ... 7 SMHANFormation)."""

    def data(self) -> Data:
        """time, event code, then the channel's four octets followed by the trigger as an
        octet-string of one (RTDS DBCH02: E0000001 09 01 00)."""
        detail = self.channel.to_bytes(4, "big") + octet_string(bytes([self.scan_trigger])).encode()
        return structure(
            double_long_unsigned(seconds(self.at)),
            long_unsigned(CHANNEL_CHANGED),
            octet_string(detail),
        )


LOG_ROW = ChannelChange(datetime.fromisoformat("2000-01-01T00:00:00+00:00"), 0, 0).data()
"""The type of a log row (a compact array's type description, also for an empty log)."""


def channel_log(entries: Sequence[ChannelChange]) -> Data:
    return compact_array([e.data() for e in entries], LOG_ROW)


def command_response(
    ex: Exchange, code: DbchCode, *, remote_party: bytes, remote_counter: int
) -> bytes:
    """DBCH04, DBCH05: the one SET succeeded."""
    header = acb_header(ex, code, remote_party=remote_party, remote_counter=remote_counter)
    return message(header, dlms.access_response(ex.counter, [b"\x00"], [(SET, 0)]), z=ex.z)


def read_response(
    ex: Exchange, code: DbchCode, value: Data, *, remote_party: bytes, remote_counter: int
) -> bytes:
    """DBCH01, DBCH02, DBCH03: the one GET succeeded with `value`."""
    header = acb_header(ex, code, remote_party=remote_party, remote_counter=remote_counter)
    content = dlms.access_response(ex.counter, [value.encode()], [(GET, dlms.SUCCESS)])
    return message(header, content, z=ex.z)
