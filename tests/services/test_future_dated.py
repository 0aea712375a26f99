"""Future-dated requests through the real gateway, both databases: device-held ones are
acknowledged now and alert 8F66 is held until the time; a cancellation withdraws it;
DSP-held ones are answered at the time; past dates run at once."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import Eui64, UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, xml
from gbdsp.duis.client import response_code
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import PARTIES, GbcsWorld
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import ESME, SUPPLIER, dsp_signing_key, request, signed

S = WebService.SEND_COMMAND
NS = {"sr": "http://www.dccinterface.co.uk/ServiceUserGateway"}
CANCEL = "3000-12-31T00:00:00.00Z"


@pytest.fixture
def gateway(store: Store, clock: ManualClock) -> Gateway:
    register_test_users(store)
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/")
    create_demo_fleet(store, clock, premises=0, seed=1)
    return Gateway(store, clock, dsp_signing_key(), Config())


def reset_meter(counter: int, when: str) -> bytes:
    """4.1.1: DSP pattern, non-critical (CV 1)."""
    body = (
        f"<sr:ReadInstantaneousImportRegisters><sr:ExecutionDateTime>{when}"
        "</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>"
    )
    return signed(request(srv="4.1.1", body=body, cv=1, counter=counter, target=ESME))


def pushed(store: Store, until: datetime) -> list[bytes]:
    """What the relay would deliver by `until`, recorded as delivered."""
    with store.transaction() as tx:
        messages = tx.outbox.claim_due(until, until, 20)
        tx.outbox.delivered_many([m.id for m in messages], until)
    return [m.body for m in messages]


def test_dsp_held_read_is_answered_at_its_time(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    at = clock.now() + timedelta(days=2)
    reply = gateway.handle(S, reset_meter(10, at.isoformat().replace("+00:00", "Z")))
    assert response_code(reply.body) == "I99"
    assert pushed(store, clock.now() + timedelta(days=1)) == []  # held by the DSP
    bodies = pushed(store, at + timedelta(seconds=1))
    assert len(bodies) == 1 and schema.schema_error(xml.parse(bodies[0])) is None


def test_cancellation_withdraws_the_dsp_held_response(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    at = clock.now() + timedelta(days=2)
    assert (
        response_code(
            gateway.handle(S, reset_meter(40, at.isoformat().replace("+00:00", "Z"))).body
        )
        == "I99"
    )
    assert response_code(gateway.handle(S, reset_meter(41, CANCEL)).body) == "I99"
    bodies = pushed(store, at + timedelta(days=1))
    request_ids = [xml.parse(b).findtext(".//sr:RequestID", namespaces=NS) for b in bodies]
    assert request_ids == [f"{SUPPLIER}:{ESME}:41"]  # the cancellation's answer only


def test_a_past_date_runs_at_once(gateway: Gateway, store: Store, clock: ManualClock) -> None:
    assert response_code(gateway.handle(S, reset_meter(10, "2015-01-15T00:00:00Z")).body) == "I99"
    assert len(pushed(store, clock.now() + timedelta(seconds=5))) == 1


def activate_firmware(counter: int, cv: int, when: str) -> bytes:
    """11.3 (Device pattern, critical): CV 4 for the pre-command, then CV 5 signed."""
    if cv == 4:
        body = (
            f"<sr:ActivateFirmware><sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>"
            f"<sr:FirmwareHash>{'AB' * 32}</sr:FirmwareHash></sr:ActivateFirmware>"
        )
    else:
        body = (
            f"<sr:SignedPreCommand><sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>"
            "<sr:GBCSPayload>3wkCAA==</sr:GBCSPayload></sr:SignedPreCommand>"
        )
    return signed(request(srv="11.3", body=body, cv=cv, counter=counter, target=ESME))


def send_critical(gateway: Gateway, counter: int, when: str) -> str | None:
    pre = gateway.handle(WebService.TRANSFORM, activate_firmware(counter, 4, when))
    assert response_code(pre.body) == "I0", pre.body
    return response_code(gateway.handle(S, activate_firmware(counter, 5, when)).body)


def alerts(bodies: list[bytes]) -> list[str | None]:
    return [
        xml.parse(b).findtext(
            ".//sr:FutureDatedDeviceAlertMessage/sr:FutureDatedAlertCode", namespaces=NS
        )
        for b in bodies
    ]


def test_device_held_acknowledged_now_alert_at_its_time(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    at = clock.now() + timedelta(days=3)
    assert send_critical(gateway, 20, at.isoformat().replace("+00:00", "Z")) == "I99"
    now_bodies = pushed(store, clock.now() + timedelta(seconds=5))
    assert alerts(now_bodies) == [None]  # the device's acknowledgement
    later = pushed(store, at + timedelta(seconds=1))
    assert alerts(later) == ["8F66"]
    assert schema.schema_error(xml.parse(later[0])) is None


def test_cancellation_withdraws_the_pending_alert(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    at = clock.now() + timedelta(days=3)
    assert send_critical(gateway, 30, at.isoformat().replace("+00:00", "Z")) == "I99"
    assert send_critical(gateway, 31, CANCEL) == "I99"
    bodies = pushed(store, at + timedelta(days=1))
    assert alerts(bodies) == [None, None]  # two acknowledgements, no 8F66


WORLD = GbcsWorld(bytes.fromhex("66" * 32))
GSME = "00-DB-12-34-56-78-90-A1"
LOAD_LIMIT = (
    "<sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings>"
    "<sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>"
    "<sr:LoadLimitPeriod>300</sr:LoadLimitPeriod>"
    "<sr:LoadLimitPowerThreshold>6900</sr:LoadLimitPowerThreshold>"
    "<sr:LoadLimitRestorationPeriod>30</sr:LoadLimitRestorationPeriod>"
    "<sr:LoadLimitSupplyState>Unchanged</sr:LoadLimitSupplyState>"
    "</sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings>"
)
CREDIT_MODE = (
    "<sr:UpdatePaymentMode><sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>"
    "<sr:Credit/></sr:UpdatePaymentMode>"
)


@pytest.fixture
def world_gateway(store: Store, clock: ManualClock) -> Gateway:
    register_test_users(store)
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/")
    create_demo_fleet(store, clock, premises=0, seed=1)
    return Gateway(store, clock, dsp_signing_key(), Config(), gbcs=WORLD)


def send_signed_critical(
    gateway: Gateway, srv: str, target: str, counter: int, body: str, when: str
) -> str | None:
    """CV 4, the PreCommand signed with the User's ZAZ1 DS key, then CV 5."""
    pre = gateway.handle(
        WebService.TRANSFORM,
        signed(request(srv=srv, body=body.format(when=when), cv=4, counter=counter, target=target)),
    )
    assert response_code(pre.body) == "I0", pre.body
    text = xml.parse(pre.body).findtext(".//sr:PreCommand/sr:GBCSPayload", namespaces=NS)
    command = base64.b64decode(text or "")
    key = PARTIES.private_key(Eui64.parse(SUPPLIER), KeyUsage.DS)
    assert key is not None and command.startswith(b"\xdf\x09")
    signed_command = base64.b64encode(command + b"\x40" + crypto.sign(key, command[1:])).decode()
    cv5 = (
        f"<sr:SignedPreCommand><sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>"
        f"<sr:GBCSPayload>{signed_command}</sr:GBCSPayload></sr:SignedPreCommand>"
    )
    reply = gateway.handle(
        S, signed(request(srv=srv, body=cv5, cv=5, counter=counter, target=target))
    )
    return response_code(reply.body)


