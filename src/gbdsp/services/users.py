"""Registering Parties, Users and their SMKI certificates."""

from __future__ import annotations

from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import Party, User, UserRole
from gbdsp.duis.smki import TEST_USERS, TestUser, load_certificate, pki_file
from gbdsp.store.store import Store


def register_test_users(store: Store) -> list[User]:
    """Register the DCC Boxed test Users with their public test certificates (idempotent)."""
    # Agents refer to the suppliers they act for, so suppliers go in first.
    specs = sorted(TEST_USERS, key=lambda s: bool(s.acts_for))
    users = [_user_of(spec) for spec in specs]
    with store.transaction() as tx:
        for spec, user in zip(specs, users, strict=True):
            tx.users.put_party(Party(spec.party_id, spec.name))
            tx.users.put(user)
            tx.users.put_certificate(load_certificate(pki_file(spec.certificate_file)))
    return users


def _user_of(spec: TestUser) -> User:
    return User(
        user_id=UserId.parse(spec.user_id), party_id=spec.party_id, name=spec.name,
        roles=frozenset(UserRole.parse(r) for r in spec.roles),
        acts_for=frozenset(UserId.parse(s) for s in spec.acts_for),
    )
