"""What a viewer may see in the SSI: its own devices, the premises they are at, and who may
read a device's Restricted-mode history and the consumer's words in it.

A User sees a device for which it is the Responsible Supplier, the installing supplier
(MP121 asks it for install codes) or the network operator (registration data); an agent
(RSA) sees what the suppliers it acts for see (MP39). A premises (a CH and its Device Log)
is visible when one of its devices is; the CH itself is shown with it, other Users' devices
on the log are only counted. A DCC operator (an SSI API operator token) sees every device.

Restricted mode (MP169) is the Responsible Supplier's alone to set, on what the consumer
told it; the consumer's words are personal data (a phone number, medical details). No text
says who else may read them, so the safe reading (docs/security.md):
- the Responsible Supplier reads the whole history, words included (FULL);
- an agent acting for it, and a DCC operator, see that the flag was set or cleared, when
  and by whom, never the words (CHANGES);
- anyone else, the network operator and the installing supplier included, sees only the
  device's current flag, no history (NONE).
The portal, the SSI API and the CLI ask these before anything is loaded, never a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from gbdsp.domain.devices import Device
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User


def parties_of(user: User) -> frozenset[UserId]:
    """The User IDs whose devices `user` sees: its own, and its principals' for an agent."""
    return frozenset({user.user_id, *user.acts_for})


def may_see(user: User, device: Device) -> bool:
    parties = parties_of(user)
    return any(
        u in parties
        for u in (device.responsible_supplier, device.installing_supplier, device.network_operator)
    )


def is_responsible(user: User, device: Device) -> bool:
    """The Responsible Supplier alone sets Restricted mode and raises install-code requests."""
    return device.responsible_supplier == user.user_id


def visible(user: User, devices: Iterable[Device]) -> list[Device]:
    return [d for d in devices if may_see(user, d)]


class RestrictedAccess(Enum):
    """How much of a device's Restricted-mode history a viewer reads."""

    NONE = "none"
    CHANGES = "changes"
    """When it was set or cleared, and by whom; not the consumer's words."""
    FULL = "full"
    """Everything, the consumer's words included: the Responsible Supplier."""

    @property
    def shows_history(self) -> bool:
        return self is not RestrictedAccess.NONE

    @property
    def shows_words(self) -> bool:
        return self is RestrictedAccess.FULL


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks: a User (through a portal account or an API token), or None for a DCC
    operator."""

    user: User | None

    @property
    def is_operator(self) -> bool:
        return self.user is None

    def sees_holder(self, holder: UserId | None) -> bool:
        """Figures grouped by holder: an operator sees every line, a User its parties'."""
        return self.user is None or holder in parties_of(self.user)

    def sees(self, device: Device) -> bool:
        return self.user is None or may_see(self.user, device)

    def restricted_access(self, device: Device) -> RestrictedAccess:
        if self.user is None:
            return RestrictedAccess.CHANGES
        if device.responsible_supplier is None:
            return RestrictedAccess.NONE
        if device.responsible_supplier == self.user.user_id:
            return RestrictedAccess.FULL
        if device.responsible_supplier in self.user.acts_for:
            return RestrictedAccess.CHANGES
        return RestrictedAccess.NONE
