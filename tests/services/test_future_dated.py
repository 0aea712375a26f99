"""Future-dated requests through the real gateway, both databases: device-held ones are
acknowledged now and alert 8F66 is held until the time; a cancellation withdraws it;
DSP-held ones are answered at the time; past dates run at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, xml
from gbdsp.duis.client import response_code
from gbdsp.gateway.pipeline import Gateway
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
