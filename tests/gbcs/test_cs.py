"""The CS security Responses (gbcs/cs.py) as the gateway's table builds them (wan/cs_payloads.py),
decoded and verified by the real gbcs-parser (a separate process): MACed ones must have a
valid MAC and no signature, signed ones a valid signature and no MAC, and the decoded values
must be the device's state (the SMI's parties and their registered certificates)."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.errors import NotEncoded
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import CommandVariant, RequestId
from gbdsp.domain.srv import ServiceReferenceVariant
from gbdsp.duis.namespaces import SR
from gbdsp.duis.request import DuisRequest
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import cs_credentials
from gbdsp.wan.future_dated_alerts import actioned
from gbdsp.wan.gbcs_payloads import critical_response, gbcs_response
from tests.gbcs.conftest import Decoder, Verdict

AT = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
NETWORK_OPERATOR = UserId.parse("90-B3-D5-1F-30-02-00-00")
LOAD_CONTROLLER = UserId.parse("90-B3-D5-1F-30-01-00-08")
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


def _respond(
    world: GbcsWorld,
    srv: str,
    device: DeviceId,
    counter: int,
    body: str = "",
    state: Mapping[str, Any] | None = None,
) -> bytes:
    rid = RequestId(SUPPLIER, Eui64(device.value), counter)
    parsed = etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{body}</sr:Body>') if body else None
    answering = _device(device)
    build = gbcs_builder(srv, answering.device_type)
    held = None if state is None else (lambda: state)
    frame = gbcs_response(world, 3, build, rid, answering, AT, body=parsed, state=held)
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


def test_a_utrn_that_is_not_one_is_not_encoded_and_says_why(world: GbcsWorld) -> None:
    rid = RequestId(SUPPLIER, Eui64(GSME.value), 1)
    body = etree.fromstring(
        f'<sr:Body xmlns:sr="{SR}"><sr:TopUpDevice><sr:UTRN>00000000000000000000</sr:UTRN>'
        "</sr:TopUpDevice></sr:Body>"
    )
    top_up = gbcs_builder("2.2", DeviceType.GSME)
    with pytest.raises(NotEncoded, match="cannot carry the request's values"):
        gbcs_response(world, 3, top_up, rid, _device(GSME), AT, body=body)


# -- CS02b-e, CS02g, CS06 (wan/cs_credentials.py) -------------------------------------------


def _party_certificate(party: UserId, usage: KeyUsage) -> x509.Certificate:
    """A new remote party certificate (subject x500UniqueIdentifier, keyUsage, SKI), as a
    replacement of 6.15.1 carries one."""
    key = ec.generate_private_key(ec.SECP256R1())
    unique = x509.NameAttribute(
        NameOID.X500_UNIQUE_IDENTIFIER,
        b"\x00" + party.value.to_bytes(8, "big"),  # BIT STRING: unused bits, 64 bits
        _type=x509.name._ASN1Type.BitString,
    )
    name = x509.Name([unique])
    ds = usage is KeyUsage.DS
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(AT)
        .not_valid_after(AT + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(ds, False, False, False, not ds, False, False, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier(os.urandom(8)), False)
        .sign(key, hashes.SHA256())
    )


def _b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def _ski_of(certificate: x509.Certificate) -> str:
    digest = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return "04 08 " + digest.value.digest.hex(" ").upper()


def _request(srv: str, device: DeviceId, counter: int, body: str, cv: int = 4) -> DuisRequest:
    """A request as read_request gives it: its body is the SRV's element."""
    rid = RequestId(SUPPLIER, Eui64(device.value), counter)
    element = etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{body}</sr:Body>')[0]
    return DuisRequest(
        rid, str(rid), CommandVariant(cv), srv, ServiceReferenceVariant(srv), element, "5.4"
    )


