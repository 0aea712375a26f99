"""The 8F66 "Future-date HAN Interface Command Successfully Actioned" alerts of
gbcs/future_dated.py against the RTDS 4.5.0 vectors, and through the real decoder
(docs/gbcs.md "Device alerts").

For the DCC Boxed future-dated templates whose command gbdsp encodes byte-identical to the
RTDS one (the RTDS inputs: the same counters, User, meter and values), the device raises the
RTDS alerts: as many, in the same order, each identical to RTDS's up to its signature, and
RTDS's signature verifies over ours with the RTDS meter's DS certificate. One RTDS oddity
is kept apart: its GCS05 alerts for the two Calendar components name frame control 01 (the
command's Prepayment components'), where the command's Calendar components have 09, as the
GCS01a alerts name them; ours name the component's own. The vectors are read from ../shared
at test time, never copied."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis import xml
from gbdsp.duis.request import DuisRequest, read_request
from gbdsp.gateway.registry import REGISTRY
from gbdsp.gbcs import alerts, crypto, future_dated
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import SignedApdu, parse_general_signing
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan.future_dated_alerts import actioned, alert_counter
from tests.gbcs.conftest import MODE, TOOLS, Decoder, _unavailable, boxed_templates

RTDS = TOOLS / "gbcs-parser" / "test" / "rtds" / "RTDS-4.5.0"
KEYSTORE = TOOLS / "gbcs-parser" / "test" / "rtds" / "keystore"
RTDS_TIME = datetime(2015, 1, 1, tzinfo=UTC)
"""The RTDS commands' issue time (the GBZ Issuer Event ID)."""
RTDS_FRAME_CONTROL = {("GCS05", 0x0707): 0x01}
"""The RTDS 8F66 frame control that is not the command component's (module docstring)."""
AT = datetime(2030, 1, 15, 9, tzinfo=UTC)
GSME, DLMS = (DeviceType.GSME,), (DeviceType.ESME, DeviceType.SAPC)


def _hex(path: Path) -> bytes:
    raw = bytes.fromhex("".join(path.read_text().split()))
    return unwrap_general_ciphering(raw)[0] if raw[:1] == b"\xdd" else raw


def _pre_command(request: DuisRequest, kinds: tuple[DeviceType, ...]) -> bytes | None:
    """Our pre-command for the template (the registry's critical command for the first of
    `kinds` it declares), with the RTDS issue time; None if not encoded."""
    declared = REGISTRY[request.srv].critical
    kind = next((k for k in kinds if k in declared), None)
    target = request.request_id.device_id
    if kind is None or target is None:
        return None
    try:
        return declared[kind](request, _meter(str(target), kind), RTDS_TIME)
    except ValueError:
        return None


def _cases() -> list[tuple[str, SignedApdu, list[Path], datetime]]:
    """(template, our pre-command parsed, the RTDS 8F66 vectors, execution time) of each
    future-dated template whose pre-command is the RTDS one."""
    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    if not RTDS.is_dir():
        _unavailable(f"no RTDS vectors at {RTDS}")
    found = []
    for template in sorted(
        boxed_templates().glob("[EG]CS*_FUTURE_DATED_*SUCCESS_REQUEST_DUIS.XML")
    ):
        use_case, srv = template.name.split("_")[:2]
        request = read_request(xml.parse(template.read_bytes()))
        gsme = use_case.startswith("GCS")
        ours = _pre_command(request, GSME if gsme else DLMS)
        stem = template.name.replace("_REQUEST_DUIS.XML", "")
        expected = RTDS / f"{srv}_{use_case}" / f"{stem}_PRECOMMAND_GBCS.HEX"
        if ours is None or not expected.is_file() or ours != _hex(expected):
            continue  # e.g. the twin-element ones, ECS08 (answered as ECS08a)
        vectors = sorted((RTDS / f"{srv}_{use_case}").glob(f"{use_case}_{srv}_8F66_*_GBCS.HEX"))
        text = request.body.findtext(".//{*}ExecutionDateTime") or ""
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        found.append((use_case, parse_general_signing(ours), vectors, at))
    return found


