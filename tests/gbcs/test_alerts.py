"""Device alerts in real GBCS (gbcs/alerts.py, wan/alerts.py), decoded and verified by the real
gbcs-parser (a separate process): critical alerts signed by the device and not MACed, the
others MACed for the Responsible Supplier and not signed; and `raise_alert` pushes them as the
DeviceAlertMessage's GBCSPayload, with the alert log's sequence as the originator counter."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.alerts import raise_alert
from gbdsp.services.smki_export import export
from gbdsp.store.store import Store
from gbdsp.wan.alerts import device_alert, firmware_receipt
from tests.duis_support import dsp_signing_key
from tests.factories import seed
from tests.gbcs.conftest import Decoder, Verdict

AT = datetime(2026, 7, 4, 6, 5, 4, tzinfo=UTC)
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
DEVICES = {
    DeviceId.parse("00-DB-12-34-56-78-90-A0"): DeviceType.ESME,
    DeviceId.parse("00-DB-12-34-56-78-90-A1"): DeviceType.GSME,
    DeviceId.parse("00-DB-12-34-56-78-90-A2"): DeviceType.CHF,
    DeviceId.parse("00-DB-12-34-56-78-90-A3"): DeviceType.GPF,
}
ESME, GSME, CHF, GPF = DEVICES


def _device(device_id: DeviceId) -> Device:
    return Device(
        device_id,
        DEVICES[device_id],
        MODEL,
        "SMETS V1.58",
        SmiStatus.COMMISSIONED,
        AT,
        responsible_supplier=SUPPLIER,
    )


@pytest.fixture
def world() -> GbcsWorld:
    return GbcsWorld(bytes.fromhex("4e" * 32))


@pytest.fixture
def certificates(store: Store, world: GbcsWorld, tmp_path: Path) -> Path:
    """`smki export` of a store holding the four devices."""
    seed(store)
    with store.transaction() as tx:
        for device_id in DEVICES:
            tx.devices.add(_device(device_id))
        tx.users.set_response_url(SUPPLIER, "http://127.0.0.1:9/duis")  # the outbox's User
    export(store, world, tmp_path / "certs", private=False)
    return tmp_path / "certs"


def _expect(v: Verdict, *, signed: bool) -> None:
    assert v.ok, v.raw
    assert (v.mac, v.signature) == (("absent", "valid") if signed else ("valid", "absent")), v.raw
    assert v.notes_of("CRA Flag") == ["Alert"]


def test_generic_alerts_from_each_kind_of_device(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    cases = [(ESME, "8F30"), (ESME, "810E"), (GSME, "8F30"), (GSME, "810E"), (CHF, "8F01")]
    cases += [(GPF, "81A0")]
    frames = []
    for counter, (device, code) in enumerate(cases, start=500):
        frame = device_alert(world, _device(device), code, counter, AT)
        assert frame is not None, (device, code)
        frames.append(frame)
    verdicts = decoder.decode(frames, [certificates, user_keys])
    for counter, ((device, code), v) in enumerate(zip(cases, verdicts, strict=True), start=500):
        critical = code.startswith("8F")
        _expect(v, signed=critical)
        kind = "Generic Critical Alert" if critical else "Generic Non Critical Alert"
        assert v.notes_of("Message Code") == [kind]
        assert v.hex_of("Alert Code")[0].replace(" ", "").endswith(code)
        assert v.notes_of("Originator Counter") == [str(counter)]
        assert v.hex_of("Recipient System Title") == ["08 90 B3 D5 1F 30 01 00 00"]
        if DEVICES[device] in (DeviceType.GSME, DeviceType.GPF):
            assert v.notes_of("Time Stamp") == ["2026-07-04 06:05:04"]
        else:  # COSEM date-time octets: 2026-07-04 06:05:04
            assert v.hex_of("Time Stamp") == ["09 0C 07 EA 07 04 FF 06 05 04 00 80 00 FF"]


def test_firmware_distribution_receipts_carry_the_image_hash(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    image = b"a firmware image" * 40
    frames = [firmware_receipt(world, _device(d), image, 9, AT) for d in (ESME, GSME)]
    assert None not in frames
    electricity, gas = decoder.decode([f for f in frames if f], [certificates, user_keys])
    digest = "09 20 " + hashlib.sha256(image).digest().hex(" ").upper()
    for v, kind in ((electricity, "ESME"), (gas, "GSME")):
        _expect(v, signed=True)
        assert v.notes_of("Message Code") == [f"Firmware Distribution Receipt Alert ({kind})"]
        assert v.notes_of("Alert Code") == ["Firmware Verification Successful"]
        assert v.hex_of("Calculated Manufacturer Hash") == [digest]


def test_raise_alert_pushes_a_gbcs_alert_the_parser_verifies(
    decoder: Decoder,
    store: Store,
    world: GbcsWorld,
    certificates: Path,
    user_keys: Path,
    clock: ManualClock,
) -> None:
    for device, code in ((ESME, "8F01"), (GSME, "8119")):
        outcome = raise_alert(store, clock, Config(), dsp_signing_key(), device, code, world)
        assert outcome.delivered, outcome.reason
    with store.transaction() as tx:
        pushed = tx.outbox.claim_due(clock.now(), clock.now(), 10)
    assert len(pushed) == 2
    frames = []
    for message in pushed:
        root = xml.parse(message.body)
        assert root.findtext(f".//{{{SR}}}DeviceAlertMessage/{{{SR}}}AlertCode") in {
            "8F01",
            "8119",
        }
        frames.append(base64.b64decode(root.findtext(f".//{{{SR}}}GBCSPayload") or ""))
    verdicts = decoder.decode(frames, [certificates, user_keys])
    counters = set()
    for v in verdicts:
        critical = v.hex_of("Alert Code")[0].replace(" ", "").endswith("8F01")
        _expect(v, signed=critical)
        counters.add(int(v.notes_of("Originator Counter")[0]))
    assert len(counters) == 2  # the alert log's sequence: one per alert


def test_without_a_world_or_a_supplier_key_the_stand_in_stays(
    store: Store, world: GbcsWorld, certificates: Path, clock: ManualClock
) -> None:
    raise_alert(store, clock, Config(), dsp_signing_key(), ESME, "810E")
    stranger = Device(
        DeviceId.parse("00-DB-12-34-56-78-90-B0"),
        DeviceType.ESME,
        MODEL,
        "SMETS V1.58",
        SmiStatus.COMMISSIONED,
        AT,
        responsible_supplier=UserId.parse("00-DB-12-34-56-78-01-01"),  # no GBCS KA key
    )
    assert device_alert(world, stranger, "810E", 1, AT) is None
    assert device_alert(world, stranger, "8F01", 1, AT) is not None  # signed: no KA needed
    ppmid = Device(
        DeviceId.parse("00-DB-12-34-56-78-90-A4"),
        DeviceType.PPMID,
        MODEL,
        "SMETS V1.58",
        SmiStatus.COMMISSIONED,
        AT,
        responsible_supplier=SUPPLIER,
    )
    assert device_alert(world, ppmid, "8F01", 1, AT) is None
    with store.transaction() as tx:
        (pushed,) = tx.outbox.claim_due(clock.now(), clock.now(), 10)
    payload = xml.parse(pushed.body).findtext(f".//{{{SR}}}GBCSPayload") or ""
    assert base64.b64decode(payload).startswith(b"GBDSP-EMULATED-ALERT")
