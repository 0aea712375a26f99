"""The CS security commands of wan/cs_credentials.py against the RTDS 4.5.0 vectors: for the
RTDS inputs (its counter, User, meter, certificates, floors and times, put in a DUIS body),
the pre-command is byte-identical to RTDS's, and the Response identical up to its signature
(the device holding, before, what RTDS's device held).

The vectors are read from ../shared at test time, never copied (skipped without them unless
GBDSP_CONFORMANCE=required)."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import CommandVariant, RequestId
from gbdsp.domain.srv import ServiceReferenceVariant
from gbdsp.duis.namespaces import SR
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs import cs
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan import cs_credentials
from gbdsp.wan.gbcs_ask import Ask
from tests.gbcs.conftest import MODE, TOOLS, _unavailable

RTDS = TOOLS / "gbcs-parser" / "test" / "rtds" / "RTDS-4.5.0"
RTDS_TIME = datetime(2015, 1, 1, tzinfo=UTC)
"""The RTDS Responses' device date-time."""
WORLD = GbcsWorld(bytes.fromhex("3c" * 32))
ROLES = {
    cs.ReplacementMode.SUPPLIER_BY_SUPPLIER: "Supplier",
    cs.ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: "NetworkOperator",
    cs.ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER: "LoadController",
}
NAMES = {
    (False, False): "DigitalSigningCertificate",
    (True, False): "KeyAgreementCertificate",
    (True, True): "KeyAgreementTopUpCertificate",
}
UPDATES = [
    ("6.15.1_CS02bSupplierBySupplier", "IMMEDIATE_SUCCESS"),
    ("6.15.1_CS02bSupplierBySupplier", "FUTURE_DATED_SUCCESS"),
    ("6.15.1_CS02bSupplierBySupplier", "CANCELLATION_SUCCESS"),
    ("6.15.1_CS02bNOByNO", "SUCCESS"),
    ("6.15.1_CS02gLoadControllerBySupplier", "IMMEDIATE_SUCCESS"),
    ("6.15.1_CS02gLoadControllerBySupplier", "FUTURE_DATED_SUCCESS"),
    ("6.15.1_CS02gLoadControllerBySupplier", "CANCELLATION_SUCCESS"),
]


def _vector(directory: str, kind: str) -> bytes:
    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    found = sorted((RTDS / directory).glob(f"*_{kind}_GBCS.HEX"))
    if not found:
        _unavailable(f"no RTDS vector {directory} {kind} under {RTDS}")
    return bytes.fromhex("".join(found[0].read_text().split()))


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def _when(at: datetime | None) -> str:
    """The DUIS ExecutionDateTime that gives the command's time (9999: a cancellation)."""
    if at is None:
        return ""
    if at.year == 9999:
        return "<sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>"
    return f"<sr:ExecutionDateTime>{at.isoformat().replace('+00:00', 'Z')}</sr:ExecutionDateTime>"


def _krp_body(update: cs.CredentialsUpdate) -> str:
    """The 6.15.1 request of the RTDS command's inputs."""
    certificates = "".join(
        f"<sr:{NAMES[(r.cell.key_agreement, r.cell.prepayment)]}>{_b64(r.certificate)}"
        f"</sr:{NAMES[(r.cell.key_agreement, r.cell.prepayment)]}>"
        for r in update.replacements
    )
    prepayment = update.change.prepayment_floor
    return (
        f"<sr:UpdateSecurityCredentialsKRP>{_when(update.execution)}"
        f"<sr:RemotePartyRole>{ROLES[update.mode]}</sr:RemotePartyRole>"
        f"<sr:RemotePartyFloorSeqNumber>{update.change.floor}</sr:RemotePartyFloorSeqNumber>"
        + (
            ""
            if prepayment is None
            else "<sr:RemotePartyPrepaymentTopUpFloorSeqNumber>"
            f"{prepayment}</sr:RemotePartyPrepaymentTopUpFloorSeqNumber>"
        )
        + "<sr:ReplacementCertificates><sr:SupplierOrNetworkOperatorCertificates>"
        f"{certificates}</sr:SupplierOrNetworkOperatorCertificates></sr:ReplacementCertificates>"
        "<sr:CertificationPathCertificates>"
        + "".join(f"<sr:Certificate>{_b64(c)}</sr:Certificate>" for c in update.path)
        + "</sr:CertificationPathCertificates>"
        f"<sr:ApplyTimeBasedCPVChecks>{str(update.apply_time_checks).lower()}"
        "</sr:ApplyTimeBasedCPVChecks></sr:UpdateSecurityCredentialsKRP>"
    )


