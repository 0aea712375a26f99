"""Test worlds: how the DCC Boxed test Users are read (docs/test-worlds.md).

`sec` is the SEC's reading: one User Role per User ID, as the keystore names them, and the
GBCS remote parties (ACB, recovery, transitional CoS, WAN provider, load controller) are no
DUIS Users at all. `boxed` is what a DCC Boxed does: every template's originator may send
its template, so a DCC Boxed client's whole suite runs unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from gbdsp.domain import access
from gbdsp.domain.access import AccessRequest, Check, Refused
from gbdsp.domain.enums import parse_enum
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import UserRole


class Profile(Enum):
    BOXED = "boxed"
    SEC = "sec"

    @classmethod
    def parse(cls, text: str) -> Profile:
        return parse_enum(cls, text, "world profile")


R = UserRole
ALL_ROLES = frozenset({R.IS, R.ES, R.GS, R.ED, R.GT, R.OU})
SUPPLIERS = ("90-B3-D5-1F-30-01-00-00", "90-B3-D5-1F-30-03-00-00")
ACB = "90-B3-D5-1F-30-00-00-02"

# User ID -> roles in each profile. SEC: the keystore's one role per User ID (the suppliers
# supply both fuels, IS+GS, as before); the GBCS remote parties hold no DUIS role (E1).
# Boxed: the suppliers also export (4.6.2, 6.20.2), the network operator is both ED and GT
# (14.1 on a gas meter), the ACB holds every role (it originates 6.24.1, 11.2 and 8.12.2 in
# the templates), the other remote parties are Other Users.
ROLES: dict[str, dict[Profile, frozenset[UserRole]]] = {
    "90-B3-D5-1F-30-01-00-00": {
        Profile.SEC: frozenset({R.IS, R.GS}),
        Profile.BOXED: frozenset({R.IS, R.ES, R.GS}),
    },
    "90-B3-D5-1F-30-03-00-00": {
        Profile.SEC: frozenset({R.IS, R.GS}),
        Profile.BOXED: frozenset({R.IS, R.ES, R.GS}),
    },
    "90-B3-D5-1F-30-02-00-00": {
        Profile.SEC: frozenset({R.ED}),
        Profile.BOXED: frozenset({R.ED, R.GT}),
    },
    "00-DB-12-34-56-78-00-04": {Profile.SEC: frozenset({R.RSA}), Profile.BOXED: frozenset({R.RSA})},
    ACB: {Profile.SEC: frozenset(), Profile.BOXED: ALL_ROLES},
    **{
        uid: {Profile.SEC: frozenset(), Profile.BOXED: frozenset({R.OU})}
        for uid in (
            "90-B3-D5-1F-30-00-00-01",  # recovery
            "90-B3-D5-1F-30-00-00-04",  # transitional CoS
            "90-B3-D5-1F-30-00-00-07",  # WAN provider
            "90-B3-D5-1F-30-01-00-08",
        )
    },  # load controller (7.16 templates)
}
TEST_USER_IDS = frozenset(UserId.parse(u) for u in ROLES)


def signing_dates_checked(public_test_certificate: bool) -> bool:
    """Whether a certificate's validity dates decide if it may sign now. A test world (either
    profile) accepts the public DCC Boxed test certificates past their dates: DCC Boxed's own
    test PKI signs its templates with ZAZ1 organisation certificates that expired in
    2025-2026, and their private keys are published, so their dates protect nothing. Every
    other certificate must be valid (SEC Appendix B; docs/security.md)."""
    return not public_test_certificate


def roles_of(user_id: str, profile: Profile) -> frozenset[UserRole]:
    return ROLES[user_id][profile]


WIDENED_ROLES = frozenset({R.IS, R.ES, R.GS, R.ED, R.GT, R.OU})


def _widened(r: AccessRequest) -> AccessRequest:
    """DCC Boxed sends, for its test Users, SRVs the matrix gives no eligible role (7.16,
    8.5, 8.6) or only Other Users (9.1, which its templates send as the supplier): for them
    every role is eligible, so E4 still ties a supplier or network operator to its own
    devices. The suppliers do not hold Other User: that would open every device to them."""
    roles = r.srv.eligible_roles
    if r.user is None or r.user.user_id not in TEST_USER_IDS or not roles <= {R.OU}:
        return r
    return replace(r, srv=replace(r.srv, eligible_roles=roles | WIDENED_ROLES))


def _on_widened(check: Check) -> Check:
    return lambda r: check(_widened(r))


def _boxed_may_act(r: AccessRequest) -> Refused | None:
    """A DCC Boxed is one sandbox shared by its test parties: a test User holding an
    eligible role acts on every device of the test suppliers (supplier2's 4.14 and the
    ACB's templates address the test supplier's premises)."""
    d, u = r.device, r.user
    if (
        d is not None
        and u is not None
        and u.user_id in TEST_USER_IDS
        and str(d.responsible_supplier) in SUPPLIERS
    ):
        return None
    return access.user_may_act_on_device(r)


def _swap(checks: tuple[Check, ...], old: Check, new: Check) -> tuple[Check, ...]:
    return tuple(new if c is old else c for c in checks)


def access_checks(profile: Profile) -> tuple[Check, ...]:
    if profile is Profile.SEC:
        return access.ACCESS_CHECKS
    checks = _swap(access.ACCESS_CHECKS, access.user_may_act_on_device, _boxed_may_act)
    return tuple(_on_widened(c) for c in checks)


def body_device_checks(profile: Profile) -> tuple[Check, ...]:
    if profile is Profile.SEC:
        return access.BODY_DEVICE_CHECKS
    checks = _swap(access.BODY_DEVICE_CHECKS, access.user_may_act_on_device, _boxed_may_act)
    return tuple(_on_widened(c) for c in checks)
