"""The critical command the DSP sends goes inside the ACB's MAC, and the emulated device
checks the MAC, the signature and its trust anchors before it executes it; a command that
does not pass is discarded: E21, nothing changes (wan/device_auth.py, docs/gbcs.md)."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.duis.request import read_request
from gbdsp.gateway.critical import sent_command
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gateway.registry import command_builder
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.services.smki_export import export
from gbdsp.store.store import Store
from gbdsp.wan.device_auth import refusal
from gbdsp.wan.gbcs_ask import Ask
from tests.duis_support import DCC, ESME, NETWORK_OPERATOR, SUPPLIER, request, signed
from tests.gbcs.conftest import Decoder
from tests.gbcs.support import WORLD
from tests.gbcs.test_critical import sign, transform
from tests.gbcs.test_cs import AT, _b64, _krp, _party_certificate
from tests.gbcs.test_device_state import READ_SUPPLY, Device, _esme_supply


@pytest.fixture
def keys(store: Store, gateway: Gateway, user_keys: Path, tmp_path: Path) -> list[Path]:
    export(store, WORLD, tmp_path / "certs", private=False)
    return [tmp_path / "certs", user_keys]


def _signed_request(gateway: Gateway, counter: int) -> etree._Element:
    """A CV 5 7.2 with the supplier's signed pre-command, as the gateway reads it."""
    signed = sign(transform(gateway, counter))
    text = base64.b64encode(signed).decode()
    body = f"<sr:SignedPreCommand><sr:GBCSPayload>{text}</sr:GBCSPayload></sr:SignedPreCommand>"
    return request(srv="7.2", body=body, cv=5, counter=counter, target=ESME)