def _request(srv: str, pre: bytes, body: str) -> tuple[DuisRequest, Device]:
    header = parse_general_signing(pre).header
    rid = RequestId(
        UserId(int.from_bytes(header.originator, "big")),
        Eui64(int.from_bytes(header.recipient, "big")),
        header.counter,
    )
    element = etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{body}</sr:Body>')[0]
    request = DuisRequest(
        rid, str(rid), CommandVariant(4), srv, ServiceReferenceVariant(srv), element, "5.4"
    )
    meter = Device(
        DeviceId(rid.target.value),
        DeviceType.ESME,
        DeviceModel("AB01", "010A030B", "0001", "0123ABCE"),
        "SMETS V2.0",
        SmiStatus.COMMISSIONED,
        RTDS_TIME,
    )
    return request, meter


def _unsigned(frame: bytes) -> bytes:
    """A signed Response without its 64-octet signature (and its length octet)."""
    assert frame[-65] == 0x40
    return frame[:-65]


def _held(response: bytes) -> dict[str, Any]:
    """The anchors RTDS's device held before the command (its Response's "existing"), as
    the device state names them."""
    content = parse_general_signing(response).content
    outcome = cs._items(cs._items(content)[0][1])[1][1]
    held: dict[str, Any] = {}
    for _, value in cs._items(cs._items(outcome)[3][1]):
        cell, _status, party, key, *_ = cs._items(value)
        anchor = [party[1].hex(), key[1].hex()]
        held[cs_credentials.anchor_key(cs._parse_cell(cell[1]))] = anchor
    return held


@pytest.mark.parametrize(("directory", "kind"), UPDATES)
def test_update_security_credentials_match_rtds(directory: str, kind: str) -> None:
    rtds_pre = _vector(directory, f"{kind}_PRECOMMAND")
    rtds_response = _vector(directory, f"{kind}_RESPONSE")
    inputs = cs.parse_update_command(parse_general_signing(rtds_pre).content)
    request, meter = _request("6.15.1", rtds_pre, _krp_body(inputs))
    pre = cs_credentials.update_pre_command(request, meter, RTDS_TIME)
    assert pre == rtds_pre
    parsed = parse_general_signing(pre)
    command = IssuedCommand(parsed.header.message_code, RTDS_TIME, parsed.content)
    held = _held(rtds_response) if inputs.execution is None else {}
    response = cs_credentials.critical_response(WORLD, request.request_id, meter, command, held)
    assert _unsigned(response) == _unsigned(rtds_response)


@pytest.mark.parametrize(
    "kind", ["IMMEDIATE_SUCCESS", "FUTURE_DATED_SUCCESS", "CANCELLATION_SUCCESS"]
)
def test_activate_firmware_matches_rtds(kind: str) -> None:
    rtds_pre = _vector("11.3_CS06", f"{kind}_PRECOMMAND")
    rtds_response = _vector("11.3_CS06", f"{kind}_RESPONSE")
    activation = cs.parse_activate_firmware(parse_general_signing(rtds_pre).content)
    body = (
        f"<sr:ActivateFirmware>{_when(activation.execution)}"
        f"<sr:FirmwareHash>{activation.image_hash.hex().upper()}</sr:FirmwareHash>"
        "</sr:ActivateFirmware>"
    )
    request, meter = _request("11.3", rtds_pre, body)
    pre = cs_credentials.firmware_pre_command(request, meter, RTDS_TIME)
    assert pre == rtds_pre
    parsed = parse_general_signing(pre)
    command = IssuedCommand(parsed.header.message_code, RTDS_TIME, parsed.content)
    response = cs_credentials.critical_response(WORLD, request.request_id, meter, command, {})
    assert _unsigned(response) == _unsigned(rtds_response)


