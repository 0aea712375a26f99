"""The Dual Band CH Responses DBCH01-DBCH05 (gbcs/dbch.py, wan/dbch_payloads.py) against the
RTDS 4.5.0 vectors: for the RTDS inputs (its counters, CHF, ACB, User and values) and the
RTDS keystore's KA keys, our Response is byte-identical to RTDS's, MAC included. The
vectors are read from ../shared at test time, never copied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gbcs import dbch
from gbdsp.gbcs.dlms_data import GBCS_EPOCH, Data
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.parse import SignedApdu, parse_general_signing, verify_general_ciphering
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import dbch_payloads, dbch_state
from gbdsp.wan.gbcs_ask import Ask
from tests.duis_support import SUPPLIER
from tests.gbcs.test_parse import RTDS, _keys, _secrets

AT = datetime(2026, 12, 1, tzinfo=UTC)
ACB_TITLE = ACB.value.to_bytes(8, "big")
Code = dbch.DbchCode

CASES = {
    Code.DBCH01: "6.31",
    Code.DBCH02: "6.32",
    Code.DBCH03: "6.30",
    Code.DBCH04: "6.28",
    Code.DBCH05: "6.29",
}


def _vector(code: Code, kind: str) -> bytes:
    srv = CASES[code]
    path = RTDS / "RTDS-4.5.0" / f"{srv}_{code.name}" / f"{code.name}_{srv}_SUCCESS_{kind}_GBCS.HEX"
    return bytes.fromhex("".join(path.read_text().split()))


def _verifies(frame: bytes, z: bytes) -> bool:
    try:
        verify_general_ciphering(frame, z)
    except ValueError:
        return False
    return True


def _reference(code: Code) -> tuple[bytes, SignedApdu, Exchange]:
    """The RTDS Response, its parsed header and the Exchange that answers with its inputs."""
    keys = _keys()
    reference = _vector(code, "RESPONSE")
    parsed = parse_general_signing(unwrap_general_ciphering(reference)[0])
    h = parsed.header
    (z,) = [
        z for z in _secrets(keys, h.originator.hex(), h.recipient.hex()) if _verifies(reference, z)
    ][:1]
    return reference, parsed, Exchange(h.originator, h.recipient, h.counter, z)


def _party(parsed: SignedApdu) -> tuple[bytes, int]:
    h = parsed.header
    assert h.supplementary_remote_party is not None and h.supplementary_counter is not None
    return h.supplementary_remote_party, h.supplementary_counter


def _read(code: Code, value: Data) -> tuple[bytes, bytes]:
    reference, parsed, ex = _reference(code)
    party, counter = _party(parsed)
    ours = dbch.read_response(ex, code, value, remote_party=party, remote_counter=counter)
    return ours, reference


@pytest.mark.parametrize("code", [Code.DBCH04, Code.DBCH05])
def test_command_responses_match_rtds(code: Code) -> None:
    reference, parsed, ex = _reference(code)
    party, counter = _party(parsed)
    ours = dbch.command_response(ex, code, remote_party=party, remote_counter=counter)
    assert ours.hex() == reference.hex()


def test_dbch03_configuration_matches_rtds() -> None:
    # RTDS DBCH03: channels 0 and 1 of each group (mask 3), then the 11 values.
    config = dbch.SubGhzConfiguration(
        (0, 1), (27, 28), (35, 36), (0, 1), 125, 200, 4, 6, 6, 10, 5050, 125, 90, 5000, 3000
    )
    ours, reference = _read(Code.DBCH03, config.data())
    assert ours.hex() == reference.hex()


def test_dbch01_operating_channel_matches_rtds() -> None:
    channel = dbch.channel_mask(dbch.LOWER_0_26, [0])
    ours, reference = _read(Code.DBCH01, dbch.channel_bits(channel))
    assert ours.hex() == reference.hex()


def test_dbch02_channel_log_matches_rtds() -> None:
    # RTDS DBCH02: eleven changes, the page cycling 28-31, the channel bit and the scan
    # trigger counting up (a trigger of eight values).
    offsets = (0, 121500, 221580, 304260, 364200, 476580, 595560, 619140, 739200, 804360, 935820)
    entries = []
    for i, offset in enumerate(offsets):
        band = dbch.BANDS[i % 4]
        mask = (band.page << 27) | (1 << (i % 8))
        at = GBCS_EPOCH + timedelta(seconds=472348800 + offset)
        entries.append(dbch.ChannelChange(at, mask, i % 8))
    ours, reference = _read(Code.DBCH02, dbch.channel_log(entries))
    assert ours.hex() == reference.hex()


SET_BODY = f"""<sr:Body xmlns:sr="{SR}"><sr:SetCHFSubGHzConfiguration>
<sr:LowerBandSubGHzChannels0To26><sr:Channel1/><sr:Channel2/></sr:LowerBandSubGHzChannels0To26>
<sr:LowerBandSubGHzChannels27To34><sr:Channel28/><sr:Channel29/></sr:LowerBandSubGHzChannels27To34>
<sr:LowerBandSubGHzChannels35To61><sr:Channel36/><sr:Channel37/></sr:LowerBandSubGHzChannels35To61>
<sr:UpperBandSubGHzChannels0To26><sr:Channel1/><sr:Channel2/></sr:UpperBandSubGHzChannels0To26>
<sr:NormalLimitedDutyCycleThreshold>1.3</sr:NormalLimitedDutyCycleThreshold>
<sr:LimitedCriticalDutyCycleThreshold>2.2</sr:LimitedCriticalDutyCycleThreshold>
<sr:MaximumSubGHzChannelChangesPerWeek>5</sr:MaximumSubGHzChannelChangesPerWeek>
<sr:GSMECurfew>7</sr:GSMECurfew>
<sr:ChannelQuieterThreshold>7</sr:ChannelQuieterThreshold>
<sr:ChannelNoisierThreshold>12</sr:ChannelNoisierThreshold>
<sr:NonGSMEPoorCommsPercentageThreshold>60.00</sr:NonGSMEPoorCommsPercentageThreshold>
<sr:NonGSMEPoorCommsMeasurementPeriods>130</sr:NonGSMEPoorCommsMeasurementPeriods>
<sr:LocalCHNoiseMeasurementPeriod>100</sr:LocalCHNoiseMeasurementPeriod>
<sr:LocalCHFailurePercentage>40.00</sr:LocalCHFailurePercentage>
<sr:LocalCHRetryPercentage>30.00</sr:LocalCHRetryPercentage>
</sr:SetCHFSubGHzConfiguration></sr:Body>"""
"""The values of the DUIS template DBCH04_6.28, which RTDS's DBCH04 command carries."""


