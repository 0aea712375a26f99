"""What a User may see in the SSI: its own devices, and the premises they are at.

A User sees a device for which it is the Responsible Supplier, the installing supplier
(MP121 asks it for install codes) or the network operator (registration data); an agent
(RSA) sees what the suppliers it acts for see (MP39). A premises (a CH and its Device Log)
is visible when one of its devices is; the CH itself is shown with it, other Users' devices
on the log are only counted. The portal and the SSI API ask these, never their own copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from gbdsp.domain.devices import Device
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User


def parties_of(user: User) -> frozenset[UserId]:
    """The User IDs whose devices `user` sees: its own, and its principals' for an agent."""
    return frozenset({user.user_id, *user.acts_for})


def may_see(user: User, device: Device) -> bool:
    parties = parties_of(user)
    return any(u in parties for u in (device.responsible_supplier,
                                      device.installing_supplier, device.network_operator))


def is_responsible(user: User, device: Device) -> bool:
    """The Responsible Supplier alone sets Restricted mode and raises install-code requests."""
    return device.responsible_supplier == user.user_id


def visible(user: User, devices: Iterable[Device]) -> list[Device]:
    return [d for d in devices if may_see(user, d)]