def _krp(role: str, certificates: list[tuple[str, x509.Certificate]], extra: str = "") -> str:
    inner = "".join(f"<sr:{name}>{_b64(c)}</sr:{name}>" for name, c in certificates)
    return (
        f"<sr:UpdateSecurityCredentialsKRP>{extra}"
        f"<sr:RemotePartyRole>{role}</sr:RemotePartyRole>"
        "<sr:RemotePartyFloorSeqNumber>0</sr:RemotePartyFloorSeqNumber>"
        "<sr:RemotePartyPrepaymentTopUpFloorSeqNumber>0</sr:RemotePartyPrepaymentTopUpFloorSeqNumber>"
        "<sr:ReplacementCertificates><sr:SupplierOrNetworkOperatorCertificates>"
        f"{inner}</sr:SupplierOrNetworkOperatorCertificates></sr:ReplacementCertificates>"
        f"<sr:CertificationPathCertificates><sr:Certificate>{_b64(certificates[0][1])}"
        "</sr:Certificate></sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>false</sr:ApplyTimeBasedCPVChecks>"
        "</sr:UpdateSecurityCredentialsKRP>"
    )


def _issued(pre: bytes | None) -> IssuedCommand:
    assert pre is not None
    parsed = parse_general_signing(pre)
    return IssuedCommand(parsed.header.message_code, AT, parsed.content)


def _signed(v: Verdict) -> None:
    assert (v.ok, v.mac, v.signature) == (True, "absent", "valid"), v.raw


