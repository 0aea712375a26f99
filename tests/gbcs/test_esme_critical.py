"""The critical ESME Commands of wan/esme_critical.py (and the ECS17b Local Command) against
the RTDS 4.5.0 vectors, and end to end through the gateway with the real decoder
(docs/gbcs.md "Critical ESME commands").

For the DCC Boxed templates (the RTDS inputs: the same counters, User, meter and values),
the pre-command is byte-identical to the RTDS one, and the signed Response identical up to
its signature. The twin-element templates are sent to the single-element template ESME, so
they get its (shorter) credit charge configuration and are not compared; nor are the ECS08
templates, whose DUIS request gbdsp answers with the other variant, ECS08a. The vectors are
read from ../shared at test time, never copied."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import Eui64
from gbdsp.duis import xml
from gbdsp.duis.request import DuisRequest, read_request
from gbdsp.gateway.registry import REGISTRY
from gbdsp.gbcs import esme_commands
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan.esme_critical import EsmeCommand, clock
from gbdsp.wan.esme_local import local_command
from tests.gbcs.conftest import (
    RTDS,
    Decoder,
    boxed_templates,
    critical_templates,
    rtds_vector,
)
from tests.gbcs.template_run import TemplateWorld

BUILDERS = {
    srv: command.build
    for srv, declaration in REGISTRY.items()
    if isinstance(command := declaration.critical.get(DeviceType.ESME), EsmeCommand)
}
"""The ESME critical commands the registry declares (gateway/registry.py)."""
COMMANDS = {**BUILDERS, "8.1.1": clock}
"""The registry's builders, and the commission's (not in the registry: docs/gbcs.md)."""
RTDS_DEVICE_TIME = datetime(2015, 1, 1, tzinfo=UTC)
"""The time of the RTDS ESME Responses (their grouping header, and ECS70's clock read)."""


def _pre_command(request: DuisRequest) -> bytes:
    code, requests = COMMANDS[request.srv](request, RTDS_DEVICE_TIME)
    rid = request.request_id
    return esme_commands.pre_command(
        code,
        rid.originator.value.to_bytes(8, "big"),
        bytes.fromhex(str(rid.target).replace("-", "")),
        rid.counter,
        requests,
    )


def test_pre_commands_and_responses_match_rtds() -> None:
    compared = 0
    for template in critical_templates("ECS*", COMMANDS):
        if "_TWIN_" in template.name or template.name.startswith("ECS08_"):
            continue  # answered as the single-element ESME, and as ECS08a
        request = read_request(xml.parse(template.read_bytes()))
        ours = _pre_command(request)
        assert ours.hex() == rtds_vector(template, "PRECOMMAND").hex(), template.name
        parsed = parse_general_signing(ours)
        key = ec.generate_private_key(ec.SECP256R1())
        response = esme_commands.response(
            parsed.header.message_code,
            parsed.content,
            parsed.header.originator,
            parsed.header.recipient,
            parsed.header.counter,
            RTDS_DEVICE_TIME,
            key,
            clock=RTDS_DEVICE_TIME,
        )
        expected = rtds_vector(template, "RESPONSE")
        assert response[:-64].hex() == expected[:-64].hex(), template.name
        assert parse_general_signing(response).signature_valid(key.public_key())
        compared += 1
    assert compared >= 28


def test_values_without_an_rtds_case_are_not_encoded() -> None:
    """6.4.1 needs a supply state of Disable or Unchanged; 2.3 a DAILY recovery period."""
    (template,) = [
        t
        for t in critical_templates("ECS*", COMMANDS)
        if t.name.startswith("ECS28a_6.4.1_IMMEDIATE")
    ]
    text = template.read_bytes().replace(b">Disable<", b">Enable<")
    with pytest.raises(ValueError, match="supply state"):
        BUILDERS["6.4.1"](read_request(xml.parse(text)), RTDS_DEVICE_TIME)
    (template,) = [t for t in critical_templates("ECS*", COMMANDS) if t.name.startswith("ECS07")]
    text = template.read_bytes().replace(b">DAILY<", b">WEEKLY<")
    with pytest.raises(ValueError, match="DAILY"):
        BUILDERS["2.3"](read_request(xml.parse(text)), RTDS_DEVICE_TIME)


def test_critical_esme_templates_end_to_end(
    decoder: Decoder,
    user_keys: Path,
    tmp_path: Path,
    _sqlite_template: Path,
    clock: ManualClock,
) -> None:
    """CV 4, the PreCommand signed with the User's ZAZ1 DS key, CV 5: the ESME's Response is
    signed with its DS key, which gbcs-parser verifies with the exported certificate."""
    world = TemplateWorld(tmp_path, _sqlite_template, clock)
    runs = [world.run(t) for t in critical_templates("ECS*", COMMANDS)]
    messages = [m for r in runs for m in r.messages]
    verdicts = iter(decoder.decode([m.payload for m in messages], [world.certs, user_keys]))
    for run in runs:
        if run.template.startswith("ECS70Commission"):
            continue  # not in the registry (and the template ESME is commissioned: E5)
        kinds = [m.kind for m in run.messages]
        # a future-dated one's 8F66s follow, one per instruction (gbcs/future_dated.py)
        dated = "_FUTURE_DATED_" in run.template
        assert kinds[:2] == ["PreCommand", "Response"] and (len(kinds) > 2) == dated, run
        pre, response = next(verdicts), next(verdicts)
        assert pre.ok and (pre.mac, pre.signature) == ("absent", "absent"), pre.raw
        assert response.ok and response.signature == "valid", (run.template, response.raw)
        for _ in kinds[2:]:
            alert = next(verdicts)
            assert alert.ok and alert.signature == "valid", (run.template, alert.raw)
        if run.template.startswith("ECS70_"):  # the clock reads back as the time set
            read = response.hex_of("Octet String")
            assert read == ["09 0C 07 DE 0C 1F FF 17 3B 0A 00 80 00 FF"], read


def test_local_command_ecs17b_matches_rtds_and_its_acb_mac_verifies(
    decoder: Decoder, user_keys: Path, tmp_path: Path
) -> None:
    """CV 2 of 4.1.1: the ECS17b Command, MACed with the ACB's and the ESME's KA keys; its
    General-Signing part is the RTDS one for the template's inputs."""
    template = boxed_templates() / "ECS17b_4.1.1_REQUEST_DUIS.XML"
    request = read_request(xml.parse(template.read_bytes()))
    target = request.request_id.device_id
    assert target is not None
    device = Device(
        target,
        DeviceType.ESME,
        DeviceModel("AB01", "010A030B", "0001", "0002012F"),
        "SMETS V2.0",
        SmiStatus.COMMISSIONED,
        RTDS_DEVICE_TIME,
    )
    world = GbcsWorld(bytes.fromhex("17" * 32))
    frame = local_command(world, "4.1.1", request.request_id, device)
    assert frame is not None
    reference = bytes.fromhex(
        "".join(
            (RTDS / "4.1.1_ECS17b" / "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX")
            .read_text()
            .split()
        )
    )
    assert unwrap_general_ciphering(frame)[0] == unwrap_general_ciphering(reference)[0]
    eui = Eui64(device.device_id.value)
    for usage in KeyUsage:
        cert = world.device_certificate(eui, usage).public_bytes(serialization.Encoding.PEM)
        (tmp_path / f"{eui.hex.lower()}-{usage.value}.pem").write_bytes(cert)
    (v,) = decoder.decode([frame], [tmp_path, user_keys])
    assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw
