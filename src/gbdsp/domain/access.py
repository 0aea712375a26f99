"""Access control for DUIS requests: one ordered table of checks, each a DUIS code.

Each check takes what the gateway knows once the signature is verified and returns None
(pass) or a `Refused` with its DUIS response code. `ACCESS_CHECKS` is the order; public
text does not fix it, so docs/duis-gateway.md records the choice and the reasons, and
changing the order is changing this one tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gbdsp.domain.devices import Device, DeviceClass, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.other_user import may_pair, other_user_covers
from gbdsp.domain.parties import User, UserRole
from gbdsp.domain.requests import CommandVariant, RequestId, WebService
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import mp39, mp169
from gbdsp.domain.srv import Srv


@dataclass(frozen=True, slots=True)
class Allowed:
    """The request may be dispatched to its handler."""


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal with its DUIS response code and a reason a person can act on."""

    code: ResponseCode
    reason: str


ALLOWED = Allowed()
Decision = Allowed | Refused


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """Everything access control looks at, already verified and looked up."""

    request_id: RequestId
    user: User | None
    srv: Srv
    cv: CommandVariant
    web_service: WebService
    device: Device | None
    """The target device from the SMI (None for non-device requests or an unknown ID)."""
    mp39: mp39.Policy = mp39.OFF
    """MP39 on the request's date: whether agents may send CH returns."""
    mp169: mp169.Policy = mp169.OFF
    """MP169 on the request's date: what still reaches a restricted device."""
    ou_premises: frozenset[DeviceId] = frozenset()
    """For an Other User: the CHFs of the premises whose consumer authorised it."""


Check = Callable[[AccessRequest], Refused | None]


def web_service_fits_cv(r: AccessRequest) -> Refused | None:
    if r.cv.web_service is not r.web_service:
        expected = r.cv.web_service.value if r.cv.web_service else "none (DCC internal)"
        return Refused(
            ResponseCode.E13,
            f"Command Variant {r.cv.value} is not accepted at "
            f"{r.web_service.value} (expected {expected})",
        )
    return None


def cv_fits_srv(r: AccessRequest) -> Refused | None:
    if r.cv not in r.srv.command_variants:
        allowed = ", ".join(
            str(c.value) for c in sorted(r.srv.command_variants, key=lambda c: c.value)
        )
        return Refused(
            ResponseCode.E12,
            f"Command Variant {r.cv.value} is not applicable to SRV "
            f"{r.srv.variant} (allowed: {allowed})",
        )
    if r.srv.non_device != r.request_id.is_for_dcc:
        kind = "the DCC (90-B3-D5-1F-30-00-00-02)" if r.srv.non_device else "a Device"
        return Refused(ResponseCode.E12, f"SRV {r.srv.variant} must be addressed to {kind}")
    return None


def user_is_valid(r: AccessRequest) -> Refused | None:
    if r.user is None or not r.user.roles:
        return Refused(ResponseCode.E1, f"{r.request_id.originator} is not a User with a User Role")
    return None


def user_is_active(r: AccessRequest) -> Refused | None:
    assert r.user is not None
    if not r.user.is_active:
        return Refused(ResponseCode.E3, f"User {r.user.user_id} is {r.user.status.value}")
    return None


def role_is_eligible(r: AccessRequest) -> Refused | None:
    assert r.user is not None
    if not r.user.roles & eligible_roles(r):
        roles = ", ".join(sorted(role.value for role in r.user.roles))
        return Refused(
            ResponseCode.E2, f"User Role {roles} may not send SRV {r.srv.variant} {r.srv.name}"
        )
    return None


def device_exists(r: AccessRequest) -> Refused | None:
    if not r.srv.non_device and r.device is None:
        return Refused(ResponseCode.E19, f"Device {r.request_id.target} is not in the SMI")
    return None


def srv_fits_device_type(r: AccessRequest) -> Refused | None:
    if r.device is None:
        return None
    device_type = r.device.device_type
    types = _SRV_DEVICE_TYPES.get(r.srv.variant)
    if device_type.is_type2 or (types is not None and device_type not in types):
        return Refused(
            ResponseCode.E11,
            f"SRV {r.srv.variant} {r.srv.name} is not valid for a {device_type.value}",
        )
    return None


def user_may_act_on_device(r: AccessRequest) -> Refused | None:
    if r.device is None:
        return None
    assert r.user is not None
    if may_act_on(r.user, r.device, eligible_roles(r), r.srv.variant, r.ou_premises):
        return None
    return Refused(
        ResponseCode.E4,
        f"User {r.user.user_id} is not authorised for Device "
        f"{r.device.device_id} (Responsible Supplier "
        f"{r.device.responsible_supplier or 'none'})",
    )


def device_status_fits(r: AccessRequest) -> Refused | None:
    if r.device is None or r.device.status is None:
        return None
    allowed = _SRV_STATUSES.get(r.srv.variant, OPERATIONAL)
    if r.device.status not in allowed:
        return Refused(
            ResponseCode.E5,
            f"Device {r.device.device_id} is {r.device.status.value}; "
            f"SRV {r.srv.variant} needs " + " or ".join(sorted(s.value for s in allowed)),
        )
    return None


def restricted_mode_allows(r: AccessRequest) -> Refused | None:
    if r.mp169.refuses(r.device, r.srv.variant):
        return Refused(
            mp169.RESTRICTED_CODE,
            f"Device {r.request_id.target} is in Restricted mode "
            f"(MP169): SRV {r.srv.variant} is not sent to it",
        )
    return None