def test_the_sent_command_carries_the_acb_mac_and_the_users_signature(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    parsed = read_request(_signed_request(gateway, 300))
    with store.read() as tx:
        esme = tx.devices.get(DeviceId.parse(ESME), with_history=False)
    assert esme is not None
    frame = sent_command(WORLD, parsed, esme)
    [v] = decoder.decode([frame], keys)
    assert (v.ok, v.mac, v.signature) == (True, "valid", "valid"), v.raw  # as RTDS's ECS43
    assert refusal(WORLD, esme, frame, {}) is None
    tampered = frame[:-1] + bytes([frame[-1] ^ 1])
    assert "MAC" in (refusal(WORLD, esme, tampered, {}) or "")
    # Another device has other keys: its MAC does not verify there.
    other = replace(esme, device_id=DeviceId.parse("00-DB-12-34-56-78-90-93"))
    assert "MAC" in (refusal(WORLD, other, frame, {}) or "")


def test_a_supplier_whose_anchor_was_replaced_is_refused_by_the_device(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    """6.15.1 puts a new supplier DS certificate (a key the supplier has not registered) in
    the ESME's supplier cell: the supplier's next critical command, still signed with its
    registered key, passes the DSP's checks (I99) but the device discards it (E21), and the
    supply stays on."""
    esme = Device(gateway, store, ESME)
    new = [
        ("DigitalSigningCertificate", _party_certificate(UserId.parse(SUPPLIER), KeyUsage.DS)),
        ("KeyAgreementCertificate", _party_certificate(UserId.parse(SUPPLIER), KeyUsage.KA)),
    ]
    assert esme.critical("6.15.1", _krp("Supplier", new)) == "I99"
    esme.pushed(esme.counter, "I0")
    assert esme.critical("7.2", "<sr:DisableSupply/>") == "I99"
    esme.pushed(esme.counter, "E21")
    (supply,) = decoder.decode([esme.read("7.4", READ_SUPPLY)], keys)
    assert _esme_supply(supply) == ["1"]  # still connected


DISPLAY = "<sr:DisplayMessage><sr:SupplierMessage>Reset</sr:SupplierMessage></sr:DisplayMessage>"
READ_VOLTAGE = "<sr:ReadDeviceConfigurationVoltage/>"
VOLTAGE = (
    "<sr:UpdateDeviceConfigurationVoltage><sr:RMSVoltageSettings>"
    + "".join(
        f"<sr:RMS{n}MeasurementPeriod>60</sr:RMS{n}MeasurementPeriod>"
        f"<sr:RMS{n}Threshold>{v}</sr:RMS{n}Threshold>"
        for n, v in (
            ("ExtremeOverVoltage", 290),
            ("ExtremeUnderVoltage", 190),
            ("VoltageSag", 210),
            ("VoltageSwell", 250),
        )
    )
    + "</sr:RMSVoltageSettings><sr:SinglePhaseVoltageSettings>"
    "<sr:AverageRMSOverVoltageThreshold>260</sr:AverageRMSOverVoltageThreshold>"
    "<sr:AverageRMSUnderVoltageThreshold>205</sr:AverageRMSUnderVoltageThreshold>"
    "<sr:AverageRMSVoltageMeasurementPeriod>60</sr:AverageRMSVoltageMeasurementPeriod>"
    "</sr:SinglePhaseVoltageSettings></sr:UpdateDeviceConfigurationVoltage>"
)


def test_a_non_critical_command_carries_the_acb_mac_the_device_checks(
    store: Store, decoder: Decoder, keys: list[Path], gateway: Gateway
) -> None:
    """3.1 to the ESME: the ACB's MAC over the User's ECS10 command (no signature), which
    gbcs-parser verifies and the device checks with its own KA key."""
    with store.read() as tx:
        esme = tx.devices.get(DeviceId.parse(ESME), with_history=False)
    assert esme is not None
    parsed = read_request(request(srv="3.1", body=DISPLAY, cv=1, counter=400, target=ESME))
    build = command_builder("3.1", esme.device_type)
    assert build is not None
    frame = build(Ask(WORLD, 1, parsed.request_id, esme, AT, esme.device_id, parsed.body))
    [v] = decoder.decode([frame], keys)
    assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw
    assert refusal(WORLD, esme, frame, {}, critical=False) is None
    tampered = frame[:-1] + bytes([frame[-1] ^ 1])
    assert "MAC" in (refusal(WORLD, esme, tampered, {}, critical=False) or "")
    other = replace(esme, device_id=DeviceId.parse("00-DB-12-34-56-78-90-93"))
    assert "MAC" in (refusal(WORLD, other, frame, {}, critical=False) or "")


def _opt_out(certificate: x509.Certificate) -> str:
    """8.5 Service Opt Out: the ACB by the ACB (CS02b), a new ACB KA certificate."""
    return (
        "<sr:ServiceOptOut><sr:ExecutionDateTime>2015-01-15T00:00:00.00Z</sr:ExecutionDateTime>"
        "<sr:ACBFloorSeqNumber>0</sr:ACBFloorSeqNumber>"
        "<sr:ReplacementCertificates>"
        f"<sr:KeyAgreementCertificate>{_b64(certificate)}</sr:KeyAgreementCertificate>"
        "</sr:ReplacementCertificates><sr:CertificationPathCertificates>"
        f"<sr:Certificate>{_b64(certificate)}</sr:Certificate>"
        "</sr:CertificationPathCertificates>"
        "<sr:ApplyTimeBasedCPVChecks>false</sr:ApplyTimeBasedCPVChecks></sr:ServiceOptOut>"
    )


def test_after_an_opt_out_the_device_discards_the_dsps_commands(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    """8.5 puts a KA certificate other than the ACB's in the ESME's ACB cell (the device
    leaves the DCC): the DSP's commands, MACed with the ACB's own KA key, no longer verify
    there. A CV 1 6.5 (the network operator's) is acknowledged (I99), then E21, and the
    voltage configuration it would set is not remembered; a read gets E21 too."""
    esme = Device(gateway, store, ESME)
    (before,) = decoder.decode([esme.read("6.2.1", READ_VOLTAGE)], keys)
    assert before.ok, before.raw
    other_acb = _party_certificate(UserId.parse(DCC), KeyUsage.KA)
    assert _sent(gateway, esme, "8.5", _opt_out(other_acb)) == "I99"
    esme.pushed(esme.counter, "I0")
    for srv, body, by in (("6.5", VOLTAGE, NETWORK_OPERATOR), ("6.2.1", READ_VOLTAGE, SUPPLIER)):
        assert _sent(gateway, esme, srv, body, by) == "I99"
        esme.pushed(esme.counter, "E21", by)
    with store.read() as tx:
        state = (tx.device_states.get(DeviceId.parse(ESME)) or {}).get("set", {})
    assert not any(k.startswith("voltage") for k in state), state
    assert "trust_anchor.4.ka" in state  # the opt out itself was executed


def _sent(gateway: Gateway, device: Device, srv: str, body: str, by: str = SUPPLIER) -> str:
    """A CV 1 by User `by`: the synchronous code (and why, if not I99)."""
    counter = device._next()
    root = request(srv=srv, body=body, cv=1, counter=counter, target=device.target, originator=by)
    found = xml.parse(gateway.handle(WebService.SEND_COMMAND, signed(root, by)).body)
    code = found.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode") or ""
    return code if code == "I99" else f"{code}: {etree.tostring(found)[:600]!r}"
