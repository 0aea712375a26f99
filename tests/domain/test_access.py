from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gbdsp.domain.access import ACCESS_CHECKS, ALLOWED, AccessRequest, Refused, authorise
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User, UserRole, UserStatus
from gbdsp.domain.requests import CommandVariant, RequestId, WebService
from gbdsp.domain.srv import catalogue

SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
OTHER = UserId.parse("00-DB-12-34-56-78-01-01")
NO = UserId.parse("90-B3-D5-1F-30-02-00-00")
DCC = "90-B3-D5-1F-30-00-00-02"
ESME_ID = "00-DB-12-34-56-78-90-A0"
USER = User(SUPPLIER, "P", "supplier", frozenset({UserRole.IS, UserRole.GS}))
ESME = Device(
    DeviceId.parse(ESME_ID),
    DeviceType.ESME,
    DeviceModel("a", "b", "c", "d"),
    "SMETS2",
    SmiStatus.COMMISSIONED,
    datetime(2025, 1, 1, tzinfo=UTC),
    responsible_supplier=SUPPLIER,
    network_operator=NO,
)
CV, WS = CommandVariant, WebService


def ask(
    srv: str = "11.2",
    cv: CommandVariant = CV.COMMAND,
    ws: WebService = WS.SEND_COMMAND,
    user: User | None = USER,
    device: Device | None = ESME,
    target: str = ESME_ID,
) -> Refused | None:
    found = catalogue().get(srv)
    assert found is not None
    rid = RequestId.parse(f"{SUPPLIER}:{target}:1")
    decision = authorise(AccessRequest(rid, user, found, cv, ws, device))
    return None if decision is ALLOWED else decision  # type: ignore[return-value]


def code(refusal: Refused | None) -> str | None:
    return refusal.code if refusal else None


def test_the_responsible_supplier_may_read_its_meter() -> None:
    assert ask() is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(ws=WS.TRANSFORM), "E13"),  # CV 1 at serviceT
        (dict(cv=CV.NON_DEVICE, ws=WS.NON_DEVICE), "E12"),  # CV 8 for a device SRV
        (dict(srv="8.1.1", cv=CV.COMMAND), "E12"),  # critical SRV as CV 1
        (dict(srv="8.2", cv=CV.NON_DEVICE, ws=WS.NON_DEVICE), "E12"),  # non-device to a device
        (dict(user=None), "E1"),
        (dict(user=replace(USER, roles=frozenset())), "E1"),
        (dict(user=replace(USER, status=UserStatus.SUSPENDED)), "E3"),
        (dict(srv="4.6.2"), "E2"),  # export log: ES only
        (dict(device=None), "E19"),
        (dict(device=replace(ESME, device_type=DeviceType.IHD, status=None)), "E11"),
        (dict(srv="8.11"), "E11"),  # HAN log: CHF only
        (dict(device=replace(ESME, responsible_supplier=OTHER)), "E4"),
        (dict(device=replace(ESME, status=SmiStatus.DECOMMISSIONED)), "E5"),
        (dict(srv="8.1.1", cv=CV.TRANSFORM, ws=WS.TRANSFORM), "E5"),  # AC 4.12(b)
    ],
)
def test_refusals_carry_the_duis_code(kwargs: dict[str, object], expected: str) -> None:
    assert code(ask(**kwargs)) == expected  # type: ignore[arg-type]


def test_checks_run_in_the_documented_order() -> None:
    # Wrong URL and unknown User at once: the URL is judged first.
    assert code(ask(ws=WS.TRANSFORM, user=None)) == "E13"
    # Unknown device and wrong role at once: the role is judged first.
    assert code(ask(srv="4.6.2", device=None)) == "E2"
    assert [c.__name__ for c in ACCESS_CHECKS][:3] == [
        "web_service_fits_cv",
        "cv_fits_srv",
        "user_is_valid",
    ]


def test_network_operator_may_act_on_its_own_meters_only() -> None:
    operator = User(NO, "N", "network operator", frozenset({UserRole.ED}))
    assert ask(srv="4.2", user=operator) is None
    assert code(ask(srv="4.2", user=operator, device=replace(ESME, network_operator=OTHER))) == "E4"


def test_an_agent_acts_only_for_the_suppliers_it_works_for() -> None:
    agent = User(
        UserId.parse("00-DB-12-34-56-78-00-04"),
        "A",
        "agent",
        frozenset({UserRole.RSA}),
        acts_for=frozenset({SUPPLIER}),
    )
    assert ask(user=agent) is None
    assert code(ask(user=agent, device=replace(ESME, responsible_supplier=OTHER))) == "E4"


def test_non_device_requests_are_for_the_dcc() -> None:
    assert ask(srv="8.2", cv=CV.NON_DEVICE, ws=WS.NON_DEVICE, device=None, target=DCC) is None