@pytest.mark.parametrize(
    ("srv", "directory", "build"),
    [
        ("6.17", "6.17_CS02c", cs_credentials.issue_pre_command),
        ("6.24.2", "6.24.2_CS02e", cs_credentials.provide_pre_command),
        ("6.15.2", "6.15.2_CS02d", cs_credentials.certificate_pre_command),
    ],
)
def test_device_credential_commands_match_rtds(srv: str, directory: str, build: Any) -> None:
    rtds_pre = _vector(directory, "SUCCESS_PRECOMMAND")
    content = parse_general_signing(rtds_pre).content
    if srv == "6.15.2":
        body = (
            "<sr:UpdateSecurityCredentialsDevice><sr:DeviceCertificate>"
            f"{_b64(content)}</sr:DeviceCertificate></sr:UpdateSecurityCredentialsDevice>"
        )
    else:
        kind = "Key Agreement" if cs.parse_key_usage_command(content) else "Digital Signature"
        element = (
            "IssueSecurityCredentials"
            if srv == "6.17"
            else ("RetrieveDeviceSecurityCredentialsDevice")
        )
        body = f"<sr:{element}><sr:CredentialType>{kind}</sr:CredentialType></sr:{element}>"
    request, meter = _request(srv, rtds_pre, body)
    assert build(request, meter, RTDS_TIME) == rtds_pre


@pytest.mark.parametrize(
    ("directory", "srv"),
    [
        ("6.15.1_CS02bSupplierBySupplier", "6.15.1"),
        ("6.15.1_CS02gLoadControllerBySupplier", "6.15.1"),
        ("11.3_CS06", "11.3"),
    ],
)
def test_future_dated_alerts_match_rtds(directory: str, srv: str) -> None:
    """The 8F66 at the execution time, with RTDS's alert counter (ours is time-based:
    wan/future_dated_alerts.py), identical up to the signature."""
    rtds_pre = _vector(directory, "FUTURE_DATED_SUCCESS_PRECOMMAND")
    rtds_alert = _vector(directory, "8F66_FUTURE_DATED_SUCCESS_ALERT")
    content = parse_general_signing(rtds_pre).content
    request, meter = _request(srv, rtds_pre, "<sr:X/>")
    command = IssuedCommand(parse_general_signing(rtds_pre).header.message_code, RTDS_TIME, content)
    alert_content = parse_general_signing(rtds_alert).content
    held: dict[str, Any] = {}
    if srv == "6.15.1":
        at = cs.parse_update_command(content).execution
        outcome = cs._items(cs._items(alert_content)[0][1])[2][1]
        for _, value in cs._items(cs._items(outcome)[3][1]):
            cell, _status, party, key, *_ = cs._items(value)
            held[cs_credentials.anchor_key(cs._parse_cell(cell[1]))] = [
                party[1].hex(),
                key[1].hex(),
            ]
    else:
        at = cs.parse_activate_firmware(content).execution
        # the image it activates
        meter = replace(meter, model=DeviceModel("AB01", "010A030B", "0001", "0123ABCF"))
    assert at is not None
    counter = parse_general_signing(rtds_alert).header.counter
    alert = cs_credentials.actioned(WORLD, meter, request.request_id, command, at, counter, held)
    assert alert is not None
    assert _unsigned(alert) == _unsigned(rtds_alert)


DCC_CASES = [
    ("6.21_CS02bSupplierBySupplierHandover", "RequestHandoverOfDCCControlledDevice"),
    ("6.21_CS02bNOByNOHandover", "RequestHandoverOfDCCControlledDevice"),
    ("6.23_CS02bSupplierByTransCoS", "UpdateSecurityCredentialsCoS"),
    ("8.5_CS02bACBByACB", "ServiceOptOut"),
]


