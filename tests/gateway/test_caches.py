"""The gateway's caches of reference data: a change made anywhere is seen by the next
request on every worker (a second Store on the same database stands for another worker or
the CLI: its own engine and connections), never after a time-to-live."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import DeviceModel, DeviceType, SmetsVariant
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Party, User, UserRole, UserStatus
from gbdsp.domain.products import CplEntry, CplKey, CplStatus
from gbdsp.gateway.caches import ReferenceCache
from gbdsp.gateway.pipeline import Gateway
from gbdsp.services import registration, security
from gbdsp.services.users import add_user
from gbdsp.store.store import Store, Transaction
from gbdsp.worlds.demo import TEMPLATE_MPAN
from tests.duis_support import SUPPLIER, dsp_signing_key, read_inventory
from tests.security.world import CHF, ESME, OU, D, S, World, build_world, code_of
from tests.test_cli import Gbdsp
from tests.test_restart import free_port

OTHER_SUPPLIER = "00-DB-12-34-56-78-00-0A"
WHEN = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def world(store: Store, clock: ManualClock) -> World:
    return build_world(store, clock)


@pytest.fixture
def elsewhere(store: Store) -> Iterator[Store]:
    """Another worker's (or the CLI's) Store on the same database."""
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def version(store: Store) -> int | None:
    with store.read() as tx:
        return tx.reference.current()


def _cpl_key() -> CplKey:
    return CplKey(
        DeviceModel("FFFF", "0001", "0001", "00000001"), DeviceType.ESME, SmetsVariant.SMETS2
    )


def _supplier_user() -> User:
    return User(UserId.parse(OTHER_SUPPLIER), "OTHER", "Another supplier", frozenset({UserRole.IS}))


def _put(tx: Transaction, user: User) -> None:
    tx.users.ensure_party(Party(user.party_id, user.name))
    tx.users.put(user)


WRITES: dict[str, Callable[[Transaction], object]] = {
    "a User": lambda tx: _put(tx, _supplier_user()),
    "a receive-response URL": lambda tx: tx.users.set_response_url(
        UserId.parse(SUPPLIER), "http://127.0.0.1:9/other"
    ),
    "a role, in plain SQL": lambda tx: tx._connection.execute(
        text("DELETE FROM user_roles WHERE role = 'GS'")
    ),
    "an agent relationship": lambda tx: _put(
        tx,
        User(
            UserId.parse(OTHER_SUPPLIER),
            "OTHER",
            "Agent",
            frozenset({UserRole.RSA}),
            acts_for=frozenset({UserId.parse(SUPPLIER)}),
        ),
    ),
    "a certificate removed": lambda tx: tx._connection.execute(
        text("DELETE FROM user_certificates")
    ),
    "a revocation": lambda tx: [
        tx.security.revoke_certificate(c.issuer, c.serial, WHEN)
        for c in tx.users.certificates_of(UserId.parse(SUPPLIER))
    ],
    "an Other User authorisation": lambda tx: tx.security.authorise_other_user(
        UserId.parse(OU), DeviceId.parse(CHF), WHEN
    ),
    "a CPL entry": lambda tx: tx.cpl.put(CplEntry(_cpl_key(), CplStatus.ACTIVE)),
    "registration data": lambda tx: tx.registrations.add(
        TEMPLATE_MPAN, UserId.parse(SUPPLIER), WHEN, WHEN
    ),
}


@pytest.mark.parametrize("what", sorted(WRITES))
def test_every_change_to_cached_data_moves_the_reference_version(
    world: World, elsewhere: Store, what: str
) -> None:
    before = version(world.store)
    assert before is not None
    with elsewhere.transaction() as tx:
        WRITES[what](tx)
    after = version(world.store)
    assert after is not None and after > before


def test_a_change_rolled_back_leaves_the_version(world: World) -> None:
    before = version(world.store)
    with pytest.raises(RuntimeError), world.store.transaction() as tx:
        _put(tx, _supplier_user())
        raise RuntimeError("rolled back")
    assert version(world.store) == before


def test_requests_that_change_nothing_cached_leave_the_version(world: World) -> None:
    before = version(world.store)
    for counter in range(10, 15):
        assert code_of(world.gateway.handle(D, read_inventory(counter))) == "I0"
    assert version(world.store) == before


def test_a_user_suspended_elsewhere_is_refused_by_the_next_request(
    world: World, elsewhere: Store
) -> None:
    second = Gateway(elsewhere, world.clock, dsp_signing_key())  # another worker
    assert code_of(world.gateway.handle(D, read_inventory(10))) == "I0"
    assert code_of(second.handle(D, read_inventory(11))) == "I0"
    with elsewhere.read() as tx:
        supplier = tx.users.get(UserId.parse(SUPPLIER))
    assert supplier is not None
    add_user(elsewhere, replace(supplier, status=UserStatus.SUSPENDED), None)
    assert code_of(world.gateway.handle(D, read_inventory(12))) == "E3"
    assert code_of(second.handle(D, read_inventory(13))) == "E3"
    add_user(world.store, supplier, None)  # active again, through the first worker's store
    assert code_of(second.handle(D, read_inventory(14))) == "I0"


def test_an_authorisation_given_and_withdrawn_elsewhere_counts_from_the_next_request(
    world: World, elsewhere: Store
) -> None:
    read = ("11.2", "<sr:ReadFirmwareVersion/>")
    ou, chf = UserId.parse(OU), DeviceId.parse(CHF)
    assert code_of(world.send(S, *read, cv=1, target=ESME)) == "E4"  # cached: none
    security.authorise_other_user(elsewhere, ou, chf, world.clock.now())
    assert code_of(world.send(S, *read, cv=1, target=ESME)) == "I99"
    security.withdraw_other_user(elsewhere, ou, chf)
    assert code_of(world.send(S, *read, cv=1, target=ESME)) == "E4"


def test_a_certificate_removed_elsewhere_no_longer_verifies(world: World, elsewhere: Store) -> None:
    assert code_of(world.gateway.handle(D, read_inventory(10))) == "I0"
    with elsewhere.transaction() as tx:
        for c in tx.users.certificates_of(UserId.parse(SUPPLIER)):
            tx.users.remove_certificate(c.issuer, c.serial)
    reply = world.gateway.handle(D, read_inventory(11))
    assert reply.status == 403, reply.body
    with world.store.read() as tx:  # refused before anything was processed
        assert tx.counters.last(UserId.parse(SUPPLIER)) == 10


def test_registration_data_recorded_elsewhere_is_taken_over_when_it_falls_due(
    world: World, elsewhere: Store
) -> None:
    """The gateway remembers when registration data next falls due (here: none); data
    recorded elsewhere for later is applied by the first request after its date."""
    assert code_of(world.gateway.handle(D, read_inventory(10))) == "I0"
    add_user(elsewhere, _supplier_user(), None)
    when = world.clock.now() + timedelta(hours=1)
    registration.record(
        elsewhere, [(TEMPLATE_MPAN, UserId.parse(OTHER_SUPPLIER), when)], world.clock.now()
    )
    assert code_of(world.gateway.handle(D, read_inventory(11))) == "I0"
    assert _responsible(world, ESME) == UserId.parse(SUPPLIER)  # not yet in effect
    world.clock.advance(timedelta(hours=2))
    world.gateway.handle(D, read_inventory(12))
    assert _responsible(world, ESME) == UserId.parse(OTHER_SUPPLIER)


def _responsible(world: World, device: str) -> UserId | None:
    with world.store.read() as tx:
        found = tx.devices.get(DeviceId.parse(device), with_history=False)
    assert found is not None
    return found.responsible_supplier


def test_a_cpl_status_changed_elsewhere_is_read_by_the_next_view(
    world: World, elsewhere: Store
) -> None:
    cache = ReferenceCache(world.store)
    with elsewhere.transaction() as tx:
        tx.cpl.put(CplEntry(_cpl_key(), CplStatus.ACTIVE))
    with world.store.transaction() as tx:
        assert cache.view(tx).cpl_status(tx, _cpl_key()) is CplStatus.ACTIVE
    with elsewhere.transaction() as tx:
        tx.cpl.put(CplEntry(_cpl_key(), CplStatus.WITHDRAWN))
    with world.store.transaction() as tx:
        assert cache.view(tx).cpl_status(tx, _cpl_key()) is CplStatus.WITHDRAWN


def test_a_view_read_before_a_change_is_not_kept_after_it(world: World, elsewhere: Store) -> None:
    """A request that began before a change fills only its own, older view."""
    cache = ReferenceCache(world.store)
    with world.store.read() as old:
        stale = cache.view(old)
        add_user(elsewhere, _supplier_user(), None)
        with world.store.read() as new:
            fresh = cache.view(new)
            assert fresh is not stale and fresh.user(new, _supplier_user().user_id) is not None
        stale.user(old, UserId.parse(SUPPLIER))
    with world.store.read() as tx:
        assert cache.view(tx) is fresh


def test_an_unknown_certificate_is_not_remembered(world: World) -> None:
    """The issuer and serial come from a request not yet verified: misses are not kept."""
    cache = ReferenceCache(world.store)
    for serial in range(50):
        assert cache.certificate("CN=nobody", serial) is None
    with world.store.read() as tx:
        assert cache.view(tx)._certificates == {}


# -- real servers: two workers and the CLI ---------------------------------------------------


def _post(url: str, body: bytes) -> httpx.Response:
    """One request on a connection of its own, so the workers take turns."""
    with httpx.Client(timeout=10) as client:
        return client.post(
            url + "/api/v1/serviceD", content=body, headers={"Content-Type": "application/xml"}
        )


@pytest.mark.slow
def test_a_revocation_by_the_cli_is_seen_by_every_worker_at_the_next_request(
    tmp_path: Path, database_url: str
) -> None:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gbdsp", "serve", "--workers", "2", "--port", str(port)],
        env=gbdsp.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url)
        counter = time.time_ns() // 1000
        for n in range(20):  # fresh connections: both workers now hold the certificate
            assert _post(url, read_inventory(counter + n)).status_code == 200
        revoked = gbdsp("users", "revoke-certificate", SUPPLIER)
        assert revoked.returncode == 0, revoked.stderr
        for n in range(20, 40):
            reply = _post(url, read_inventory(counter + n))
            assert reply.status_code == 403 and b"revoked" in reply.content, reply.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("gbdsp serve --workers 2 did not come up")
