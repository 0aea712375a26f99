"""SEC Parties, their DCC Users, User Roles and the certificates Users sign with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from gbdsp.domain.enums import parse_enum
from gbdsp.domain.ids import UserId


class UserRole(Enum):
    """User Roles as DUIS and the SRV matrix abbreviate them."""

    IS = "IS"
    ES = "ES"
    GS = "GS"
    ED = "ED"
    GT = "GT"
    RSA = "RSA"
    OU = "OU"

    @classmethod
    def parse(cls, text: str) -> UserRole:
        return parse_enum(cls, text, "User Role")

    @property
    def is_supplier(self) -> bool:
        return self in (UserRole.IS, UserRole.ES, UserRole.GS)

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    UserRole.IS: "Import Supplier",
    UserRole.ES: "Export Supplier",
    UserRole.GS: "Gas Supplier",
    UserRole.ED: "Electricity Distributor",
    UserRole.GT: "Gas Transporter",
    UserRole.RSA: "Registered Supplier Agent",
    UserRole.OU: "Other User",
}


class UserStatus(Enum):
    """Whether a User may use the DCC Services (DUIS E3 when not)."""

    ACTIVE = "Active"
    SUSPENDED = "Suspended"
    WITHDRAWN = "Withdrawn"

    @classmethod
    def parse(cls, text: str) -> UserStatus:
        return parse_enum(cls, text, "User status")


@dataclass(frozen=True, slots=True)
class Party:
    party_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Certificate:
    """An SMKI XML-signing certificate, found by issuer and serial (DUIS KeyInfo)."""

    issuer: str
    serial: int
    user_id: UserId
    public_key_der: bytes
    not_before: datetime
    not_after: datetime

    def validity_problem(self, at: datetime) -> str | None:
        """Why the certificate may not sign at `at` (RFC 5280 4.1.2.5: valid from notBefore
        to notAfter inclusive), or None. SEC Appendix B (SMKI): a User signs only with a
        certificate that is valid; an expired or not-yet-valid one is refused."""
        if at < self.not_before:
            return (
                f"certificate serial {self.serial} of {self.user_id} is not valid before "
                f"{self.not_before.isoformat()}"
            )
        if at > self.not_after:
            return (
                f"certificate serial {self.serial} of {self.user_id} expired on "
                f"{self.not_after.isoformat()}"
            )
        return None


@dataclass(frozen=True, slots=True)
class User:
    """A DCC User: one User ID, one Party, one or more User Roles."""

    user_id: UserId
    party_id: str
    name: str
    roles: frozenset[UserRole]
    status: UserStatus = UserStatus.ACTIVE
    response_url: str | None = None
    """Where asynchronous DUIS responses are pushed (Receive Response Service)."""
    acts_for: frozenset[UserId] = field(default=frozenset())
    """For an RSA: the supplier Users it is registered to act for (MP39)."""
    email: str | None = None
    """Where SSI notifications (MP121 install-code requests) are mailed."""

    @property
    def is_active(self) -> bool:
        return self.status is UserStatus.ACTIVE