def test_update_security_credentials_replaces_the_supplier_trust_anchors(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    new = [
        ("DigitalSigningCertificate", _party_certificate(SUPPLIER, KeyUsage.DS)),
        ("KeyAgreementCertificate", _party_certificate(SUPPLIER, KeyUsage.KA)),
        ("KeyAgreementTopUpCertificate", _party_certificate(SUPPLIER, KeyUsage.KA)),
    ]
    request = _request("6.15.1", ESME, 40, _krp("Supplier", new))
    meter = _device(ESME)
    pre = cs_credentials.update_pre_command(request, meter, AT)
    command = _issued(pre)
    response = critical_response(world, request.request_id, meter, command, lambda: {})
    remembered = cs_credentials.trust_anchors(request.body)
    read = _respond(
        world,
        "6.24.1",
        ESME,
        41,
        "<sr:RetrieveDeviceSecurityCredentialsKRP><sr:RemotePartyRole>Supplier"
        "</sr:RemotePartyRole></sr:RetrieveDeviceSecurityCredentialsKRP>",
        state=remembered,
    )
    again = critical_response(world, request.request_id, meter, command, lambda: remembered)
    assert response is not None and again is not None
    decoded_pre, replaced, reported, second = decoder.decode(
        [pre or b"", response, read, again], [certificates, user_keys]
    )
    assert (decoded_pre.ok, decoded_pre.signature) == (True, "absent"), decoded_pre.raw
    assert decoded_pre.notes_of("Message Code") == [
        "CS02b Update Security Credentials (supplierBySupplier)"
    ]
    assert decoded_pre.notes_of("Apply Time Based CPV Checks") == ["Disapply"]
    assert decoded_pre.notes_of("Authorising Remote Party Seq Number") == ["40"]
    _signed(replaced)
    assert replaced.hex_of("Existing Subject Key ID") == [
        _ski(world, SUPPLIER, KeyUsage.DS),
        _ski(world, SUPPLIER, KeyUsage.KA),
        _ski(world, SUPPLIER, KeyUsage.KA, prepayment=True),
    ]
    assert replaced.hex_of("Replacing Subject Key ID") == [_ski_of(c) for _, c in new]
    assert replaced.hex_of("Replacing Subject Unique ID") == ["04 08 90 B3 D5 1F 30 01 00 00"] * 3
    assert replaced.notes_of("Status Code") == ["Success"] * 3
    # the device holds the new certificates: 6.24.1 reports them, the next replacement's
    # "existing" too
    _macced(reported)
    assert reported.hex_of("Subject Key Identifier") == [_ski_of(c) for _, c in new]
    assert second.hex_of("Existing Subject Key ID") == [_ski_of(c) for _, c in new]


def test_future_dated_replacement_is_accepted_then_alerts_its_outcome(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    new = [
        ("DigitalSigningCertificate", _party_certificate(LOAD_CONTROLLER, KeyUsage.DS)),
        ("KeyAgreementCertificate", _party_certificate(LOAD_CONTROLLER, KeyUsage.KA)),
    ]
    later = AT + timedelta(days=30)
    extra = f"<sr:ExecutionDateTime>{later.isoformat()}</sr:ExecutionDateTime>"
    request = _request("6.15.1", ESME, 50, _krp("LoadController", new, extra))
    meter = _device(ESME)
    command = _issued(cs_credentials.update_pre_command(request, meter, AT))
    accepted = critical_response(world, request.request_id, meter, command, lambda: {})
    alerts = actioned(world, meter, request.request_id, command, later, {})
    assert accepted is not None and alerts is not None and len(alerts) == 1
    acceptance, alert = decoder.decode([accepted, alerts[0]], [certificates, user_keys])
    _signed(acceptance)
    assert acceptance.hex_of("Payload") == ["30 02 05 00"]  # CS02g: not parsed, the NULL alone
    _signed(alert)
    assert alert.notes_of("Message Code") == [""]  # 0x0124: gbcs-parser names no CS02g alert
    payload = alert.hex_of("Payload")[0]
    assert payload.startswith("30")
    assert "02 03 00 8F 66 18 0F " + later.strftime("%Y%m%d%H%M%SZ").encode().hex(" ").upper() in (
        payload
    )
    assert _ski_of(new[0][1])[6:] in payload  # the replacing key identifier


def test_device_credentials_are_the_devices_own(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    meter = _device(ESME)
    eui = Eui64(ESME.value)
    ds = "<sr:CredentialType>Digital Signature</sr:CredentialType>"
    ka = "<sr:CredentialType>Key Agreement</sr:CredentialType>"
    issue = _request(
        "6.17", ESME, 60, f"<sr:IssueSecurityCredentials>{ka}</sr:IssueSecurityCredentials>"
    )
    provide = _request(
        "6.24.2",
        ESME,
        61,
        f"<sr:RetrieveDeviceSecurityCredentialsDevice>{ds}</sr:RetrieveDeviceSecurityCredentialsDevice>",
    )
    own = _b64(world.device_certificate(eui, KeyUsage.DS))
    other = _b64(world.device_certificate(Eui64(GSME.value), KeyUsage.DS))
    updates = [
        _request(
            "6.15.2",
            ESME,
            62 + i,
            f"<sr:UpdateSecurityCredentialsDevice><sr:DeviceCertificate>{c}"
            "</sr:DeviceCertificate></sr:UpdateSecurityCredentialsDevice>",
        )
        for i, c in enumerate((own, other))
    ]
    frames = [
        critical_response(world, r.request_id, meter, _issued(build(r, meter, AT)), lambda: {})
        for r, build in (
            (issue, cs_credentials.issue_pre_command),
            (provide, cs_credentials.provide_pre_command),
            (updates[0], cs_credentials.certificate_pre_command),
            (updates[1], cs_credentials.certificate_pre_command),
        )
    ]
    assert all(f is not None for f in frames)
    csr, certificate, accepted, refused = decoder.decode(
        [f or b"" for f in frames], [certificates, user_keys]
    )
    for v in (csr, certificate, accepted, refused):
        _signed(v)
    request = x509.load_der_x509_csr(bytes.fromhex(csr.hex_of("Certification Request")[0]))
    assert request.is_signature_valid
    assert request.public_key() == world.device_keys(eui).ka.public_key()
    held = bytes.fromhex(certificate.hex_of("Certificate")[0])
    assert held == world.device_certificate(eui, KeyUsage.DS).public_bytes(
        serialization.Encoding.DER
    )
    assert accepted.notes_of("Response Code") == ["Success"]
    assert refused.notes_of("Response Code") == ["Wrong Device Identity"]


def test_activate_firmware_reports_the_version_it_runs(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    meter = _device(GSME)
    hash_ = "AA" * 32
    later = AT + timedelta(days=3)
    now = _request(
        "11.3",
        GSME,
        70,
        f"<sr:ActivateFirmware><sr:FirmwareHash>{hash_}</sr:FirmwareHash></sr:ActivateFirmware>",
    )
    held = _request(
        "11.3",
        GSME,
        71,
        f"<sr:ActivateFirmware><sr:ExecutionDateTime>{later.isoformat()}</sr:ExecutionDateTime>"
        f"<sr:FirmwareHash>{hash_}</sr:FirmwareHash></sr:ActivateFirmware>",
    )
    immediate = _issued(cs_credentials.firmware_pre_command(now, meter, AT))
    future = _issued(cs_credentials.firmware_pre_command(held, meter, AT))
    frames = [
        critical_response(world, now.request_id, meter, immediate, lambda: {}),
        critical_response(world, held.request_id, meter, future, lambda: {}),
        *(actioned(world, meter, held.request_id, future, later, {}) or []),
    ]
    assert len(frames) == 3 and all(f is not None for f in frames)
    done, accepted, alert = decoder.decode([f or b"" for f in frames], [certificates, user_keys])
    for v in (done, accepted, alert):
        _signed(v)
    assert done.notes_of("Message Code") == ["CS06 Activate Firmware"]
    assert done.notes_of("Response Code") == ["Success"]
    assert done.hex_of("Firmware Version") == ["04 04 00 02 01 2F"]  # MODEL's version
    assert accepted.hex_of("Command Accepted") == ["05 00"]
    assert alert.notes_of("Message Code") == ["Futured Dated Firmware Activation Alert"]
    assert alert.notes_of("Originator Counter")[-1] == "71"
    assert alert.notes_of("Execution Date Time") == [later.strftime("%Y-%m-%d %H:%M:%S Z")]
    assert alert.hex_of("Firmware Version") == ["04 04 00 02 01 2F"]


def test_the_dccs_change_of_supplier_replacement_answers_the_transcos(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    gaining = UserId.parse("90-B3-D5-1F-30-03-00-00")
    new = [_party_certificate(gaining, u) for u in (KeyUsage.DS, KeyUsage.KA, KeyUsage.KA)]
    body = (
        "<sr:UpdateSecurityCredentialsCoS>"
        "<sr:SupplierFloorSeqNumber>0</sr:SupplierFloorSeqNumber>"
        "<sr:SupplierReplacementCertificates>"
        f"<sr:DigitalSigningCertificate>{_b64(new[0])}</sr:DigitalSigningCertificate>"
        f"<sr:KeyAgreementCertificate>{_b64(new[1])}</sr:KeyAgreementCertificate>"
        f"<sr:KeyAgreementTopUpCertificate>{_b64(new[2])}</sr:KeyAgreementTopUpCertificate>"
        "</sr:SupplierReplacementCertificates><sr:CertificationPathCertificates>"
        f"<sr:Certificate>{_b64(new[0])}</sr:Certificate></sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>true</sr:ApplyTimeBasedCPVChecks>"
        "<sr:ImportMPxN>1312345678333</sr:ImportMPxN></sr:UpdateSecurityCredentialsCoS>"
    )
    (response,) = decoder.decode(
        [_respond(world, "6.23", ESME, 80, body)], [certificates, user_keys]
    )
    _signed(response)
    assert response.hex_of("Recipient System Title") == ["08 90 B3 D5 1F 30 00 00 04"]
    assert response.notes_of("Credentials Replacement Mode") == ["Supplier by TransCoS"]
    assert response.hex_of("Existing Subject Unique ID") == ["04 08 90 B3 D5 1F 30 01 00 00"] * 3
    assert response.hex_of("Replacing Subject Unique ID") == ["04 08 90 B3 D5 1F 30 03 00 00"] * 3
    assert response.hex_of("Replacing Subject Key ID") == [_ski_of(c) for c in new]
