"""MP39: Registered Supplier Agents may send CH returns (seed 003).

With MP39 in force an RSA may send 8.14.3 (fault return) and 8.14.4 (no-fault return), but
only for a Communications Hub whose Responsible (ordering) Supplier it is registered to act
for; access control's E4 check enforces the second part. Without it an RSA gets E2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from gbdsp.domain.parties import UserRole
from gbdsp.domain.rules.switch import Switch

AGENT_SRVS = frozenset({"8.14.3", "8.14.4"})
_AGENT = frozenset({UserRole.RSA})


@dataclass(frozen=True, slots=True)
class Settings:
    switch: Switch


@dataclass(frozen=True, slots=True)
class InForce:
    in_force: ClassVar[bool] = True

    def extra_roles(self, srv: str) -> frozenset[UserRole]:
        """Roles MP39 adds to an SRV's eligible roles: the agent, for CH returns."""
        return _AGENT if srv in AGENT_SRVS else frozenset()


@dataclass(frozen=True, slots=True)
class Off:
    """The catalogue's eligible roles as they stand: an RSA may not send CH returns (E2)."""

    in_force: ClassVar[bool] = False

    def extra_roles(self, srv: str) -> frozenset[UserRole]:
        return frozenset()


Policy = InForce | Off
OFF = Off()
"""The policy off: the default of a value built without the day's rules (`AccessRequest`)."""


def policy(settings: Settings, day: date) -> Policy:
    return InForce() if settings.switch.in_force(day) else Off()
