"""The CHF's device log Responses (gbcs/chf.py, wan/chf_payloads.py) against the RTDS 4.5.0
vectors: for the RTDS inputs (its counters, CHF, ACB and User) and the RTDS keystore's KA
keys, our Response is byte-identical to RTDS's, MAC included. The vectors are read from
../shared at test time, never copied."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gbcs import chf
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.parse import parse_general_signing, verify_general_ciphering
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.chf_payloads import ccs01_ccs02
from gbdsp.wan.gbcs_ask import Ask
from tests.duis_support import SUPPLIER
from tests.gbcs.test_parse import RTDS, _keys, _secrets

AT = datetime(2026, 12, 1, tzinfo=UTC)
ACB_TITLE = ACB.value.to_bytes(8, "big")

CASES = {
    chf.ChfCode.CCS01: "8.11_CCS01",
    chf.ChfCode.CCS02: "8.11_CCS02",
    chf.ChfCode.CCS03: "8.12.1_CCS03",
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_device_log_responses_match_rtds(code: chf.ChfCode) -> None:
    keys = _keys()
    directory = CASES[code]
    srv, use_case = directory.split("_")
    path = RTDS / "RTDS-4.5.0" / directory / f"{use_case}_{srv}_SUCCESS_RESPONSE_GBCS.HEX"
    reference = bytes.fromhex("".join(path.read_text().split()))
    h = parse_general_signing(unwrap_general_ciphering(reference)[0]).header
    assert h.supplementary_remote_party is not None and h.supplementary_counter is not None
    (z,) = [
        z for z in _secrets(keys, h.originator.hex(), h.recipient.hex()) if _verifies(reference, z)
    ][:1]
    ours = chf.device_log_response(
        Exchange(h.originator, h.recipient, h.counter, z),
        code,
        remote_party=h.supplementary_remote_party,
        remote_counter=h.supplementary_counter,
    )
    assert ours.hex() == reference.hex()


def _verifies(frame: bytes, z: bytes) -> bool:
    try:
        verify_general_ciphering(frame, z)
    except ValueError:
        return False
    return True


def test_8_11_answers_add_with_ccs01_remove_with_ccs02_and_refuses_others() -> None:
    world = GbcsWorld(bytes.fromhex("17" * 32))
    chf_id = DeviceId.parse("00-DB-12-34-56-78-90-A2")
    device = Device(
        chf_id,
        DeviceType.CHF,
        DeviceModel("AB01", "010A030B", "0001", "0002012F"),
        "CHTS V1.0",
        SmiStatus.COMMISSIONED,
        AT,
    )
    rid = RequestId(UserId.parse(SUPPLIER), Eui64(chf_id.value), 1002)
    for request_type, code in (("Add", chf.ChfCode.CCS01), ("Remove", chf.ChfCode.CCS02)):
        body = xml.parse(
            f'<sr:Body xmlns:sr="{SR}"><sr:UpdateHANDeviceLog>'
            f"<sr:RequestType>{request_type}</sr:RequestType>"
            "</sr:UpdateHANDeviceLog></sr:Body>".encode()
        )
        frame = ccs01_ccs02(Ask(world, 1, rid, device, AT, chf_id, body))
        h = parse_general_signing(unwrap_general_ciphering(frame)[0]).header
        assert (h.message_code, h.recipient, h.counter) == (code, ACB_TITLE, 1002)
        assert h.supplementary_remote_party == bytes.fromhex(SUPPLIER.replace("-", ""))
        verify_general_ciphering(frame, world.shared_secret(Eui64(chf_id.value), ACB))
    body = xml.parse(
        f'<sr:Body xmlns:sr="{SR}"><sr:UpdateHANDeviceLog><sr:RequestType>Replace'
        "</sr:RequestType></sr:UpdateHANDeviceLog></sr:Body>".encode()
    )
    with pytest.raises(ValueError, match="RequestType"):
        ccs01_ccs02(Ask(world, 1, rid, device, AT, chf_id, body))
