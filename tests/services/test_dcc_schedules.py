"""5.1-5.3 and the running of DCC schedules, through the real gateway and job code, on both
databases."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, xml
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.gbcs.parse import verify_general_ciphering
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services import dcc_schedules
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import ESME, SUPPLIER, dsp_signing_key, request, signed

D = WebService.NON_DEVICE
NS = {"sr": "http://www.dccinterface.co.uk/ServiceUserGateway"}


@pytest.fixture
def gateway(store: Store, clock: ManualClock) -> Gateway:
    register_test_users(store)
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/")
    create_demo_fleet(store, clock, premises=0, seed=1)
    return Gateway(store, clock, dsp_signing_key(), Config())


def create(
    counter: int,
    *,
    start: str = "2015-01-02",
    end: str | None = None,
    variant: str = "4.6.1",
    body: str = "DSPRetrieveImportDailyReadLog",
) -> bytes:
    end_xml = f"<sr:ScheduleEndDate>{end}</sr:ScheduleEndDate>" if end else ""
    offsets = (
        ""
        if body.startswith("DSPRead")
        else "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00Z"
        "</sr:StartTime><sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00Z"
        "</sr:EndTime>"
    )
    inner = (
        f"<sr:ScheduleFrequency>Daily</sr:ScheduleFrequency><sr:ScheduleStartDate>{start}"
        f"</sr:ScheduleStartDate>{end_xml}<sr:DSPScheduledServiceReference>"
        f"{variant.rsplit('.', 1)[0] if variant.count('.') == 2 else variant}"
        f"</sr:DSPScheduledServiceReference><sr:DSPScheduledServiceReferenceVariant>"
        f"{variant}</sr:DSPScheduledServiceReferenceVariant><sr:DeviceID>{ESME}"
        f"</sr:DeviceID><sr:{body}>{offsets}</sr:{body}>"
    )
    return signed(
        request(
            srv="5.1", body=f"<sr:CreateSchedule>{inner}</sr:CreateSchedule>", cv=8, counter=counter
        )
    )


def by_id(srv: str, counter: int, schedule_id: int) -> bytes:
    name = {"5.2": "ReadSchedule", "5.3": "DeleteSchedule"}[srv]
    body = f"<sr:{name}><sr:DSPScheduleID>{schedule_id}</sr:DSPScheduleID></sr:{name}>"
    return signed(request(srv=srv, body=body, cv=8, counter=counter))


def answer(gateway: Gateway, message: bytes) -> etree._Element:
    reply = gateway.handle(D, message)
    assert reply.status == 200, reply.body
    root = xml.parse(reply.body)
    assert schema.schema_error(root) is None
    return root


def code(root: etree._Element) -> str | None:
    return root.findtext("sr:Header/sr:ResponseCode", namespaces=NS)


def schedules(store: Store) -> int:
    with store.read() as tx:
        return len(tx.schedules.of_device(DeviceId.parse(ESME)))


def test_create_read_delete(gateway: Gateway, store: Store) -> None:
    root = answer(gateway, create(10))
    assert code(root) == "I0"
    schedule_id = int(root.findtext(".//sr:ResponseMessage/sr:DSPScheduleID", namespaces=NS) or "0")
    read = answer(gateway, by_id("5.2", 11, schedule_id))
    assert code(read) == "I0"
    details = read.find(".//sr:DSPSchedulesRead/sr:DSPSchedules/sr:DSPScheduleDetails", NS)
    assert details is not None
    assert details.findtext("sr:ScheduleFrequency", namespaces=NS) == "Daily"
    assert code(answer(gateway, by_id("5.3", 12, schedule_id))) == "I0"
    assert code(answer(gateway, by_id("5.2", 13, schedule_id))) == "E050201"
    assert code(answer(gateway, by_id("5.3", 14, schedule_id))) == "E050301"
    assert schedules(store) == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"start": "2026-01-01", "end": "2026-02-01"}, "E050102"),  # ended before today
        ({"start": "2026-04-02", "end": "2026-04-01"}, "E050101"),  # no occurrence at all
        # 4.2: the XSD lets it be scheduled, the SRV matrix does not mark it DCC Scheduled
        ({"variant": "4.2", "body": "DSPReadInstantaneousExportRegisters"}, "E050103"),
        ({"variant": "4.6.2"}, "E050105"),  # body of another SRV
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_stored(
    gateway: Gateway, store: Store, kwargs: dict[str, str], expected: str
) -> None:
    assert code(answer(gateway, create(10, **kwargs))) == expected
    assert schedules(store) == 0


def test_each_occurrence_runs_once_and_is_pushed(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    assert code(answer(gateway, create(10))) == "I0"
    emulator = DeviceEmulator(Config().wan)
    assert dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator) == 0  # not yet
    clock.advance(timedelta(days=1))
    assert dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator) == 1
    assert dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator) == 0  # once
    clock.advance(timedelta(days=1))
    assert dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator) == 1
    with store.transaction() as tx:
        pushed = tx.outbox.claim_due(clock.now(), clock.now(), 10)
    assert len(pushed) == 2 and len({m.response_id for m in pushed}) == 2
    message = xml.parse(pushed[0].body)
    assert schema.schema_error(message) is None
    assert message.findtext(".//sr:DSPScheduledMessage/sr:DSPScheduleID", namespaces=NS)


def _pushed_payloads(store: Store, clock: ManualClock) -> list[bytes]:
    """The GBCSPayload of each pushed DSPScheduledMessage, in the order of the occurrences."""
    with store.transaction() as tx:
        pushed = sorted(tx.outbox.claim_due(clock.now(), clock.now(), 10), key=lambda m: m.id)
    texts = [
        xml.parse(m.body).findtext(".//sr:DSPScheduledMessage/sr:GBCSPayload", namespaces=NS)
        for m in pushed
    ]
    return [base64.b64decode(text or "") for text in texts]


def test_an_occurrence_answers_in_gbcs_with_the_builder_its_caller_hands_it(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    """run_due asks the lookup it is given (the registry's) for the SRV's builder: 4.6.1 on
    the ESME is ECS21a, MACed for the User; with no lookup it is not encoded: E11, no
    payload (docs/gbcs.md "Not encoded")."""
    assert code(answer(gateway, create(10))) == "I0"
    world = GbcsWorld(bytes.fromhex("77" * 32))
    emulator = DeviceEmulator(Config().wan, world)
    clock.advance(timedelta(days=1))
    assert dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator) == 1
    clock.advance(timedelta(days=1))
    ran = dcc_schedules.run_due(store, clock, dsp_signing_key(), emulator, builders=gbcs_builder)
    assert ran == 1
    with store.read() as tx:
        codes = [e.outcome for e in tx.audit.recent(10) if e.direction == "response"]
    assert sorted(codes) == ["E11", "I0"]
    not_encoded, real = _pushed_payloads(store, clock)
    assert not_encoded == b""
    z = world.shared_secret(Eui64.parse(ESME), Eui64.parse(SUPPLIER))
    assert verify_general_ciphering(real, z).header.message_code == EsmeCode.ECS21A


def test_decommission_removes_the_device_schedules(gateway: Gateway, store: Store) -> None:
    assert code(answer(gateway, create(10))) == "I0"
    body = f"<sr:DecommissionDevice><sr:DeviceID>{ESME}</sr:DeviceID></sr:DecommissionDevice>"
    assert code(answer(gateway, signed(request(srv="8.3", body=body, cv=8, counter=11)))) == "I0"
    assert schedules(store) == 0


def test_change_of_supplier_ends_the_old_suppliers_schedules(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    from gbdsp.services import registration
    from tests.duis_support import read_inventory

    assert code(answer(gateway, create(10))) == "I0"
    registration.record(
        store,
        [("1312345678111", UserId.parse("90-B3-D5-1F-30-03-00-00"), clock.now())],
        clock.now(),
    )
    assert code(answer(gateway, read_inventory(11))) == "I0"  # the take-over happens here
    assert schedules(store) == 0