def _rtds_key(title: bytes) -> ec.EllipticCurvePublicKey:
    cert = x509.load_pem_x509_certificate((KEYSTORE / f"{title.hex()}-ds.pem").read_bytes())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def test_8f66_alerts_match_rtds_for_the_same_commands() -> None:
    cases = _cases()
    compared = 0
    for use_case, command, vectors, at in cases:
        raws = [_hex(v) for v in vectors]
        rtds = sorted(
            ((parse_general_signing(r), r) for r in raws), key=lambda p: p[0].header.counter
        )
        found = future_dated.instructions(command.content)
        assert len(found) == len(rtds) > 0, use_case
        key = ec.generate_private_key(ec.SECP256R1())
        for instruction, (parsed, raw) in zip(found, rtds, strict=True):
            h = parsed.header
            ex = alerts.AlertExchange(h.originator, h.recipient, h.counter, at, key, None)
            ours = future_dated.actioned(
                ex, command.header.message_code, command.header.counter, instruction
            )
            cluster = int.from_bytes(instruction.target[:2], "big")
            quirk = RTDS_FRAME_CONTROL.get((use_case, cluster))
            expected = raw[:-64]
            if instruction.zigbee and quirk is not None:
                assert ours[-67] == 0x09 and expected[-3] == quirk, use_case
                expected = expected[:-3] + b"\x09" + expected[-2:]
            assert ours[:-64].hex() == expected.hex(), (use_case, h.counter)
            mine = parse_general_signing(ours)
            assert mine.signature_valid(key.public_key())
            assert h.cra is Cra.ALERT and mine.header.message_code == h.message_code
            if quirk is None or not instruction.zigbee:  # RTDS's signature over our bytes
                assert crypto.verify(_rtds_key(h.originator), mine.signed_part, raw[-64:])
            compared += 1
    names = {c[0] for c in cases}
    assert {"ECS01a", "ECS01b", "ECS01c", "ECS01d", "ECS08a", "ECS28a", "ECS46c", "ECS46d"} <= names
    assert {"GCS01a", "GCS01b", "GCS02", "GCS03", "GCS05"} <= names
    assert compared == 44  # the RTDS 8F66s of those commands, every one


def _meter(device_id: str, kind: DeviceType) -> Device:
    return Device(
        DeviceId.parse(device_id),
        kind,
        DeviceModel("AB01", "010A030B", "0001", "0002012F"),
        "SMETS V2.0",
        SmiStatus.COMMISSIONED,
        RTDS_TIME,
    )


def test_the_meters_8f66_alerts_decode_with_a_valid_signature(
    decoder: Decoder, tmp_path: Path
) -> None:
    """Each meter's 8F66, built from an RTDS-identical command by wan/future_dated_alerts.py,
    decodes and verifies with the meter's exported DS certificate."""
    world = GbcsWorld(bytes.fromhex("8f" * 32))
    frames, expected = [], []
    for use_case, command, vectors, at in _cases():
        h = command.header
        device = _meter(
            _eui(h.recipient),
            DeviceType.GSME if use_case.startswith("GCS") else DeviceType.ESME,
        )
        eui = Eui64(device.device_id.value)
        for usage in KeyUsage:
            cert = world.device_certificate(eui, usage).public_bytes(serialization.Encoding.PEM)
            (tmp_path / f"{eui.hex.lower()}-{usage.value}.pem").write_bytes(cert)
        rid = RequestId(UserId.parse(_eui(h.originator)), eui, h.counter)
        issued = IssuedCommand(h.message_code, RTDS_TIME, command.content)
        built = actioned(world, device, rid, issued, at)
        assert built is not None and len(built) == len(vectors), use_case
        frames += built
        zigbee = device.device_type is DeviceType.GSME
        code = alerts.FUTURE_DATED_GBZ if zigbee else alerts.FUTURE_DATED_DLMS
        expected += [code] * len(built)
    verdicts = decoder.decode(frames, [tmp_path])
    for frame, code, v in zip(frames, expected, verdicts, strict=True):
        assert v.ok and v.signature == "valid", v.raw
        assert v.mac == "absent", v.raw
        assert parse_general_signing(frame).header.message_code == code
        assert any("Future-date HAN" in n for n in v.notes_of("Alert Code")), v.raw


def _eui(title: bytes) -> str:
    return "-".join(f"{b:02X}" for b in title)


def test_a_command_with_no_future_dated_instruction_is_refused_precisely() -> None:
    # ECS43 Disable Supply: an ACTION of the disconnect script table, nothing timed
    action = bytes.fromhex("d9200003ec000103000900000a006aff0101120034")
    with pytest.raises(InvalidValue, match="no future-dated instruction"):
        future_dated.instructions(action)
    with pytest.raises(InvalidValue, match="truncated"):
        future_dated.instructions(bytes.fromhex("d9200003ec0012020023"))
    with pytest.raises(InvalidValue, match="not an Access-Request"):
        future_dated.instructions(b"\x30\x00")
    encrypted = bytes.fromhex("010901030705000500010003")
    with pytest.raises(InvalidValue, match="encrypted"):
        future_dated.instructions(encrypted)


def test_alert_counters_grow_with_the_execution_time() -> None:
    first = alert_counter(AT, 1004, 1)
    assert alert_counter(AT, 1004, 2) == first + 1
    assert alert_counter(AT.replace(second=1), 3, 1) > alert_counter(AT, 0xFFFF, 255)
    assert alert_counter(AT, 1004, 1) < 1 << 64
