"""MP121 acceptance: install and leave, change of supplier, the code asked for and given,
through the SSI API and signed DUIS, with mail through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gbdsp.clock import ManualClock, SystemClock
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.services import install_codes, registration
from gbdsp.services.ssi_access import issue_token
from gbdsp.services.users import add_user, set_response_url
from tests.duis_support import SUPPLIER
from tests.scenarios.conftest import GAINING_SUPPLIER, World
from tests.scenarios.duis_client import COMMISSION, ch_install, inventory_mpxn, inventory_status
from tests.scenarios.test_lifecycle import CHF, ESME, GPF, MPAN, prenotify, whitelisted

pytestmark = pytest.mark.slow
OTHER = "00-DB-12-34-57-00-00-09"  # a second meter left uncommissioned


def emails(world: World) -> None:
    with world.store.transaction() as tx:
        for uid, address in ((SUPPLIER, "installer@a.test"), (GAINING_SUPPLIER, "ops@b.test")):
            user = tx.users.get(UserId.parse(uid))
            assert user is not None
            tx.users.put(replace(user, email=address))


def install_and_leave_then_cos(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    s = world.supplier
    assert s.non_device("8.14.2", ch_install(CHF, wan=False, mpxn=MPAN)) == "I0"
    for meter in (ESME, OTHER):
        assert prenotify(world, meter, "ESME") == "I0"
        assert s.non_device("8.4", inventory_status(meter, "InstalledNotCommissioned")) == "I0"
        assert s.non_device("8.4", inventory_mpxn(meter, MPAN)) == "I0"
    now = datetime.now(UTC)
    registration.record(world.store, [(MPAN, UserId.parse(GAINING_SUPPLIER), now)], now)
    world.coverage_arrives(CHF)


def api(world: World, token: str, method: str, path: str, **kw: object) -> httpx.Response:
    return httpx.request(
        method,
        f"{world.url}/ssi/api/v1/install-code-requests{path}",
        headers={"Authorization": f"Bearer {token}"},
        **kw,  # type: ignore[arg-type]
    )


def test_mp121_end_to_end(world: World) -> None:
    mailbox = world.mailbox
    emails(world)
    install_and_leave_then_cos(world)
    now = SystemClock().now()
    a = issue_token(world.store, UserId.parse(SUPPLIER), "A", now)
    b = issue_token(world.store, UserId.parse(GAINING_SUPPLIER), "B", now)
    nw = issue_token(world.store, UserId.parse("00-DB-12-34-56-78-00-04"), "agent", now)

    # B asks: one at a time, then in bulk with a mix of good and bad rows.
    single = api(world, b, "POST", "", json={"device_id": ESME})
    assert single.status_code == 200, single.text
    request_id = single.json()["id"]
    assert f"assigned to {SUPPLIER}" in single.json()["message"]
    bulk = api(
        world,
        b,
        "POST",
        "/bulk",
        content=(f"device_id\n{OTHER}\n{ESME}\nnot-a-device\n{CHF}\n00-DB-12-34-57-0F-0F-0F\n"),
    )
    rows = {r["line"]: r for r in bulk.json()}
    assert rows[2]["id"] is not None  # OTHER: raised
    assert "still open" in rows[3]["message"]  # ESME: already asked
    assert "not an EUI-64" in rows[4]["message"]
    assert "has no install code" in rows[5]["message"]  # a CHF
    assert "not in the SMI" in rows[6]["message"]
    assert api(world, a, "POST", "", json={"device_id": OTHER}).status_code == 400  # not A's

    # A is mailed (one mail per batch); the mail carries no code.
    to_a = mailbox.wait_for("installer@a.test", 2)
    assert len(to_a) == 2 and "install-code request" in to_a[0][1]

    # A answers (only A may), B is mailed, only B reads the code.
    code = world.install_code(ESME)
    assert (
        api(world, b, "POST", f"/{request_id}/answer", json={"install_code": code}).status_code
        == 403
    )
    answered = api(world, a, "POST", f"/{request_id}/answer", json={"install_code": code})
    assert answered.json()["status"] == "Answered"
    to_b = mailbox.wait_for("ops@b.test")
    assert to_b and all(code not in body and code.lower() not in body for _, _, body in to_b)
    assert api(world, a, "GET", f"/{request_id}/code").status_code == 403
    assert api(world, nw, "GET", f"/{request_id}/code").status_code == 404  # not its own
    read = api(world, b, "GET", f"/{request_id}/code").json()["install_code"]
    assert read == code
    with world.store.read() as tx:  # sealed at rest
        sealed = tx.install_codes.sealed_code(request_id)
    assert sealed
    assert bytes.fromhex(code) not in sealed

    # B whitelists and commissions with it; the request closes itself.
    assert whitelisted(world, ESME, code=read, user="gaining") == "I0"
    assert world.gaining.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"
    mine = {r["id"]: r for r in api(world, b, "GET", "").json()}
    assert mine[request_id]["status"] == "Closed"

    # The wrong party: A says it did not install OTHER; B redirects; only B may close.
    other_id = rows[2]["id"]
    assert (
        api(world, a, "POST", f"/{other_id}/answer", json={"not_installer": True}).json()["status"]
        == "NotInstaller"
    )
    assert api(world, a, "POST", f"/{other_id}/close").status_code == 403
    unknown = api(world, b, "POST", f"/{other_id}/redirect", json={"to": "00-DB-12-34-56-78-0E-0E"})
    assert unknown.status_code == 404  # not a registered supplier
    earlier = UserId.parse("00-DB-12-34-56-78-0E-01")
    add_user(
        world.store, User(earlier, "EARLIER", "Earlier Supplier", frozenset({UserRole.IS})), None
    )
    moved = api(world, b, "POST", f"/{other_id}/redirect", json={"to": str(earlier)})
    assert moved.json()["status"] == "Open" and moved.json()["assignee"] == str(earlier)
    assert api(world, b, "POST", f"/{other_id}/close").json()["status"] == "Closed"


def test_overdue_requests_are_escalated(world: World) -> None:
    install_and_leave_then_cos(world)
    raised = install_codes.raise_requests(
        world.store, SystemClock(), world.config, UserId.parse(GAINING_SUPPLIER), [(1, ESME)]
    )
    assert raised[0].request_id is not None
    later = ManualClock(datetime.now(UTC) + timedelta(days=30))
    late = install_codes.overdue(world.store, later)
    assert [r.id for r in late] == [raised[0].request_id]
    line = install_codes.sla_report(world.store, later, world.config)[0]
    assert (line.received, line.outstanding, line.overdue) == (1, 1, 1)
    backlog = install_codes.raise_requests(
        world.store,
        SystemClock(),
        world.config,
        UserId.parse(GAINING_SUPPLIER),
        [(1, OTHER)],
        backlog=True,
    )
    assert backlog[0].request_id is not None
    assert [r.id for r in install_codes.overdue(world.store, later)] == [raised[0].request_id]
    set_response_url(world.store, UserId.parse(GAINING_SUPPLIER), None)
