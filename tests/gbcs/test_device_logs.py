"""The device log and join use cases (gbcs/chf.py CCS04/CCS06/CCS07, gbcs/cs.py CS07, GCS59,
CS03A1/A2/C, CS04AC) against the RTDS 4.5.0 vectors: for the RTDS inputs (its counters,
devices, values, read back from the vector at test time and never copied), our MACed
Responses are byte-identical to RTDS's, MAC included; the pre-commands are byte-identical;
the device-signed Responses are identical up to the signature, which verifies with our key.
Then the builders (wan/cs_payloads.py, wan/chf_payloads.py) from an SMI device log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gbcs import chf, cs
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.frames import read_length, unwrap_general_ciphering
from gbdsp.gbcs.parse import SignedApdu, parse_general_signing, verify_general_ciphering
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import chf_payloads, cs_payloads
from gbdsp.wan.gbcs_ask import Ask
from tests.gbcs.test_parse import RTDS, _keys, _secrets

VECTORS = RTDS / "RTDS-4.5.0"
KEY = ec.generate_private_key(ec.SECP256R1())


def _vector(directory: str, kind: str = "SUCCESS_RESPONSE") -> bytes:
    srv, use_case = directory.split("_")
    path = VECTORS / directory / f"{use_case}_{srv}_{kind}_GBCS.HEX"
    return bytes.fromhex("".join(path.read_text().split()))


def _z(frame: bytes, originator: bytes, recipient: bytes) -> bytes:
    for z in _secrets(_keys(), originator.hex(), recipient.hex()):
        try:
            verify_general_ciphering(frame, z)
        except ValueError:
            continue
        return z
    raise AssertionError("no RTDS key verifies the vector's MAC")


def _macd(reference: bytes) -> tuple[SignedApdu, bytes]:
    parsed = parse_general_signing(unwrap_general_ciphering(reference)[0])
    h = parsed.header
    return parsed, _z(reference, h.originator, h.recipient)


# -- A-XDR and DER read back from the vectors (test helpers) ---------------------------------


def _axdr(data: bytes, at: int) -> tuple[Any, int]:
    tag = data[at]
    if tag in (0x01, 0x02):  # array, structure
        items: list[Any] = []
        at += 2
        for _ in range(data[at - 1]):
            item, at = _axdr(data, at)
            items.append(item)
        return items, at
    if tag == 0x09:
        size = data[at + 1]
        return data[at + 2 : at + 2 + size], at + 2 + size
    if tag == 0x04:  # bit-string of 8 bits
        return data[at + 2], at + 3
    if tag == 0x0F:
        return int.from_bytes(data[at + 1 : at + 2], "big", signed=True), at + 2
    if tag == 0x11:
        return data[at + 1], at + 2
    raise AssertionError(f"A-XDR tag {tag:02x}")


def _instant(octets: bytes) -> datetime:
    year = int.from_bytes(octets[:2], "big")
    return datetime(year, octets[2], octets[3], octets[5], octets[6], octets[7], tzinfo=UTC)


def _der(data: bytes) -> list[tuple[int, bytes]]:
    items, at = [], 0
    while at < len(data):
        size, used = read_length(data, at + 1)
        items.append((data[at], data[at + 1 + used : at + 1 + used + size]))
        at += 1 + used + size
    return items


def cs_sequence(contents: bytes) -> bytes:
    """A SEQUENCE of these contents (to read one entry as a SEQUENCE OF)."""
    return b"\x30" + bytes([len(contents)]) + contents


def _entries(sequence_of: bytes) -> list[cs.DeviceLogEntry]:
    found = []
    for _, entry in _der(sequence_of):
        (_, device), (_, kind) = _der(entry)
        found.append(cs.DeviceLogEntry(device, int.from_bytes(kind, "big")))
    return found


# -- CHF: CCS04, CCS06, CCS07 -----------------------------------------------------------------


@pytest.mark.parametrize("directory", ["8.9_CCS05CCS04", "8.9_CCS06"])
def test_active_devices_match_rtds(directory: str) -> None:
    reference = _vector(directory)
    parsed, z = _macd(reference)
    h = parsed.header
    assert h.supplementary_remote_party is not None and h.supplementary_counter is not None
    rows, _ = _axdr(parsed.content, 8)  # after DA 20, invoke id, 00 00, 1 datum
    devices = [
        chf.ActiveDevice(r[0], r[1], (r[2], r[3], r[4]), (r[5], r[6], r[7]), _instant(r[8]), *r[9:])
        for r in rows
    ]
    ours = chf.active_devices(
        Exchange(h.originator, h.recipient, h.counter, z),
        chf.ChfCode(h.message_code),
        devices,
        remote_party=h.supplementary_remote_party,
        remote_counter=h.supplementary_counter,
    )
    assert ours.hex() == reference.hex()


def test_device_logs_match_rtds() -> None:
    reference = _vector("8.9_CCS07")
    parsed, z = _macd(reference)
    h = parsed.header
    assert h.supplementary_remote_party is not None and h.supplementary_counter is not None
    backups, at = [], 8
    for _ in range(parsed.content[7]):
        (when, pan, devices), at = _axdr(parsed.content, at)
        backups.append(chf.PanBackup(_instant(when), pan, [tuple(d) for d in devices]))
    ours = chf.device_logs(
        Exchange(h.originator, h.recipient, h.counter, z),
        backups,
        remote_party=h.supplementary_remote_party,
        remote_counter=h.supplementary_counter,
    )
    assert ours.hex() == reference.hex()


# -- CS07, GCS59 ----------------------------------------------------------------------------


def test_join_details_and_gpf_log_restored_match_rtds() -> None:
    for directory in ("8.9_CS07", "8.12.2_GCS59"):
        reference = _vector(directory)
        parsed, z = _macd(reference)
        h = parsed.header
        route = cs.Route(h.originator, h.recipient, h.counter, z=z)
        ((_, body),) = _der(parsed.content)
        if h.message_code == MessageCode.CS07:
            (_, code), (_, entries) = _der(body)
            assert code == b"\x00"
            ours = cs.join_details(route, _entries(entries))
        else:
            ((_, outcomes),) = _der(body)
            restored = []
            for _, outcome in _der(outcomes):
                (_, entry), (_, result) = _der(outcome)
                assert result == b"\x00"
                restored += _entries(cs_sequence(entry))
            ours = cs.gpf_log_restored(route, restored)
        assert ours.hex() == reference.hex(), directory


# -- the joins: pre-commands byte-identical, Responses up to the signature -----------------


CRITICAL = ["8.7.1_CS03A1", "8.7.1_CS03A2Critical", "8.7.1_CS03CCritical", "8.8.1_CS04ACCritical"]


def _join_content(content: bytes) -> bytes:
    """Our Join or Unjoin Device Command for the vector's values (method, entity, type, and
    the certificate the vector carries)."""
    ((tag, body),) = _der(content)
    if tag == 0x04:
        return cs.unjoin_command(body)
    (_, method), (_, entity), (_, kind), *certificate = _der(body)
    der = None
    if certificate:
        der = body[len(body) - len(certificate[0][1]) - 4 :]
        assert der[:2] == b"\x30\x82"
    return cs.join_command(method[0], entity, kind[0], der)


@pytest.mark.parametrize("directory", CRITICAL)
def test_join_pre_commands_match_rtds(directory: str) -> None:
    reference = _vector(directory, "SUCCESS_PRECOMMAND")
    parsed = parse_general_signing(reference + b"\x00")  # a pre-command has no signature
    h = parsed.header
    content = _join_content(parsed.content)
    ours = cs.pre_command(
        h.originator, h.recipient, h.counter, MessageCode(h.message_code), content
    )
    assert ours.hex() == reference.hex()
    entity = _der(parsed.content)[0][1]
    if h.message_code != MessageCode.CS04AC:
        entity = _der(entity)[1][1]
    assert cs.entity_of(parsed.content) == entity


@pytest.mark.parametrize(
    "directory", [*CRITICAL, "8.7.2_CS03A2NonCritical", "8.7.2_CS03CNonCritical"]
)
def test_join_responses_match_rtds_up_to_the_signature(directory: str) -> None:
    reference = parse_general_signing(_vector(directory))
    h = reference.header
    route = cs.Route(
        h.originator,
        h.recipient,
        h.counter,
        signer=KEY,
        remote_party=h.supplementary_remote_party,
        remote_counter=h.supplementary_counter,
    )
    ours = parse_general_signing(cs.joined(route, MessageCode(h.message_code)))
    assert ours.signed_part == reference.signed_part
    assert ours.signature_valid(KEY.public_key())


def test_entity_of_refuses_what_is_no_join_command() -> None:
    with pytest.raises(InvalidValue):
        cs.entity_of(b"\x02\x01\x00")
    with pytest.raises(InvalidValue):
        cs.entity_of(b"\x30\x05\x02\x01\x00\x02\x01")


# -- the builders, from the SMI's device log ------------------------------------------------

AT = datetime(2026, 12, 1, 10, 30, 17, tzinfo=UTC)
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
WORLD = GbcsWorld(bytes.fromhex("17" * 32))


def _device(octet: int, kind: DeviceType) -> Device:
    status = SmiStatus.COMMISSIONED if kind.has_smi_status else None
    return Device(DeviceId(0x00DB_1234_5678_9000 | octet), kind, MODEL, "SMETS V1.58", status, AT)


def _ask(device: Device, log: list[Device], body: str = "") -> Ask:
    rid = RequestId(SUPPLIER, Eui64(device.device_id.value), 1002)
    parsed = xml.parse(f'<sr:Body xmlns:sr="{SR}">{body}</sr:Body>'.encode())
    return Ask(WORLD, 7, rid, device, AT, device.device_id, parsed, log=lambda: log)


def _title(device: Device) -> bytes:
    return device.device_id.value.to_bytes(8, "big")


def test_cs07_lists_the_devices_joined_to_the_meter_with_their_gbcs_types() -> None:
    gsme = _device(0xA1, DeviceType.GSME)
    log = [_device(0xA3, DeviceType.GPF), _device(0x98, DeviceType.PPMID)]
    frame = cs_payloads.join_details(_ask(gsme, log))
    parsed = parse_general_signing(unwrap_general_ciphering(frame)[0])
    verify_general_ciphering(frame, WORLD.shared_secret(Eui64(gsme.device_id.value), SUPPLIER))
    ((_, body),) = _der(parsed.content)
    assert _entries(_der(body)[1][1]) == [
        cs.DeviceLogEntry(_title(log[0]), cs.HanDeviceType.GPF),
        cs.DeviceLogEntry(_title(log[1]), cs.HanDeviceType.PPMID),
    ]
    with pytest.raises(InvalidValue, match="SAPC"):
        cs_payloads.join_details(_ask(gsme, [_device(0xA6, DeviceType.SAPC)]))


def test_ccs06_and_ccs07_read_the_chf_device_log() -> None:
    hub = _device(0xA2, DeviceType.CHF)
    log = [_device(0xA0, DeviceType.ESME), _device(0xA1, DeviceType.GSME)]
    eui = Eui64(hub.device_id.value)
    frame = chf_payloads.read_device_log(_ask(hub, log))
    verify_general_ciphering(frame, WORLD.shared_secret(eui, ACB))
    parsed = parse_general_signing(unwrap_general_ciphering(frame)[0])
    assert parsed.header.message_code == chf.ChfCode.CCS06
    rows, _ = _axdr(parsed.content, 8)
    assert [r[0] for r in rows] == [_title(d) for d in log]
    for r in rows:
        assert r[2] >= r[3] >= r[4] and r[5] >= r[6] >= r[7]  # max >= average >= min
        assert _instant(r[8]) == AT.replace(second=0)
    frame = chf_payloads.read_device_log(_ask(hub, log, "<sr:ReadSecurityDetails/>"))
    parsed = parse_general_signing(unwrap_general_ciphering(frame)[0])
    assert parsed.header.message_code == chf.ChfCode.CCS07
    (when, pan, devices), at = _axdr(parsed.content, 8)
    assert (_instant(when), pan) == (AT.replace(microsecond=0), _title(hub))
    assert [d[0] for d in devices] == [_title(d) for d in log]
    assert all(len(d[1]) == 16 for d in devices) and devices[0][1] != devices[1][1]
    (_, _, historic), _ = _axdr(parsed.content, at)
    assert historic == []


@pytest.mark.parametrize(
    ("kind", "other", "code", "method"),
    [
        (DeviceType.ESME, DeviceType.PPMID, MessageCode.CS03A1, cs.JoinMethod.A_INITIATOR),
        (DeviceType.HCALCS, DeviceType.ESME, MessageCode.CS03A2, cs.JoinMethod.A_RESPONDER),
        (DeviceType.GSME, DeviceType.PPMID, MessageCode.CS03C, cs.JoinMethod.C),
        (DeviceType.PPMID, DeviceType.GSME, MessageCode.CS03C, cs.JoinMethod.C),
    ],
)
def test_join_pre_command_follows_the_other_device(
    kind: DeviceType, other: DeviceType, code: MessageCode, method: int
) -> None:
    device, partner = _device(0xA0, kind), _device(0x98, other)
    rid = RequestId(SUPPLIER, Eui64(device.device_id.value), 1004)
    pre = cs_payloads.join_pre_command(
        cs_payloads.Pairing(WORLD, rid, device, partner.device_id, partner)
    )
    parsed = parse_general_signing(pre + b"\x00")
    assert (parsed.header.message_code, parsed.header.counter) == (code, 1004)
    items = _der(_der(parsed.content)[0][1])
    assert items[0][1] == bytes([method]) and items[1][1] == _title(partner)
    if method == cs.JoinMethod.C:  # the other device's KA certificate, from the test world
        from cryptography.hazmat.primitives import serialization

        from gbdsp.gbcs.keys import KeyUsage

        ka = WORLD.device_certificate(Eui64(partner.device_id.value), KeyUsage.KA)
        assert pre.endswith(ka.public_bytes(serialization.Encoding.DER))
    else:
        assert len(items) == 3
    # the non-critical 8.7.2 Response of a PPMID or HCALCS names the same use case
    if kind in (DeviceType.PPMID, DeviceType.HCALCS):
        body = f"<sr:OtherDeviceID>{partner.device_id}</sr:OtherDeviceID>"
        frame = cs_payloads.join(_ask(device, [partner], body))
        assert parse_general_signing(frame).header.message_code == code


def test_no_method_a_or_c_join_of_two_meters() -> None:
    esme, gsme = _device(0xA0, DeviceType.ESME), _device(0xA1, DeviceType.GSME)
    rid = RequestId(SUPPLIER, Eui64(esme.device_id.value), 1)
    with pytest.raises(InvalidValue):
        cs_payloads.join_pre_command(cs_payloads.Pairing(WORLD, rid, esme, gsme.device_id, gsme))
    with pytest.raises(InvalidValue, match="not in the SMI"):
        cs_payloads.join_pre_command(cs_payloads.Pairing(WORLD, rid, esme, gsme.device_id, None))
