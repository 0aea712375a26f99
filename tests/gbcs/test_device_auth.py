"""The critical command the DSP sends goes inside the ACB's MAC, and the emulated device
checks the MAC, the signature and its trust anchors before it executes it; a command that
does not pass is discarded: E21, nothing changes (wan/device_auth.py, docs/gbcs.md)."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis.request import read_request
from gbdsp.gateway.critical import sent_command
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.services.smki_export import export
from gbdsp.store.store import Store
from gbdsp.wan.device_auth import refusal
from tests.duis_support import ESME, SUPPLIER, request
from tests.gbcs.conftest import Decoder
from tests.gbcs.support import WORLD
from tests.gbcs.test_critical import sign, transform
from tests.gbcs.test_cs import _krp, _party_certificate
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
