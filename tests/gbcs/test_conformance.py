"""gbdsp's GBCS Responses decoded and verified by the real gbcs-parser (a separate process).

The certificates come from `smki export` of a real store (both backends); the recipient
Users' KA private keys are the shipped ZAZ1 ones, as a DCC Boxed client holds them. Each
message must decode (`ok`), its MAC must verify, and the decoded values must be the device
state that was encoded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.gbcs import responses
from gbdsp.gbcs.responses import Exchange, GasConsumption, ImportEnergy
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.services.smki_export import export
from gbdsp.store.store import Store
from tests.factories import SUPPLIER, seed
from tests.gbcs.conftest import Decoder, Verdict

AT = datetime(2026, 12, 1, 12, 30, 15, tzinfo=UTC)
ESME = Eui64.parse("00-DB-12-34-56-78-90-A0")
GSME = Eui64.parse("00-DB-12-34-56-78-90-A3")
PPMID = Eui64.parse("00-DB-12-34-56-78-90-A4")
CHF = Eui64.parse("00-DB-12-34-56-78-90-A5")
USER = Eui64(SUPPLIER.value)
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


@pytest.fixture
def world() -> GbcsWorld:
    return GbcsWorld(bytes.fromhex("5a" * 32))


@pytest.fixture
def certificates(store: Store, world: GbcsWorld, tmp_path: Path) -> Path:
    """`smki export` (no private keys) of a store holding one device of each kind."""
    seed(store)
    with store.transaction() as tx:
        for eui, dtype in (
            (ESME, DeviceType.ESME),
            (GSME, DeviceType.GSME),
            (PPMID, DeviceType.PPMID),
            (CHF, DeviceType.CHF),
        ):
            tx.devices.add(
                Device(DeviceId(eui.value), dtype, MODEL, "SMETS V1.58", SmiStatus.COMMISSIONED, AT)
            )
    directory = tmp_path / "export"
    report = export(store, world, directory, private=False)
    assert report.devices == 4
    assert not list(directory.glob("*.key"))
    return directory


def _exchange(world: GbcsWorld, device: Eui64, recipient: Eui64, counter: int) -> Exchange:
    return Exchange(
        _title(device), _title(recipient), counter, world.shared_secret(device, recipient), AT
    )


def _decode(decoder: Decoder, frames: list[bytes], *dirs: Path) -> list[Verdict]:
    verdicts = decoder.decode(frames, dirs)
    for v in verdicts:
        assert v.ok, v.raw
        assert v.mac == "valid", v.raw
        assert v.signature == "absent", v.raw
    return verdicts


def test_ecs17b_import_registers_decrypt_to_the_device_state(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    registers = ImportEnergy(active_import_wh=1_234_567, reactive_import_varh=4_321)
    frame = responses.ecs17b(_exchange(world, ESME, USER, 0x10_0000_0001), registers)
    (v,) = _decode(decoder, [frame], certificates, user_keys)
    assert "ECS17b" in v.notes_of("Message Code")[0]
    assert v.notes_of("Originator Counter")[0] == str(0x10_0000_0001)
    # 2026-12-01 12:30:15 (the parser's text drops hours >= 10, so compare the octets)
    assert v.hex_of("Date Time") == ["0C 07 EA 0C 01 FF 0C 1E 0F 00 80 00 FF"]
    clear = v.section("Decrypted Payload 0")
    assert clear.notes_of("Double Long Unsigned") == ["1234567", "4321"]
    assert clear.notes_of("Enum") == ["30", "32"]  # Wh, varh


def test_gcs13a_consumption_register_decrypts_to_the_device_state(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    frame = responses.gcs13a(_exchange(world, GSME, USER, 77), GasConsumption(litres=987_654))
    (v,) = _decode(decoder, [frame], certificates, user_keys)
    assert "GCS13a" in v.notes_of("Message Code")[0]
    values = v.section("Decrypted Payload 0").notes_of("Attribute Data Value")
    assert values == ["1000", "1", "1", "987654"]  # divisor, multiplier, m3, summation


@pytest.mark.parametrize("version", ["0123ABCD", "0002012F"])
def test_firmware_versions_ecs52_gcs38_and_cs08(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path, version: str
) -> None:
    esme = responses.ecs52(_exchange(world, ESME, USER, 5), version)
    chf = responses.ecs52(_exchange(world, CHF, USER, 6), version)
    ppmid = responses.cs08(
        _exchange(world, PPMID, ACB, 7), version, remote_party=_title(USER), remote_counter=5
    )
    gsme = responses.gcs38(_exchange(world, GSME, USER, 8), version)
    v_esme, v_chf, v_ppmid, v_gsme = _decode(
        decoder, [esme, chf, ppmid, gsme], certificates, user_keys
    )
    spaced = " ".join(version[i : i + 2] for i in range(0, 8, 2))
    assert v_esme.hex_of("Octet String") == [f"09 04 {spaced}"]
    assert v_chf.hex_of("Octet String") == [f"09 04 {spaced}"]
    assert v_ppmid.hex_of("Firmware Version") == [f"04 04 {spaced}"]
    assert v_gsme.hex_of("Attribute Data Value") == [f"04 {spaced}"]
    assert "GCS38" in v_gsme.notes_of("Message Code")[0]
    assert v_ppmid.hex_of("Supplementary Remote Party ID") == [
        " ".join(f"{b:02X}" for b in _title(USER))
    ]


def test_a_flipped_octet_makes_the_mac_invalid(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    frame = responses.ecs52(_exchange(world, ESME, USER, 9), "0123ABCD")
    counter_octet = frame.index(b"\xdf\x09") + 3 + 7  # last octet of the originator counter
    flipped_counter = bytearray(frame)
    flipped_counter[counter_octet] ^= 0x01
    flipped_payload = bytearray(frame)
    flipped_payload[-12 - 5] ^= 0x80  # last firmware octet (before 01 01 00 and signature 00)
    flipped_tag = bytearray(frame)
    flipped_tag[-1] ^= 0x01
    verdicts = decoder.decode(
        [bytes(flipped_counter), bytes(flipped_payload), bytes(flipped_tag)],
        [certificates, user_keys],
    )
    assert [(v.ok, v.mac) for v in verdicts] == [(True, "invalid")] * 3


def test_another_worlds_certificates_do_not_verify(
    decoder: Decoder, certificates: Path, user_keys: Path
) -> None:
    stranger = GbcsWorld(bytes.fromhex("a5" * 32))
    frame = responses.ecs52(_exchange(stranger, ESME, USER, 9), "0123ABCD")
    (v,) = decoder.decode([frame], [certificates, user_keys])
    assert v.ok and v.mac == "invalid"


def test_private_export_lets_the_tool_verify_from_the_device_side(
    decoder: Decoder, store: Store, world: GbcsWorld, tmp_path: Path
) -> None:
    """With `--private`, the exported directory alone suffices (device and party keys)."""
    seed(store)
    with store.transaction() as tx:
        tx.devices.add(
            Device(
                DeviceId(ESME.value),
                DeviceType.ESME,
                MODEL,
                "SMETS V1.58",
                SmiStatus.COMMISSIONED,
                AT,
            )
        )
    directory = tmp_path / "private"
    export(store, world, directory, private=True)
    key_file = directory / f"{ESME.hex.lower()}-ka.key"
    assert key_file.stat().st_mode & 0o077 == 0
    frame = responses.ecs17b(_exchange(world, ESME, USER, 1), ImportEnergy(10, 20))
    (v,) = _decode(decoder, [frame], directory)
    assert v.section("Decrypted Payload 0").notes_of("Double Long Unsigned") == ["10", "20"]
