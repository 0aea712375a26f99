"""Test worlds: `boxed` lets every DCC Boxed template originator send its template, `sec`
keeps the SEC's one role per User ID (domain/world.py), through the real gateway."""

from __future__ import annotations

import pytest

from gbdsp.clock import ManualClock
from gbdsp.config import Config, WorldConfig
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import UserRole
from gbdsp.domain.requests import WebService
from gbdsp.duis.client import response_code
from gbdsp.gateway.pipeline import Gateway
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import DCC, ESME, SUPPLIER, dsp_signing_key, request, signed

GSME = "00-DB-12-34-56-78-90-A1"
ACB = DCC
SUPPLIER2 = "90-B3-D5-1F-30-03-00-00"
LOAD_CONTROLLER = "90-B3-D5-1F-30-01-00-08"
NETWORK_OPERATOR = "90-B3-D5-1F-30-02-00-00"


def gateway(store: Store, clock: ManualClock, profile: str) -> Gateway:
    register_test_users(store, profile)
    create_demo_fleet(store, clock, premises=0, seed=1)
    return Gateway(
        store,
        clock,
        dsp_signing_key(),
        Config(world=WorldConfig.model_validate({"profile": profile})),
    )


# (originator, SRV, CV, target, body): templates that only the boxed reading admits.
CASES = [
    (
        SUPPLIER,
        "4.6.2",
        1,
        ESME,
        "<sr:RetrieveExportDailyReadLog><sr:ReadLogPeriod>"
        "<sr:StartDateTime>2026-03-01T00:00:00Z</sr:StartDateTime><sr:EndDateTime>"
        "2026-03-02T00:00:00Z</sr:EndDateTime></sr:ReadLogPeriod></sr:RetrieveExportDailyReadLog>",
    ),
    (SUPPLIER, "9.1", 1, ESME, "<sr:RequestCustomerIdentificationNumber/>"),
    (NETWORK_OPERATOR, "14.1", 1, GSME, "<sr:RecordNetworkDataGAS/>"),
    (ACB, "11.2", 1, ESME, "<sr:ReadFirmwareVersion/>"),
    (SUPPLIER2, "11.2", 1, ESME, "<sr:ReadFirmwareVersion/>"),
]


@pytest.mark.parametrize(
    ("profile", "codes"),
    [
        ("boxed", ["I99", "I99", "I99", "I99", "I99"]),
        ("sec", ["E2", "E2", "E2", "E1", "E4"]),
    ],
)
def test_profile_decides_who_may_send_what(
    store: Store, clock: ManualClock, profile: str, codes: list[str]
) -> None:
    gw = gateway(store, clock, profile)
    got = []
    for n, (originator, srv, cv, target, body) in enumerate(CASES, start=1):
        message = signed(
            request(srv=srv, body=body, cv=cv, counter=n, originator=originator, target=target)
        )
        reply = gw.handle(WebService.SEND_COMMAND, message)
        assert reply.status == 200, reply.body
        got.append(response_code(reply.body))
    assert got == codes


def test_roles_switch_with_profile_and_every_test_user_is_registered(store: Store) -> None:
    for profile, acb_roles in (("sec", frozenset()), ("boxed", frozenset(UserRole))):
        register_test_users(store, profile)
        with store.read() as tx:
            acb = tx.users.get(UserId.parse(ACB))
            ids = {str(u.user_id) for u in tx.users.all() if tx.users.certificates_of(u.user_id)}
        assert acb is not None
        assert acb.roles == acb_roles - {UserRole.RSA}
        assert {
            SUPPLIER,
            SUPPLIER2,
            ACB,
            LOAD_CONTROLLER,
            NETWORK_OPERATOR,
            "90-B3-D5-1F-30-00-00-01",
            "90-B3-D5-1F-30-00-00-04",
            "90-B3-D5-1F-30-00-00-07",
            "00-DB-12-34-56-78-00-04",
        } <= ids


def test_load_controller_limit_apc_level_only_in_boxed(store: Store, clock: ManualClock) -> None:
    """7.16: the SRV matrix names no eligible role; DCC Boxed sends it for its test Users."""
    body = (
        '<sr:LimitAPCLevel auxiliaryControllerN="5"><sr:StartDateTime>'
        "2026-03-03T00:00:00Z</sr:StartDateTime><sr:EndDateTime>2026-03-03T01:00:00Z"
        "</sr:EndDateTime><sr:CommandedStateLevel>100</sr:CommandedStateLevel>"
        "</sr:LimitAPCLevel>"
    )
    for n, (profile, code) in enumerate((("sec", "E1"), ("boxed", "I0")), start=1):
        gw = gateway(store, clock, profile)
        message = signed(
            request(srv="7.16", body=body, cv=4, counter=n, originator=LOAD_CONTROLLER, target=ESME)
        )
        reply = gw.handle(WebService.TRANSFORM, message)
        assert response_code(reply.body) == code, reply.body


def test_boxed_keeps_other_suppliers_devices_closed(store: Store, clock: ManualClock) -> None:
    """The sandbox is the test parties': a device of any other supplier stays E4, also for
    SRVs whose eligibility the boxed reading widens (9.1)."""
    register_test_users(store, "boxed")
    create_demo_fleet(store, clock, premises=12, seed=1)
    gw = Gateway(store, clock, dsp_signing_key(), Config(world=WorldConfig(profile="boxed")))
    with store.read() as tx:
        other = next(
            d
            for d in tx.devices.find(postcode="", limit=100_000)
            if d.device_type.value == "ESME"
            and d.responsible_supplier is not None
            and str(d.responsible_supplier) not in (SUPPLIER, SUPPLIER2)
        )
    for n, (srv, body) in enumerate(
        (
            ("11.2", "<sr:ReadFirmwareVersion/>"),
            ("9.1", "<sr:RequestCustomerIdentificationNumber/>"),
        ),
        start=1,
    ):
        message = signed(request(srv=srv, body=body, cv=1, counter=n, target=str(other.device_id)))
        assert response_code(gw.handle(WebService.SEND_COMMAND, message).body) == "E4"