def test_6_28_values_make_the_rtds_dbch04_command_data() -> None:
    _keys()
    command = _vector(Code.DBCH04, "COMMAND")
    ours = dbch_state.requested_configuration(xml.parse(SET_BODY.encode())).data().encode()
    content = parse_general_signing(unwrap_general_ciphering(command)[0]).content
    # the Access-Request's list of data: one datum, the configuration (its last octets)
    assert content.endswith(b"\x01" + ours)


def test_6_28_refuses_a_value_it_cannot_carry() -> None:
    body = SET_BODY.replace(">1.3<", ">1.333<")
    with pytest.raises(ValueError, match="decimals"):
        dbch_state.requested_configuration(xml.parse(body.encode()))


CHF_ID = DeviceId.parse("00-DB-12-34-56-78-90-A2")


def _ask(body: str | None, seed: int = 1) -> Ask:
    world = GbcsWorld(bytes.fromhex("17" * 32))
    device = Device(
        CHF_ID,
        DeviceType.CHF,
        DeviceModel("AB01", "010A030B", "0001", "0002012F"),
        "CHTS V1.0",
        SmiStatus.COMMISSIONED,
        AT,
    )
    rid = RequestId(UserId.parse(SUPPLIER), Eui64(CHF_ID.value), 1002)
    parsed = None if body is None else xml.parse(body.encode())
    return Ask(world, seed, rid, device, AT, CHF_ID, parsed)


def _opened(ask: Ask, frame: bytes, code: Code) -> bytes:
    """The Response's content, after checking its header and MAC."""
    parsed = parse_general_signing(unwrap_general_ciphering(frame)[0])
    h = parsed.header
    assert (h.message_code, h.recipient, h.counter) == (code, ACB_TITLE, 1002)
    assert h.supplementary_remote_party == bytes.fromhex(SUPPLIER.replace("-", ""))
    verify_general_ciphering(frame, ask.world.shared_secret(Eui64(CHF_ID.value), ACB))
    return parsed.content


def test_builders_answer_the_acb_for_the_user_from_the_emulated_state() -> None:
    log_body = (
        f'<sr:Body xmlns:sr="{SR}"><sr:ReadCHFSubGHzChannelLog><sr:ReadLogPeriod>'
        "<sr:StartDateTime>2026-10-01T00:00:00Z</sr:StartDateTime>"
        "<sr:EndDateTime>2026-11-30T00:00:00Z</sr:EndDateTime>"
        "</sr:ReadLogPeriod></sr:ReadCHFSubGHzChannelLog></sr:Body>"
    )
    ask = _ask(log_body)
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    entries = dbch_state.channel_log(1, CHF_ID, start, end, AT)
    assert entries and all(start <= e.at <= end for e in entries)
    assert entries == sorted(entries, key=lambda e: e.at)
    assert dbch.channel_log(entries).encode() in _opened(
        ask, dbch_payloads.dbch02(ask), Code.DBCH02
    )
    assert entries != dbch_state.channel_log(2, CHF_ID, start, end, AT)

    read = _ask(None)
    channel = dbch_state.operating_channel(1, CHF_ID, AT)
    latest = [e for e in dbch_state.channel_log(1, CHF_ID, AT - timedelta(days=28), AT, AT)]
    if latest:
        assert channel == latest[-1].channel
    content = _opened(read, dbch_payloads.dbch01(read), Code.DBCH01)
    assert dbch.channel_bits(channel).encode() in content
    content = _opened(read, dbch_payloads.dbch03(read), Code.DBCH03)
    assert dbch_state.DEFAULT.data().encode() in content

    set_ask = _ask(SET_BODY)
    assert _opened(set_ask, dbch_payloads.dbch04(set_ask), Code.DBCH04).endswith(b"\x01\x02\x00")
    assert _opened(read, dbch_payloads.dbch05(read), Code.DBCH05).endswith(b"\x01\x02\x00")
    with pytest.raises(ValueError, match=r"6\.28"):
        dbch_payloads.dbch04(read)


def test_the_log_holds_no_change_after_now() -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    entries = dbch_state.channel_log(
        1, CHF_ID, now - timedelta(days=40), now + timedelta(days=9), now
    )
    assert entries and max(e.at for e in entries) <= now
