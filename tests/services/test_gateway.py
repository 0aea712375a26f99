"""The DUIS pipeline in-process, on both databases, with real signed messages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, signature, xml
from gbdsp.duis.namespaces import SR
from gbdsp.duis.smki import DSP_CERTIFICATE, load_certificate, pki_file
from gbdsp.gateway.pipeline import Gateway, HttpReply
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import (
    DCC,
    ESME,
    NETWORK_OPERATOR,
    SUPPLIER,
    dsp_signing_key,
    read_firmware,
    read_inventory,
    request,
    signed,
)

D, S, T = WebService.NON_DEVICE, WebService.SEND_COMMAND, WebService.TRANSFORM
DSP_CERT = load_certificate(pki_file(DSP_CERTIFICATE))


@pytest.fixture
def gateway(store: Store, clock: ManualClock) -> Gateway:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=3, seed=1)
    with store.transaction() as tx:
        tx.users.set_response_url(UserId.parse(SUPPLIER), "http://127.0.0.1:9/duis")
    return Gateway(store, clock, dsp_signing_key())


def code_of(reply: HttpReply) -> str:
    assert reply.status == 200, reply.body
    root = xml.parse(reply.body)
    assert schema.schema_error(root) is None
    signature.verify(
        root, lambda i, s: DSP_CERT if (i, s) == (DSP_CERT.issuer, DSP_CERT.serial) else None
    )
    found = root.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode")
    assert found is not None
    return found


def test_read_inventory_answers_with_the_premises(gateway: Gateway) -> None:
    reply = gateway.handle(D, read_inventory(10))
    assert code_of(reply) == "I0"
    ids = re.findall(rb"<sr:DeviceID>([^<]+)</sr:DeviceID>", reply.body)
    assert ids[0] == b"00-DB-12-34-56-78-90-A2"
    assert b"00-DB-12-34-56-78-90-A0" in ids and b"00-DB-12-34-56-78-90-A3" in ids
    assert len(ids) <= 17
    assert b"<sr:RequestID>" + f"{SUPPLIER}:{DCC}:10".encode() in reply.body


def test_read_inventory_of_an_unknown_device_finds_nothing(gateway: Gateway) -> None:
    assert (
        code_of(gateway.handle(D, read_inventory(10, device="00-00-00-00-00-00-00-01")))
        == "E080201"
    )


def test_counters_must_strictly_increase(gateway: Gateway) -> None:
    assert code_of(gateway.handle(D, read_inventory(10))) == "I0"
    assert code_of(gateway.handle(D, read_inventory(10))) == "E40"  # replay
    assert code_of(gateway.handle(D, read_inventory(9))) == "E40"  # older
    assert code_of(gateway.handle(D, read_inventory(11))) == "I0"
    assert code_of(gateway.handle(D, read_inventory(2**64 - 1))) == "I0"


def test_each_user_has_its_own_counter(gateway: Gateway) -> None:
    assert code_of(gateway.handle(D, read_inventory(10))) == "I0"
    assert code_of(gateway.handle(D, read_inventory(10, originator=NETWORK_OPERATOR))) == "I0"


def test_a_device_request_is_acknowledged_and_its_response_queued(
    gateway: Gateway, store: Store
) -> None:
    assert code_of(gateway.handle(S, read_firmware(20))) == "I99"
    later = gateway.clock.now() + timedelta(seconds=1)  # after the SM WAN's latency
    with store.transaction() as tx:
        queued = tx.outbox.claim_due(later, later, 10)
    assert [m.response_id for m in queued] == [f"{ESME}:{SUPPLIER}:20"]
    response = xml.parse(queued[0].body)
    assert schema.schema_error(response) is None
    assert response.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode") == "I0"


def test_a_critical_transform_then_its_signed_pre_command_once(gateway: Gateway) -> None:
    req = request(srv="7.2", body="<sr:DisableSupply/>", cv=4, counter=30, target=ESME)
    reply = gateway.handle(T, signed(req))
    assert code_of(reply) == "I0"
    assert b"<sr:PreCommand>" in reply.body
    pre = f"<sr:SignedPreCommand><sr:GBCSPayload>{'QUJD'}</sr:GBCSPayload></sr:SignedPreCommand>"
    answer = signed(request(srv="7.2", body=pre, cv=5, counter=30, target=ESME))
    assert code_of(gateway.handle(S, answer)) == "I99"  # the one legitimate reuse
    again = signed(request(srv="7.2", body=pre, cv=5, counter=30, target=ESME))
    assert code_of(gateway.handle(S, again)) == "E40"  # but only once


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", 400, b"DTD"),
        (b"not xml at all", 400, b"not well-formed"),
        (b"<x>" + b"a" * 600_000 + b"</x>", 413, b"exceeds"),
    ],
)
def test_untrusted_input_gets_a_plain_http_error(
    gateway: Gateway, data: bytes, status: int, message: bytes
) -> None:
    reply = gateway.handle(D, data)
    assert (reply.status, reply.content_type) == (status, "text/plain")
    assert message in reply.body


def test_schema_invalid_and_tampered_requests_are_refused(gateway: Gateway) -> None:
    invalid = request(srv="8.2", body="<sr:ReadInventory/>", cv=8, counter=1)
    assert gateway.handle(D, signed(invalid)).status == 400
    tampered = read_inventory(12).replace(b"90-A2</sr:DeviceID>", b"90-A0</sr:DeviceID>")
    reply = gateway.handle(D, tampered)
    assert reply.status == 403 and b"digest mismatch" in reply.body


def test_a_request_signed_by_another_user_is_refused(gateway: Gateway) -> None:
    forged = signed(
        request(
            srv="8.2",
            cv=8,
            counter=5,
            body=(
                "<sr:ReadInventory><sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID>"
                "</sr:ReadInventory>"
            ),
        ),
        signer=NETWORK_OPERATOR,
    )
    reply = gateway.handle(D, forged)
    assert reply.status == 403
    assert b"certificate of 90-B3-D5-1F-30-02-00-00 signs a request from" in reply.body


def test_access_control_codes_come_back_signed(gateway: Gateway) -> None:
    assert code_of(gateway.handle(T, read_firmware(40))) == "E13"
    unknown = read_firmware(41, device="00-DB-12-34-56-78-77-77")
    assert code_of(gateway.handle(S, unknown)) == "E19"


def test_every_request_is_audited(gateway: Gateway, store: Store) -> None:
    gateway.handle(D, read_inventory(60))
    gateway.handle(D, b"junk")
    with store.transaction() as tx:
        entries = tx.audit.recent(10)
    assert [e.outcome for e in entries][:2] == ["400", "I0"]
    assert entries[1].request_id == f"{SUPPLIER}:{DCC}:60"
    assert entries[1].user_id is not None and str(entries[1].user_id) == SUPPLIER


def test_responses_are_valid_xml_documents(gateway: Gateway) -> None:
    body = gateway.handle(D, read_inventory(70)).body
    assert body.startswith(b"<?xml")
    assert etree.fromstring(body).tag == f"{{{SR}}}Response"
