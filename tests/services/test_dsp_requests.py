"""8.2's DUIS 5.4 fields, 12.1, 8.13, 8.6 and 9.1 through the real gateway, both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.config import Config, WorldConfig
from gbdsp.domain.ids import UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, xml
from gbdsp.gateway.pipeline import Gateway
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import ESME, SUPPLIER, dsp_signing_key, read_inventory, request, signed

D, S = WebService.NON_DEVICE, WebService.SEND_COMMAND
NS = {"sr": "http://www.dccinterface.co.uk/ServiceUserGateway"}


def make(store: Store, clock: ManualClock, profile: str = "boxed") -> Gateway:
    register_test_users(store, profile)
    create_demo_fleet(store, clock, premises=2, seed=1)
    return Gateway(
        store,
        clock,
        dsp_signing_key(),
        Config(world=WorldConfig.model_validate({"profile": profile})),
    )


@pytest.fixture
def gateway(store: Store, clock: ManualClock) -> Gateway:
    return make(store, clock)


def answer(gateway: Gateway, service: WebService, message: bytes) -> etree._Element:
    reply = gateway.handle(service, message)
    assert reply.status == 200, reply.body
    root = xml.parse(reply.body)
    assert schema.schema_error(root) is None
    return root


def code(root: etree._Element) -> str | None:
    return root.findtext("sr:Header/sr:ResponseCode", namespaces=NS)


def wan_matrix(counter: int, inner: str) -> bytes:
    return signed(
        request(
            srv="12.1",
            body=f"<sr:RequestWANMatrix>{inner}</sr:RequestWANMatrix>",
            cv=8,
            counter=counter,
        )
    )


def test_inventory_device_has_every_duis_54_field(gateway: Gateway) -> None:
    root = answer(gateway, D, read_inventory(10))
    devices = root.findall(".//sr:DSPInventory/sr:Device", NS)
    chf = devices[0]
    fields = [etree.QName(e).localname for e in chf]
    for name in (
        "DeviceFirmwareVersionStatus",
        "CPLStatus",
        "DateCommissioned",
        "UPRN",
        "PropertyFilter",
        "CSPRegion",
        "DeviceGBCSVersion",
        "HANVariant",
        "Connectivity",
    ):
        assert name in fields, name
    esme = next(d for d in devices if d.findtext("sr:DeviceID", namespaces=NS) == ESME)
    assert esme.findtext("sr:ESMEVariant", namespaces=NS) == "A"
    assert esme.findtext("sr:PropertyFilter/sr:PostCode", namespaces=NS) == "M22 4TA"
    assert esme.find("sr:HANVariant", NS) is None  # the CH's own property


def test_wan_matrix_by_postcode_uprn_and_unknown_uprn(gateway: Gateway) -> None:
    root = answer(
        gateway,
        D,
        wan_matrix(
            11,
            "<sr:PartialAddress><sr:PostCode>M22 0RR"
            "</sr:PostCode><sr:AddressIdentifier>Threapwood "
            "Road</sr:AddressIdentifier></sr:PartialAddress>",
        ),
    )
    assert code(root) == "I0"
    lines = {
        line.findtext("sr:CSPRegion", namespaces=NS): line.findtext(
            "sr:CSPRegionResponseCode", namespaces=NS
        )
        for line in root.iterfind(".//sr:DSPWANMatrixResponse", NS)
    }
    assert lines == {"North": "I0", "Central": "E120101", "South": "E120101"}  # Manchester
    root = answer(gateway, D, wan_matrix(12, "<sr:UPRN>77012345678</sr:UPRN>"))
    assert code(root) == "I0"
    assert (
        root.findtext(".//sr:DSPWANMatrixResponse/sr:CoverageAvailability", namespaces=NS) == "true"
    )
    before = _audit_count(gateway)
    root = answer(gateway, D, wan_matrix(13, "<sr:UPRN>99999999999</sr:UPRN>"))
    assert code(root) == "E120102"
    assert _audit_count(gateway) == before + 1  # audited, nothing else written


def _audit_count(gateway: Gateway) -> int:
    with gateway.store.read() as tx:
        return len(tx.audit.recent(1000))


def test_return_local_command_response(gateway: Gateway) -> None:
    def send(counter: int, original: str) -> str | None:
        body = (
            f"<sr:ReturnLocalCommandResponse><sr:OriginalRequestID>{original}"
            "</sr:OriginalRequestID><sr:DeviceGBCSResponse>3wkCAA==</sr:DeviceGBCSResponse>"
            "</sr:ReturnLocalCommandResponse>"
        )
        return code(
            answer(gateway, D, signed(request(srv="8.13", body=body, cv=8, counter=counter)))
        )

    assert send(20, f"{SUPPLIER}:{ESME}:5") == "I0"
    assert send(21, f"90-B3-D5-1F-30-02-00-00:{ESME}:5") == "E081301"
    assert send(22, f"{SUPPLIER}:00-00-00-00-00-00-00-01:5") == "E081302"


def opt_in(counter: int) -> bytes:
    body = (
        f"<sr:ServiceOptIn><sr:DeviceID>{ESME}</sr:DeviceID><sr:DeviceType>ESME"
        "</sr:DeviceType><sr:MPxNs><sr:ImportMPxN>1312345678111</sr:ImportMPxN></sr:MPxNs>"
        "<sr:OptInDate>2026-03-01</sr:OptInDate></sr:ServiceOptIn>"
    )
    return signed(request(srv="8.6", body=body, cv=8, counter=counter))


def test_service_opt_in_answers_the_broker_credentials(gateway: Gateway) -> None:
    root = answer(gateway, D, opt_in(30))
    assert code(root) == "I0"
    assert root.findtext(".//sr:DSPOptIn/sr:DeviceID", namespaces=NS) == ESME
    assert root.findtext(".//sr:DSPBrokerSecurityCredentialsKeyAgreement", namespaces=NS)


def test_service_opt_in_has_no_eligible_role_under_sec(store: Store, clock: ManualClock) -> None:
    assert code(answer(make(store, clock, "sec"), D, opt_in(30))) == "E2"


def test_customer_identification_number_in_a_cin_message(gateway: Gateway, store: Store) -> None:
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/")
    message = signed(
        request(
            srv="9.1",
            body="<sr:RequestCustomerIdentificationNumber/>",
            cv=1,
            counter=40,
            target=ESME,
        )
    )
    assert code(answer(gateway, S, message)) == "I99"
    later = gateway.clock.now() + timedelta(seconds=5)
    with store.transaction() as tx:
        queued = tx.outbox.claim_due(later, later, 10)
    pushed = xml.parse(queued[0].body)
    assert schema.schema_error(pushed) is None
    cin = pushed.findtext(".//sr:CINMessage/sr:CustomerIdentificationNumber", namespaces=NS)
    assert cin is not None and len(cin) == 4 and cin.isdigit()


CHF = "00-DB-12-34-56-78-90-A2"


def test_n24_follows_a_han_device_log_update_once(gateway: Gateway, store: Store) -> None:
    """8.11 carried out: the device's response, then DCC alert N24 naming the request, both
    in the outbox from the request's own transaction; a replay adds nothing."""
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/")
    body = (
        "<sr:UpdateHANDeviceLog><sr:DeviceID>00-DB-12-34-56-78-90-9A</sr:DeviceID>"
        "<sr:RequestType>Remove</sr:RequestType></sr:UpdateHANDeviceLog>"
    )
    message = signed(request(srv="8.11", body=body, cv=1, counter=50, target=CHF))
    assert code(answer(gateway, S, message)) == "I99"
    assert code(answer(gateway, S, message)) == "E40"
    later = gateway.clock.now() + timedelta(seconds=5)
    with store.transaction() as tx:
        queued = tx.outbox.claim_due(later, later, 10)
    assert len(queued) == 2
    alert = xml.parse(queued[1].body)
    assert schema.schema_error(alert) is None
    assert alert.findtext(".//sr:DCCAlertMessage/sr:DCCAlertCode", namespaces=NS) == "N24"
    assert (
        alert.findtext(".//sr:UpdateHANDeviceLogServiceRequestID", namespaces=NS)
        == f"{SUPPLIER}:{CHF}:50"
    )