ACCESS_CHECKS: tuple[Check, ...] = (
    web_service_fits_cv,  # E13: the URL is the first thing known about a request
    cv_fits_srv,  # E12
    user_is_valid,  # E1
    user_is_active,  # E3
    role_is_eligible,  # E2
    device_exists,  # E19
    srv_fits_device_type,  # E11
    user_may_act_on_device,  # E4
    device_status_fits,  # E5
    restricted_mode_allows,  # E169 (MP169 schema extension)
)


def authorise(request: AccessRequest, checks: tuple[Check, ...] = ACCESS_CHECKS) -> Decision:
    for check in checks:
        refusal = check(request)
        if refusal is not None:
            return refusal
    return ALLOWED


def body_device_exists(r: AccessRequest) -> Refused | None:
    if r.device is None:
        return Refused(ResponseCode.E19, "the Device named in the request is not in the SMI")
    return None


BODY_DEVICE_CHECKS: tuple[Check, ...] = (
    body_device_exists,  # E19
    srv_fits_device_type,  # E11
    user_may_act_on_device,  # E4
)
"""For non-device requests that name a device in their body (8.3, 8.4, 8.14.x, 11.x):
the same device checks, run by the handler once it has read the body."""


def eligible_roles(r: AccessRequest) -> frozenset[UserRole]:
    return r.srv.eligible_roles | r.mp39.extra_roles(r.srv.variant)


def may_act_on(
    user: User,
    device: Device,
    roles: frozenset[UserRole],
    srv: str,
    ou_premises: frozenset[DeviceId] = frozenset(),
) -> bool:
    """Whether one of `user`'s roles among `roles` lets it send `srv` to `device` now."""
    return any(role_covers(role, user, device, srv, ou_premises) for role in user.roles & roles)


def role_covers(
    role: UserRole, user: User, device: Device, srv: str, ou_premises: frozenset[DeviceId]
) -> bool:
    """Whether holding `role` lets `user` act on `device`: the Responsible Supplier, an
    agent acting for it, the network operator of the device's MPxN, or an Other User
    where it has standing (domain/other_user.py)."""
    supplier = device.responsible_supplier
    if role.is_supplier:
        return supplier is not None and supplier == user.user_id
    if role is UserRole.RSA:
        return supplier is not None and supplier in user.acts_for
    if role in (UserRole.ED, UserRole.GT):
        return device.network_operator is not None and device.network_operator == user.user_id
    return role is UserRole.OU and other_user_covers(user, device, srv, ou_premises)


def may_pair_with(
    user: User,
    target: Device,
    other: Device | None,
    roles: frozenset[UserRole],
    srv: str,
    ou_premises: frozenset[DeviceId] = frozenset(),
) -> bool:
    """8.11 / 8.7.2 / 8.8.2, whose body names a second device: a supplier role needs the
    target (and for 8.11 the device it adds) to be its own, as before; an Other User needs
    standing on the target's premises and the other device to be its own Type 2 Device
    (domain/other_user.py), so it can never join, unjoin or whitelist another's meter."""
    for role in user.roles & roles:
        if role is UserRole.OU:
            if (
                other is not None
                and other_user_covers(user, target, srv, ou_premises)
                and may_pair(user, other)
            ):
                return True
        elif role_covers(role, user, target, srv, ou_premises) and (
            srv != "8.11"
            or (other is not None and role_covers(role, user, other, srv, ou_premises))
        ):
            return True
    return False


S = SmiStatus
OPERATIONAL = frozenset({S.COMMISSIONED})
INSTALLING = frozenset({S.PENDING, S.WHITELISTED, S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED})

# SRVs that act on devices before they are commissioned (AC 4.9-4.14 install flows).
_SRV_STATUSES: dict[str, frozenset[SmiStatus]] = {
    # AC 4.12(b): not to a commissioned, decommissioned or suspended meter.
    "8.1.1": frozenset({S.PENDING, S.WHITELISTED, S.INSTALLED_NOT_COMMISSIONED}),
    "8.7.1": INSTALLING,
    "8.7.2": INSTALLING,
    "8.8.1": INSTALLING,
    "8.8.2": INSTALLING,
    "8.11": INSTALLING,
    "6.20.1": INSTALLING,
    "6.20.2": INSTALLING,
    "11.2": INSTALLING,
}

_HUB_ONLY = frozenset({DeviceType.CHF})
_METERS_AND_TYPE1 = frozenset(
    {DeviceType.ESME, DeviceType.GSME, DeviceType.PPMID, DeviceType.HCALCS, DeviceType.SAPC}
)
# SRVs whose target is fixed by what they do (DUIS SRV descriptions; templates agree).
_SRV_DEVICE_TYPES: dict[str, frozenset[DeviceType]] = {
    "8.11": _HUB_ONLY,
    "8.12.1": _HUB_ONLY,
    **{f"6.{n}": _HUB_ONLY for n in range(28, 33)},
    "8.12.2": frozenset({DeviceType.GPF}),
    **{f"8.14.{n}": _HUB_ONLY for n in range(1, 5)},
    "11.4": frozenset({DeviceType.PPMID}),
    "8.1.1": frozenset({DeviceType.ESME, DeviceType.GSME, DeviceType.SAPC}),
    "6.20.1": frozenset({DeviceType.ESME, DeviceType.GSME}),
    **{f"8.{m}.{n}": _METERS_AND_TYPE1 | {DeviceType.GPF} for m in (7, 8) for n in (1, 2)},
    # Supply and load control: meters only (GCS templates send 7.2-7.4 to a GSME).
    **{f"7.{n}": frozenset({DeviceType.ESME, DeviceType.GSME}) for n in range(1, 17)},
}
assert all(t.device_class is not DeviceClass.TYPE2 for ts in _SRV_DEVICE_TYPES.values() for t in ts)
