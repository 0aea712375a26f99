"""The gateway pushes real GBCS Responses for the encoded SRVs (4.1.1, 11.2), built from
device state, and the real gbcs-parser decodes and verifies them."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.domain.requests import RequestId, WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.smki_export import export
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.wan.gbcs_payloads import gbcs_response
from gbdsp.wan.registers import gas_register, import_energy
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import SUPPLIER, dsp_signing_key, request, signed
from tests.gbcs.conftest import Decoder

READ_REGISTERS = "<sr:ReadInstantaneousImportRegisters/>"
READ_FIRMWARE = "<sr:ReadFirmwareVersion/>"


@pytest.fixture
def world() -> GbcsWorld:
    return GbcsWorld(bytes.fromhex("3c" * 32))


@pytest.fixture
def gateway(store: Store, clock: ManualClock, world: GbcsWorld) -> Gateway:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=3, seed=1)
    with store.transaction() as tx:  # responses are pushed only to a User with a URL
        tx.users.set_response_url(UserId.parse(SUPPLIER), "http://127.0.0.1:9/duis")
    return Gateway(store, clock, dsp_signing_key(), gbcs=world)


def _device(store: Store, dtype: DeviceType) -> Device:
    with store.read() as tx:
        for device in tx.devices.iter_all():
            if device.device_type is dtype and device.responsible_supplier == UserId.parse(
                SUPPLIER
            ):
                return device
    raise AssertionError(f"no {dtype} of {SUPPLIER} in the demo fleet")


def _pushed_payload(
    gateway: Gateway, store: Store, srv: str, body: str, device: Device, counter: int
) -> bytes:
    reply = gateway.handle(
        WebService.SEND_COMMAND,
        signed(request(srv=srv, body=body, cv=1, counter=counter, target=str(device.device_id))),
    )
    assert b"I99" in reply.body, reply.body
    later = gateway.clock.now() + timedelta(seconds=5)
    with store.transaction() as tx:
        queued = [
            m
            for m in tx.outbox.claim_due(later, later, 10)
            if m.response_id == f"{device.device_id}:{SUPPLIER}:{counter}"
        ]
    assert len(queued) == 1
    root = xml.parse(queued[0].body)
    assert root.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode") == "I0"
    payload = root.findtext(f".//{{{SR}}}GBCSPayload")
    assert payload is not None
    return base64.b64decode(payload)


def test_pushed_4_1_1_and_11_2_are_gbcs_the_parser_verifies(
    decoder: Decoder,
    gateway: Gateway,
    store: Store,
    world: GbcsWorld,
    user_keys: Path,
    tmp_path: Path,
) -> None:
    export(store, world, tmp_path / "certs", private=False)
    esme, gsme = _device(store, DeviceType.ESME), _device(store, DeviceType.GSME)
    at = gateway.clock.now()
    seed = gateway.config.wan.seed
    frames = [
        _pushed_payload(gateway, store, "4.1.1", READ_REGISTERS, esme, 100),
        _pushed_payload(gateway, store, "4.1.1", READ_REGISTERS, gsme, 101),
        _pushed_payload(gateway, store, "11.2", READ_FIRMWARE, esme, 102),
        _pushed_payload(gateway, store, "11.2", READ_FIRMWARE, gsme, 103),
    ]
    electricity, gas, firmware, gas_firmware = decoder.decode(
        frames, [tmp_path / "certs", user_keys]
    )
    for v in (electricity, gas, firmware, gas_firmware):
        assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw
    registers = import_energy(seed, esme.device_id, at)
    assert electricity.section("Decrypted Payload 0").notes_of("Double Long Unsigned") == [
        str(registers.active_import_wh),
        str(registers.reactive_import_varh),
    ]
    assert electricity.notes_of("Originator Counter") == ["100"]
    assert gas.section("Decrypted Payload 0").notes_of("Attribute Data Value")[-1] == str(
        gas_register(seed, gsme.device_id, at).litres
    )
    version = esme.model.firmware_version
    assert firmware.hex_of("Octet String") == [
        "09 04 " + " ".join(version[i : i + 2] for i in range(0, 8, 2))
    ]
    assert "GCS38" in gas_firmware.notes_of("Message Code")[0]
    gas_version = gsme.model.firmware_version
    assert gas_firmware.hex_of("Attribute Data Value") == [
        "04 " + " ".join(gas_version[i : i + 2] for i in range(0, 8, 2))
    ]


def test_registers_grow_with_time_and_are_stable_at_one_time() -> None:
    device = DeviceId.parse("00-DB-12-34-56-78-90-A0")
    from datetime import UTC, datetime

    t = datetime(2026, 12, 1, tzinfo=UTC)
    assert import_energy(1, device, t) == import_energy(1, device, t)
    later = import_energy(1, device, t + timedelta(hours=1)).active_import_wh
    assert 100 <= later - import_energy(1, device, t).active_import_wh <= 610


def test_use_cases_not_encoded_or_users_without_gbcs_keys_get_none(
    gateway: Gateway, store: Store, world: GbcsWorld
) -> None:
    gsme, esme = _device(store, DeviceType.GSME), _device(store, DeviceType.ESME)
    now = gateway.clock.now()
    boxed = RequestId(UserId.parse(SUPPLIER), Eui64(esme.device_id.value), 7)
    not_encoded = gbcs_builder("1.6", gsme.device_type)
    assert not_encoded is None
    assert gbcs_response(world, 1, not_encoded, boxed, gsme, now) is None
    assert gbcs_builder("7.2", esme.device_type) is None
    firmware = gbcs_builder("11.2", DeviceType.ESME)
    stranger = RequestId(UserId.parse("00-DB-12-34-56-78-01-01"), Eui64(esme.device_id.value), 7)
    assert gbcs_response(world, 1, firmware, stranger, esme, now) is None  # no ZAZ1 KA key
    assert gbcs_response(world, 1, firmware, boxed, esme, now) is not None


def test_11_1_brings_each_meters_firmware_receipt_the_parser_verifies(
    decoder: Decoder,
    gateway: Gateway,
    store: Store,
    world: GbcsWorld,
    user_keys: Path,
    tmp_path: Path,
) -> None:
    """After an 11.1 the ESME and the GSME each push the Firmware Distribution Receipt
    (8F72), signed by the meter, carrying the hash of the FirmwareImage the User sent."""
    esme, gsme = _device(store, DeviceType.ESME), _device(store, DeviceType.GSME)
    image = b"the manufacturer's image" * 50
    for counter, meter in enumerate((esme, gsme), start=200):
        model = replace(meter.model, firmware_version="0A0B0C0D")
        with store.transaction() as tx:
            tx.cpl.put(CplEntry(CplKey(model, meter.device_type, meter.smets_variant)))
        body = (
            f"<sr:UpdateFirmware><sr:FirmwareImage>{base64.b64encode(image).decode()}"
            "</sr:FirmwareImage><sr:FirmwareVersion>0A0B0C0D</sr:FirmwareVersion>"
            f"<sr:DeviceIDList>{meter.device_id}</sr:DeviceIDList></sr:UpdateFirmware>"
        )
        reply = gateway.handle(
            WebService.NON_DEVICE, signed(request(srv="11.1", body=body, cv=8, counter=counter))
        )
        assert b"<sr:ResponseCode>I0</sr:ResponseCode>" in reply.body, reply.body
    export(store, world, tmp_path / "certs", private=False)
    later = gateway.clock.now() + timedelta(seconds=5)
    with store.transaction() as tx:
        alerts = [xml.parse(m.body) for m in tx.outbox.claim_due(later, later, 10)]
    assert [a.findtext(f".//{{{SR}}}AlertCode") for a in alerts] == ["8F72", "8F72"]
    frames = [base64.b64decode(a.findtext(f".//{{{SR}}}GBCSPayload") or "") for a in alerts]
    electricity, gas = decoder.decode(frames, [tmp_path / "certs", user_keys])
    digest = "09 20 " + hashlib.sha256(image).digest().hex(" ").upper()
    for v, kind in ((electricity, "ESME"), (gas, "GSME")):
        assert (v.ok, v.mac, v.signature) == (True, "absent", "valid"), v.raw
        assert v.notes_of("Message Code") == [f"Firmware Distribution Receipt Alert ({kind})"]
        assert v.hex_of("Calculated Manufacturer Hash") == [digest]
