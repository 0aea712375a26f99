"""Finding 5: expired and not-yet-valid XML-signing certificates are refused when a User
is added and when a request is verified; a revoked certificate is refused at once on
every worker (two gateways on one database stand for two workers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.duis import signature
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import load_certificate
from gbdsp.gateway.pipeline import Gateway
from gbdsp.services import security
from gbdsp.services.users import add_user
from tests.duis_support import SUPPLIER, dsp_signing_key, read_inventory, request
from tests.security.world import D, World, certificate_pem, code_of

SHORT_LIVED = "00-DB-12-34-56-78-00-08"


def user(user_id: str = SHORT_LIVED) -> User:
    return User(UserId.parse(user_id), "SHORT", "Short-lived supplier", frozenset({UserRole.IS}))


def inventory_signed_by(key: SigningKey, originator: str, counter: int) -> bytes:
    root = request(
        srv="8.2",
        cv=8,
        counter=counter,
        originator=originator,
        body=(
            "<sr:ReadInventory><sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID>"
            "</sr:ReadInventory>"
        ),
    )
    signature.sign(root, key)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def short_lived(world: World, not_before: datetime, not_after: datetime) -> SigningKey:
    key, pem = certificate_pem(SHORT_LIVED, not_before, not_after)
    certificate = load_certificate(pem)
    add_user(world.store, user(), None)
    with world.store.transaction() as tx:  # registered while valid (or before the check)
        tx.users.put_certificate(certificate)
    return SigningKey(key, certificate.issuer, certificate.serial)


def test_users_add_refuses_an_expired_or_not_yet_valid_certificate(world: World) -> None:
    now = world.clock.now()
    for start, end, words in (
        (now - timedelta(days=400), now - timedelta(days=1), "expired"),
        (now + timedelta(days=1), now + timedelta(days=400), "not valid before"),
    ):
        _, pem = certificate_pem(SHORT_LIVED, start, end)
        with pytest.raises(InvalidValue, match=words):
            add_user(world.store, user(), load_certificate(pem), now)
        with world.store.read() as tx:
            assert tx.users.get(UserId.parse(SHORT_LIVED)) is None  # nothing half-written


def test_a_certificate_is_refused_once_it_expires(world: World) -> None:
    now = world.clock.now()
    key = short_lived(world, now - timedelta(days=1), now + timedelta(hours=1))
    assert code_of(world.gateway.handle(D, inventory_signed_by(key, SHORT_LIVED, 1))) == "I0"
    world.clock.advance(timedelta(hours=2))
    reply = world.gateway.handle(D, inventory_signed_by(key, SHORT_LIVED, 2))
    assert reply.status == 403 and b"expired on" in reply.body
    with world.store.read() as tx:
        assert tx.audit.recent(1)[0].outcome == "403"


def test_a_certificate_not_yet_valid_is_refused(world: World) -> None:
    now = world.clock.now()
    key = short_lived(world, now + timedelta(days=1), now + timedelta(days=30))
    reply = world.gateway.handle(D, inventory_signed_by(key, SHORT_LIVED, 1))
    assert reply.status == 403 and b"not valid before" in reply.body


def test_revocation_is_effective_at_once_on_every_worker(world: World) -> None:
    second = Gateway(world.store, world.clock, dsp_signing_key())
    # Both workers have the certificate in their cache (gateway/caches.py).
    assert code_of(world.gateway.handle(D, read_inventory(10))) == "I0"
    assert code_of(second.handle(D, read_inventory(11))) == "I0"
    done = security.revoke_certificates(world.store, UserId.parse(SUPPLIER), world.clock.now())
    assert len(done) == 1
    for n, gateway in enumerate((world.gateway, second)):
        reply = gateway.handle(D, read_inventory(20 + n))
        assert reply.status == 403 and b"revoked" in reply.body
    # Nothing of a refused request is processed: its counter was not consumed.
    with world.store.read() as tx:
        assert tx.audit.recent(1)[0].outcome == "403"
    # Re-registering the same certificate does not unrevoke it.
    from gbdsp.services.users import register_test_users

    register_test_users(world.store)
    assert world.gateway.handle(D, read_inventory(30)).status == 403


def test_revoking_one_serial_and_unknown_users(world: World) -> None:
    from gbdsp.domain.errors import NotFound

    with pytest.raises(NotFound):
        security.revoke_certificates(
            world.store, UserId.parse("00-00-00-00-00-00-00-09"), world.clock.now()
        )
    with pytest.raises(NotFound, match="serial 1"):
        security.revoke_certificates(
            world.store, UserId.parse(SUPPLIER), world.clock.now(), serial=1
        )
    assert code_of(world.gateway.handle(D, read_inventory(40))) == "I0"  # still valid


def test_the_dcc_boxed_test_certificates_sign_in_a_test_world() -> None:
    """The 2118 XML-signing certificates are valid; the ZAZ1 organisation certificates some
    test Users sign with expired in 2025-2026, and a test world accepts them past their
    dates as public test material (their keys are published). Nothing else is exempt."""
    from gbdsp.domain.world import signing_dates_checked
    from gbdsp.duis.smki import DSP_CERTIFICATE, TEST_USERS, pki_file, public_test_certificates

    when = datetime(2026, 12, 1, tzinfo=UTC)
    assert load_certificate(pki_file(DSP_CERTIFICATE)).validity_problem(when) is None
    public = public_test_certificates()
    expired = 0
    for user in TEST_USERS:
        certificate = load_certificate(pki_file(user.certificate_file))
        assert (certificate.issuer, certificate.serial) in public
        expired += certificate.validity_problem(when) is not None
    assert expired > 0  # the ZAZ1 ones, as shipped
    assert not signing_dates_checked(public_test_certificate=True)
    assert signing_dates_checked(public_test_certificate=False)