def executed(bodies: list[bytes]) -> list[tuple[str, str, bytes]]:
    """(InstructionNumber, TotalCommandInstructions, GBCSPayload) of each 8F66 message."""
    found = []
    for body in bodies:
        alert = xml.parse(body).find(".//sr:FutureDatedDeviceAlertMessage", namespaces=NS)
        if alert is not None:
            found.append(
                (
                    alert.findtext("sr:InstructionNumber", namespaces=NS) or "",
                    alert.findtext("sr:TotalCommandInstructions", namespaces=NS) or "",
                    base64.b64decode(alert.findtext("sr:GBCSPayload", namespaces=NS) or ""),
                )
            )
    return sorted(found)


@pytest.mark.parametrize(
    ("srv", "target", "body", "instructions", "message_code"),
    [
        ("6.4.1", ESME, LOAD_LIMIT, 4, 0x00CC),  # ECS28a: four passive values' activation
        ("1.6", GSME, CREDIT_MODE, 1, 0x00CD),  # GCS02: Change Payment Mode
    ],
)
def test_device_held_critical_command_raises_the_meters_signed_8f66_per_instruction(
    world_gateway: Gateway,
    store: Store,
    clock: ManualClock,
    srv: str,
    target: str,
    body: str,
    instructions: int,
    message_code: int,
) -> None:
    at = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    when = at.isoformat().replace("+00:00", "Z")
    assert send_signed_critical(world_gateway, srv, target, 50, body, when) == "I99"
    now_bodies = pushed(store, clock.now() + timedelta(seconds=5))
    assert executed(now_bodies) == []  # the device's signed acknowledgement only
    later = pushed(store, at + timedelta(seconds=1))
    found = executed(later)
    assert [(n, total) for n, total, _ in found] == [
        (str(i), str(instructions)) for i in range(1, instructions + 1)
    ]
    meter = WORLD.device_certificate(Eui64.parse(target), KeyUsage.DS).public_key()
    assert isinstance(meter, ec.EllipticCurvePublicKey)
    counters = []
    for body_xml, (_, _, frame) in zip(later, found, strict=True):
        assert schema.schema_error(xml.parse(body_xml)) is None
        parsed = parse_general_signing(frame)
        assert parsed.header.cra is Cra.ALERT and parsed.header.message_code == message_code
        assert parsed.signature_valid(meter)  # the meter's DS key, no MAC
        assert parsed.header.recipient == Eui64.parse(SUPPLIER).value.to_bytes(8, "big")
        assert (50).to_bytes(8, "big") in parsed.content  # the command's counter
        counters.append(parsed.header.counter)
    assert counters == sorted(set(counters))  # distinct, in instruction order


def test_cancellation_withdraws_every_pending_8f66(
    world_gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    at = clock.now() + timedelta(days=3)
    when = at.isoformat().replace("+00:00", "Z")
    assert send_signed_critical(world_gateway, "6.4.1", ESME, 60, LOAD_LIMIT, when) == "I99"
    assert send_signed_critical(world_gateway, "6.4.1", ESME, 61, LOAD_LIMIT, CANCEL) == "I99"
    assert executed(pushed(store, at + timedelta(days=1))) == []
