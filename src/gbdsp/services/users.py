"""Registering Parties, Users and their SMKI certificates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gbdsp.domain.errors import InvalidValue, NotFound
from gbdsp.domain.ids import Eui64, UserId
from gbdsp.domain.parties import Certificate, Party, User
from gbdsp.domain.world import Profile, roles_of
from gbdsp.duis.smki import TEST_USERS, TestUser, load_certificate, pki_file
from gbdsp.gbcs.party import CertificateKind
from gbdsp.services.gbcs_parties import checked, register_shipped, store_certificate
from gbdsp.store.store import Store


def register_test_users(store: Store, profile: Profile | str = Profile.BOXED) -> list[User]:
    """Register the DCC Boxed test Users with their public test certificates, XML-signing
    and GBCS (ZAZ1, and the ACB's), and the roles of the world's profile (domain/world.py);
    idempotent, and re-running with the other profile switches the roles."""
    profile = Profile.parse(profile) if isinstance(profile, str) else profile
    # Agents refer to the suppliers they act for, so suppliers go in first.
    specs = sorted(TEST_USERS, key=lambda s: bool(s.acts_for))
    users = [_user_of(spec, profile) for spec in specs]
    with store.transaction() as tx:
        for spec, user in zip(specs, users, strict=True):
            tx.users.put_party(Party(spec.party_id, spec.name))
            tx.users.put(user)
            tx.users.put_certificate(load_certificate(pki_file(spec.certificate_file)))
        register_shipped(tx, [Eui64(u.user_id.value) for u in users])
    return users


def _user_of(spec: TestUser, profile: Profile) -> User:
    return User(
        user_id=UserId.parse(spec.user_id),
        party_id=spec.party_id,
        name=spec.name,
        roles=roles_of(spec.user_id, profile),
        acts_for=frozenset(UserId.parse(s) for s in spec.acts_for),
    )


def add_user(
    store: Store,
    user: User,
    certificate: Certificate | None,
    now: datetime | None = None,
    *,
    replaces: Certificate | None = None,
    gbcs: Sequence[tuple[CertificateKind, bytes]] = (),
) -> None:
    """Register (or replace) a User with its Party and, optionally, a certificate, which
    must be valid at `now` (an expired or not-yet-valid certificate is refused) and takes
    the place of `replaces` in the same transaction; and GBCS certificates (DS, KA,
    prepayment KA: each replaces the User's one of its kind; the others are kept)."""
    if certificate is not None and certificate.user_id != user.user_id:
        raise InvalidValue(f"the certificate is for {certificate.user_id}, not {user.user_id}")
    if certificate is not None and now is not None:
        problem = certificate.validity_problem(now)
        if problem is not None:
            raise InvalidValue(f"refused: {problem}")
    kinds = [kind for kind, _ in gbcs]
    if len(set(kinds)) != len(kinds):
        raise InvalidValue("one GBCS certificate of each kind")
    gbcs_certificates = checked(Eui64(user.user_id.value), gbcs)
    with store.transaction() as tx:
        for supplier in user.acts_for:
            if tx.users.get(supplier) is None:
                raise InvalidValue(f"acts for {supplier}, which is not a registered User")
        tx.users.ensure_party(Party(user.party_id, user.name))
        tx.users.put(user)
        if replaces is not None:
            tx.users.remove_certificate(replaces.issuer, replaces.serial)
        if certificate is not None:
            tx.users.put_certificate(certificate)
        for gbcs_certificate in gbcs_certificates:
            store_certificate(tx, gbcs_certificate)


def get_user(store: Store, user_id: UserId) -> User:
    with store.read() as tx:
        user = tx.users.get(user_id)
    if user is None:
        raise NotFound(f"User {user_id} is not registered")
    return user


def set_response_url(store: Store, user_id: UserId, url: str | None) -> None:
    with store.transaction() as tx:
        if not tx.users.set_response_url(user_id, url):
            raise NotFound(f"User {user_id} is not registered")


def list_users(store: Store) -> list[tuple[User, int]]:
    """Every User with how many certificates it has."""
    with store.read() as tx:
        return [(u, len(tx.users.certificates_of(u.user_id))) for u in tx.users.all()]