def _dcc_body(element: str, update: cs.CredentialsUpdate) -> str:
    """The 6.21, 6.23 or 8.5 request of the RTDS command's inputs."""
    certificates = "".join(
        f"<sr:{NAMES[(r.cell.key_agreement, r.cell.prepayment)]}>{_b64(r.certificate)}"
        f"</sr:{NAMES[(r.cell.key_agreement, r.cell.prepayment)]}>"
        for r in update.replacements
    )
    prepayment = update.change.prepayment_floor
    if element == "ServiceOptOut":
        head, floors = "", f"<sr:ACBFloorSeqNumber>{update.change.floor}</sr:ACBFloorSeqNumber>"
        certificates = f"<sr:ReplacementCertificates>{certificates}</sr:ReplacementCertificates>"
    elif element == "UpdateSecurityCredentialsCoS":
        head = ""
        floors = f"<sr:SupplierFloorSeqNumber>{update.change.floor}</sr:SupplierFloorSeqNumber>"
        if prepayment is not None:
            floors += (
                "<sr:SupplierPrepaymentTopUpFloorSeqNumber>"
                f"{prepayment}</sr:SupplierPrepaymentTopUpFloorSeqNumber>"
            )
        certificates = (
            f"<sr:SupplierReplacementCertificates>{certificates}"
            "</sr:SupplierReplacementCertificates>"
        )
    else:
        head = f"<sr:RemotePartyRole>{ROLES[update.mode]}</sr:RemotePartyRole>"
        floors = (
            f"<sr:RemotePartyFloorSeqNumber>{update.change.floor}</sr:RemotePartyFloorSeqNumber>"
        )
        if prepayment is not None:
            floors += (
                "<sr:RemotePartyPrepaymentTopUpFloorSeqNumber>"
                f"{prepayment}</sr:RemotePartyPrepaymentTopUpFloorSeqNumber>"
            )
        certificates = f"<sr:ReplacementCertificates>{certificates}</sr:ReplacementCertificates>"
    return (
        f"<sr:{element}>{head}{floors}{certificates}<sr:CertificationPathCertificates>"
        + "".join(f"<sr:Certificate>{_b64(c)}</sr:Certificate>" for c in update.path)
        + "</sr:CertificationPathCertificates>"
        f"<sr:ApplyTimeBasedCPVChecks>{str(update.apply_time_checks).lower()}"
        f"</sr:ApplyTimeBasedCPVChecks></sr:{element}>"
    )


@pytest.mark.parametrize(("directory", "element"), DCC_CASES)
def test_the_dccs_replacements_match_rtds(directory: str, element: str) -> None:
    """The device's Response to the DCC's own command (to the ACB, or the TransCoS), for the
    RTDS inputs, identical up to the signature."""
    rtds_command = _vector(
        directory, "IMMEDIATE_SUCCESS_COMMAND" if "6.23" in directory else "SUCCESS_COMMAND"
    )
    rtds_response = _vector(
        directory, "IMMEDIATE_SUCCESS_RESPONSE" if "6.23" in directory else "SUCCESS_RESPONSE"
    )
    signing, _ = unwrap_general_ciphering(rtds_command)
    parsed = parse_general_signing(signing)
    inputs = cs.parse_update_command(parsed.content)
    srv = directory.split("_")[0]
    _, meter = _request(srv, signing, f"<sr:{element}/>")
    rid = RequestId(
        UserId.parse("90-B3-D5-1F-30-01-00-00"),
        Eui64(meter.device_id.value),
        parsed.header.counter,
    )
    body = etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{_dcc_body(element, inputs)}</sr:Body>')[0]
    held = _held(rtds_response)
    ask = Ask(WORLD, 1, rid, meter, RTDS_TIME, meter.device_id, body, state=lambda: held)
    assert _unsigned(cs_credentials.dcc_replacement(ask)) == _unsigned(rtds_response)
