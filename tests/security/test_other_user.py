"""Finding 1 (High): an Other User acts only where it has standing (domain/other_user.py).

The five attacks of the issue, each refused E4 with nothing changed in the SMI or on the
HAN, whether or not the OU holds an authorisation for the premises; what an OU may do
with its own CAD on premises whose consumer authorised it; and every OU-eligible SRV of
the catalogue through the access-control table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gbdsp.domain.access import (
    ACCESS_CHECKS,
    BODY_DEVICE_CHECKS,
    AccessRequest,
    Allowed,
    Refused,
    authorise,
)
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.other_user import NO_DEVICE_SRVS, OU_STANDING, Standing
from gbdsp.domain.parties import User, UserRole
from gbdsp.domain.requests import CommandVariant, RequestId, WebService
from gbdsp.domain.srv import catalogue
from gbdsp.services import operations, security
from tests.scenarios.duis_client import (
    inventory_mpxn,
    inventory_status,
    join,
    prenotification,
    whitelist,
)
from tests.security.world import (
    CHF,
    ESME,
    OU,
    OU_CAD,
    PPMID_JOINED,
    PPMID_WAITING,
    D,
    S,
    World,
    code_of,
)


def unjoin(other: str) -> str:
    return (
        f"<sr:UnjoinServiceNonCritical><sr:OtherDeviceID>{other}</sr:OtherDeviceID>"
        "</sr:UnjoinServiceNonCritical>"
    )


def snapshot(world: World) -> tuple[object, ...]:
    """What the attacks aim at: statuses, MPxNs, CHF links and the joins of the premises."""
    with world.store.read() as tx:
        chf, log = tx.devices.premises(DeviceId.parse(CHF))
        devices = [chf, *log]
        joins = {
            d.device_id: sorted(tx.wan.joined_with(d.device_id)) for d in devices if d is not None
        }
        return tuple(
            (d.device_id, d.status, d.import_mpxn, d.chf_id) for d in devices if d is not None
        ), joins


def authorise_premises(world: World) -> None:
    assert security.authorise_other_user(
        world.store, UserId.parse(OU), DeviceId.parse(CHF), world.clock.now()
    )


def prenotify_own_cad(world: World) -> None:
    body = prenotification(OU_CAD, "CAD", "EF03", "0E20", "00000001")
    assert code_of(world.send(D, "12.2", body, cv=8)) == "I0"


ATTACKS = {
    "8.4 status change of a commissioned ESME": (
        D,
        "8.4",
        inventory_status(ESME, "InstalledNotCommissioned"),
        None,
    ),
    "8.4 MPxN change of an ESME": (D, "8.4", inventory_mpxn(ESME, "1900000000999"), None),
    "8.4 CHF to Withdrawn": (D, "8.4", inventory_status(CHF, "Withdrawn", ch=True), None),
    "8.11 a device onto another supplier's hub": (
        S,
        "8.11",
        whitelist(PPMID_WAITING, "0" * 32),
        CHF,
    ),
    "8.8.2 unjoin another supplier's meter": (S, "8.8.2", unjoin(PPMID_JOINED), ESME),
}


@pytest.mark.parametrize("authorised", [False, True], ids=["unauthorised", "authorised"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_five_attacks_are_refused_and_change_nothing(
    world: World, attack: str, authorised: bool
) -> None:
    if authorised:  # consent at the premises is no licence to change another's devices
        authorise_premises(world)
    web_service, srv, body, target = ATTACKS[attack]
    before = snapshot(world)
    with world.store.read() as tx:
        queued = tx.outbox.pending()
    reply = world.send(web_service, srv, body, cv=8 if web_service is D else 1, target=target)
    assert code_of(reply) == "E4"
    assert snapshot(world) == before
    with world.store.read() as tx:
        assert tx.outbox.pending() == queued  # no device response: nothing was sent


def test_an_ou_may_not_pre_notify_a_meter(world: World) -> None:
    body = prenotification("00-DB-12-34-56-78-91-C1", "ESME", "AB01", "010A030B", "0002012F")
    assert code_of(world.send(D, "12.2", body, cv=8)) == "E4"
    with world.store.read() as tx:
        assert tx.devices.get(DeviceId.parse("00-DB-12-34-56-78-91-C1")) is None


def test_reads_need_the_consumers_authorisation(world: World) -> None:
    assert code_of(world.send(S, "11.2", "<sr:ReadFirmwareVersion/>", cv=1, target=ESME)) == "E4"
    authorise_premises(world)
    assert code_of(world.send(S, "11.2", "<sr:ReadFirmwareVersion/>", cv=1, target=ESME)) == "I99"
    security.withdraw_other_user(world.store, UserId.parse(OU), DeviceId.parse(CHF))
    assert (
        code_of(world.send(S, "11.2", "<sr:ReadFirmwareVersion/>", cv=1, target=ESME)) == "E4"
    )  # effective on the next request


def test_the_cin_route_is_open_on_any_meter(world: World) -> None:
    reply = world.send(S, "9.1", "<sr:RequestCustomerIdentificationNumber/>", cv=1, target=ESME)
    assert code_of(reply) == "I99"


def test_an_authorised_ou_brings_its_own_cad_onto_the_han(world: World) -> None:
    prenotify_own_cad(world)
    # Not yet authorised: not even its own CAD goes onto another's hub.
    code = operations.install_code(world.gateway.emulator, DeviceId.parse(OU_CAD))
    assert code_of(world.send(S, "8.11", whitelist(OU_CAD, code), cv=1, target=CHF)) == "E4"
    authorise_premises(world)
    assert code_of(world.send(S, "8.11", whitelist(OU_CAD, code), cv=1, target=CHF)) == "I99"
    assert code_of(world.send(S, "8.7.2", join(OU_CAD), cv=1, target=ESME)) == "I99"
    with world.store.read() as tx:
        assert DeviceId.parse(OU_CAD) in tx.wan.joined_with(DeviceId.parse(ESME))
    # ...but never another party's device as the other end of a join.
    assert code_of(world.send(S, "8.7.2", join(PPMID_WAITING), cv=1, target=ESME)) == "E4"
    assert code_of(world.send(S, "8.8.2", unjoin(OU_CAD), cv=1, target=ESME)) == "I99"
    with world.store.read() as tx:
        assert DeviceId.parse(OU_CAD) not in tx.wan.joined_with(DeviceId.parse(ESME))


def test_the_supplier_keeps_its_rights(world: World) -> None:
    from tests.duis_support import SUPPLIER

    reply = world.send(D, "8.4", inventory_mpxn(ESME, "1900000000999"), cv=8, originator=SUPPLIER)
    assert code_of(reply) == "I0"


# -- every SRV an OU is eligible for, through the access-control table ----------------------

OU_USER = User(UserId.parse(OU), "OTHER-USER", "A CAD provider", frozenset({UserRole.OU}))
WHEN = datetime(2026, 3, 2, tzinfo=UTC)
OTHERS_CHF = DeviceId.parse(CHF)
OU_ELIGIBLE = sorted(
    (s for s in catalogue().by_id.values() if UserRole.OU in s.eligible_roles),
    key=lambda s: [int(p) for p in s.variant.split(".")],
)


def device(device_type: DeviceType, *, installer: UserId | None = None) -> Device:
    """A device of another supplier on `OTHERS_CHF`'s premises (or the OU's own Type 2)."""
    status = SmiStatus.COMMISSIONED if device_type.has_smi_status else None
    supplier = installer or UserId.parse("90-B3-D5-1F-30-01-00-00")
    hub = device_type is DeviceType.CHF
    return Device(
        OTHERS_CHF if hub else DeviceId(0x00DB_0000_0000_0001),
        device_type,
        DeviceModel("AB01", "010A030B", "0001", "0002012F"),
        "SMETS V1.58",
        status,
        WHEN if status else None,
        chf_id=None if hub else OTHERS_CHF,
        responsible_supplier=supplier,
        installing_supplier=supplier,
    )


def decide(srv: str, target: Device, premises: frozenset[DeviceId]) -> Allowed | Refused:
    found = catalogue().by_id[srv]
    cv = next(iter(sorted(found.command_variants, key=lambda c: c.value)))
    if found.non_device:
        rid = RequestId(OU_USER.user_id, DeviceId.parse("90-B3-D5-1F-30-00-00-02"), 1)
        return authorise(
            AccessRequest(
                rid,
                OU_USER,
                found,
                CommandVariant.NON_DEVICE,
                WebService.NON_DEVICE,
                target,
                ou_premises=premises,
            ),
            BODY_DEVICE_CHECKS,
        )
    rid = RequestId(OU_USER.user_id, target.device_id, 1)
    web_service = cv.web_service
    assert web_service is not None
    return authorise(
        AccessRequest(rid, OU_USER, found, cv, web_service, target, ou_premises=premises),
        ACCESS_CHECKS,
    )


def target_for(srv: str) -> DeviceType:
    return {"8.11": DeviceType.CHF}.get(srv, DeviceType.ESME)


def test_every_ou_eligible_srv_has_a_decided_standing() -> None:
    assert len(OU_ELIGIBLE) == 25
    undecided = [
        s.variant
        for s in OU_ELIGIBLE
        if s.variant not in OU_STANDING and s.variant not in NO_DEVICE_SRVS
    ]
    assert undecided == []


@pytest.mark.parametrize("srv", [s.variant for s in OU_ELIGIBLE if s.variant in OU_STANDING])
def test_each_ou_srv_on_another_suppliers_device(srv: str) -> None:
    target = device(target_for(srv))
    unauthorised = decide(srv, target, frozenset())
    authorised = decide(srv, target, frozenset({OTHERS_CHF}))
    standing = OU_STANDING[srv]
    if standing is Standing.CIN:
        assert isinstance(unauthorised, Allowed)
    elif standing is Standing.PREMISES:
        assert isinstance(unauthorised, Refused) and unauthorised.code == "E4"
        assert isinstance(authorised, Allowed), authorised
    else:  # OWN_TYPE2 (8.4): never another party's device, consent or not
        for decision in (unauthorised, authorised):
            assert isinstance(decision, Refused) and decision.code == "E4"


def test_8_4_on_the_ous_own_cad_is_not_an_smi_change() -> None:
    own = device(DeviceType.CAD, installer=OU_USER.user_id)
    decision = decide("8.4", own, frozenset())
    # E11, not E4: its standing holds, but a Type 2 Device has no SMI status or MPxN.
    assert isinstance(decision, Refused) and decision.code == "E11"
