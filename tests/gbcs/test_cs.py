"""The CS security Responses (gbcs/cs.py) as the gateway's table builds them (wan/cs_payloads.py),
decoded and verified by the real gbcs-parser (a separate process): MACed ones must have a
valid MAC and no signature, signed ones a valid signature and no MAC, and the decoded values
must be the device's state (the SMI's parties and their registered certificates)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.gbcs_payloads import gbcs_response
from tests.gbcs.conftest import Decoder, Verdict

AT = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR = UserId.parse("90-B3-D5-1F-30-02-00-00")
ESME = DeviceId.parse("00-DB-12-34-56-78-90-A0")
GSME = DeviceId.parse("00-DB-12-34-56-78-90-A1")
PPMID = DeviceId.parse("00-DB-12-34-56-78-90-A4")
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
TYPES = {ESME: DeviceType.ESME, GSME: DeviceType.GSME, PPMID: DeviceType.PPMID}


def _device(device_id: DeviceId) -> Device:
    return Device(
        device_id,
        TYPES[device_id],
        MODEL,
        "SMETS V1.58",
        SmiStatus.COMMISSIONED,
        AT,
        responsible_supplier=SUPPLIER,
        network_operator=NETWORK_OPERATOR,
    )


@pytest.fixture(scope="module")
def world() -> GbcsWorld:
    return GbcsWorld(bytes.fromhex("2d" * 32))


@pytest.fixture
def certificates(world: GbcsWorld, tmp_path: Path) -> Path:
    directory = tmp_path / "certs"
    directory.mkdir()
    for device in TYPES:
        for usage in KeyUsage:
            pem = world.device_certificate(Eui64(device.value), usage).public_bytes(
                serialization.Encoding.PEM
            )
            (directory / f"{device.value:016x}-{usage.value}.pem").write_bytes(pem)
    return directory


def _respond(world: GbcsWorld, srv: str, device: DeviceId, counter: int, body: str = "") -> bytes:
    rid = RequestId(SUPPLIER, Eui64(device.value), counter)
    parsed = etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{body}</sr:Body>') if body else None
    answering = _device(device)
    build = gbcs_builder(srv, answering.device_type)
    frame = gbcs_response(world, 3, build, rid, answering, AT, body=parsed)
    assert frame is not None, srv
    return frame


def _ski(world: GbcsWorld, party: UserId, usage: KeyUsage, prepayment: bool = False) -> str:
    certificate = world.party_certificate(Eui64(party.value), usage, prepayment=prepayment)
    assert certificate is not None
    digest = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return "04 08 " + digest.value.digest.hex(" ").upper()


def _macced(v: Verdict) -> None:
    assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw


def test_security_credentials_are_the_smi_parties_trust_anchors(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    roles = "".join(
        f"<sr:RemotePartyRole>{r}</sr:RemotePartyRole>"
        for r in ("Supplier", "NetworkOperator", "LoadController")
    )
    plain = "<sr:RemotePartyRole>Supplier</sr:RemotePartyRole>"
    asked, supplier_only = decoder.decode(
        [
            _respond(
                world,
                "6.24.1",
                ESME,
                10,
                f"<sr:RetrieveDeviceSecurityCredentialsKRP>{roles}"
                "</sr:RetrieveDeviceSecurityCredentialsKRP>",
            ),
            _respond(
                world,
                "6.24.1",
                GSME,
                11,
                f"<sr:RetrieveDeviceSecurityCredentialsKRP>{plain}"
                "</sr:RetrieveDeviceSecurityCredentialsKRP>",
            ),
        ],
        [certificates, user_keys],
    )
    _macced(asked)
    _macced(supplier_only)
    assert asked.hex_of("Recipient System Title") == [
        "08 " + ACB.value.to_bytes(8).hex(" ").upper()
    ]
    # asked for the Load Controller: CS02f, which gbcs-parser shows undecoded
    assert asked.notes_of("Message Code") == [""]
    payload = asked.hex_of("Payload")[0].replace(" ", "").lower()
    for party, usage in ((SUPPLIER, KeyUsage.DS), (NETWORK_OPERATOR, KeyUsage.KA)):
        assert _ski(world, party, usage).replace(" ", "").lower() in payload
    assert "020108" + "0a0119" in payload  # Load Controller: trust anchor not found
    assert supplier_only.notes_of("Message Code") == ["CS02a Provide Security Credentials Details"]
    assert supplier_only.notes_of("Remote Party Role") == ["Supplier"]
    assert supplier_only.hex_of("Subject Unique ID") == ["04 08 90 B3 D5 1F 30 01 00 00"] * 3
    assert supplier_only.hex_of("Subject Key Identifier") == [
        _ski(world, SUPPLIER, KeyUsage.DS),
        _ski(world, SUPPLIER, KeyUsage.KA),
        _ski(world, SUPPLIER, KeyUsage.KA, prepayment=True),
    ]
    assert supplier_only.notes_of("Cell Usage")[-1] == "Prepayment Top Up"


def test_joins_unjoins_and_event_logs(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    join, unjoin, ppmid_unjoin, events, security, cleared = decoder.decode(
        [
            _respond(world, "8.7.2", GSME, 1),
            _respond(world, "8.8.2", ESME, 2),
            _respond(world, "8.8.2", PPMID, 3),
            _respond(world, "6.13", GSME, 4),
            _respond(
                world,
                "6.13",
                GSME,
                5,
                "<sr:ReadEventOrSecurityLog><sr:LogToRead>Security</sr:LogToRead>"
                "</sr:ReadEventOrSecurityLog>",
            ),
            _respond(world, "3.3", GSME, 6),
        ],
        [certificates, user_keys],
    )
    for v in (join, unjoin, events, security, cleared):
        _macced(v)
    assert join.notes_of("Message Code") == ["CS03B Method B Join"]
    assert join.notes_of("Response Code") == ["Success"]
    assert unjoin.notes_of("Message Code") == ["CS04B Method B Unjoin"]
    # the PPMID answers through the ACB, signed with its DS key, naming the User
    assert (ppmid_unjoin.ok, ppmid_unjoin.mac, ppmid_unjoin.signature) == (
        True,
        "absent",
        "valid",
    ), ppmid_unjoin.raw
    assert ppmid_unjoin.hex_of("Supplementary Remote Party ID") == ["90 B3 D5 1F 30 01 00 00"]
    assert ppmid_unjoin.notes_of("Response Code") == ["Success"]
    assert "CS10a" in events.notes_of("Message Code")[0]
    assert "CS10b" in security.notes_of("Message Code")[0]
    assert events.notes_of("Number of Events") == ["0"]
    assert cleared.notes_of("Cleared Event Logs") == ["0x08"]


def test_a_signed_response_changed_after_signing_fails(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    frame = bytearray(_respond(world, "8.8.2", PPMID, 9))
    frame[-66] ^= 0x01  # the response code, inside the signed part
    (v,) = decoder.decode([bytes(frame)], [certificates, user_keys])
    assert v.signature == "invalid" or not v.ok, v.raw


def _utrn(value: int, pounds: bool, counter: int = 6) -> str:
    """A UTRN of this value (GBCS 14.3.4: PTUT high word = counter, value class, value); the
    MAC word and the check digit are not checked by the emulator."""
    high = counter << 15 | int(pounds) << 13 | value
    return str(7_394_156_990_786_306_048 + (high << 32 | 0x1234_5678)) + "0"


def test_top_ups_apply_the_utrn_value(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    from gbdsp.wan import gas_meter

    gas, electricity = decoder.decode(
        [
            _respond(
                world,
                "2.2",
                GSME,
                20,
                f"<sr:TopUpDevice><sr:UTRN>{_utrn(25, pounds=True)}</sr:UTRN></sr:TopUpDevice>",
            ),
            _respond(
                world,
                "2.2",
                ESME,
                21,
                f"<sr:TopUpDevice><sr:UTRN>{_utrn(1250, pounds=False)}</sr:UTRN></sr:TopUpDevice>",
            ),
        ],
        [certificates, user_keys],
    )
    _macced(gas)
    _macced(electricity)
    assert gas.notes_of("Top Up Value") == ["2500000"]  # GBP 25 in 1/100000
    credit = gas_meter.prepayment(3, GSME).credit + 2_500_000
    assert gas.notes_of("Credit Remaining") == [str(credit)]
    assert gas.hex_of("Date Time") == ["0C 07 EA 05 02 FF 08 00 00 00 80 00 FF"]
    assert electricity.notes_of("Message Code") == ["CS01a Apply Prepayment Top Up to an ESME"]
    assert electricity.notes_of("Action Result") == ["Success"]


def test_a_utrn_that_is_not_one_keeps_the_stand_in(world: GbcsWorld) -> None:
    rid = RequestId(SUPPLIER, Eui64(GSME.value), 1)
    body = etree.fromstring(
        f'<sr:Body xmlns:sr="{SR}"><sr:TopUpDevice><sr:UTRN>00000000000000000000</sr:UTRN>'
        "</sr:TopUpDevice></sr:Body>"
    )
    top_up = gbcs_builder("2.2", DeviceType.GSME)
    assert gbcs_response(world, 3, top_up, rid, _device(GSME), AT, body=body) is None
