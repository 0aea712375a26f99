"""MP39: Registered Supplier Agents may send CH returns (seed 003).

With MP39 in force an RSA may send 8.14.3 (fault return) and 8.14.4 (no-fault return), but
only for a Communications Hub whose Responsible (ordering) Supplier it is registered to act
for; access control's E4 check enforces the second part. Without it an RSA gets E2.
"""

from __future__ import annotations

from gbdsp.domain.parties import UserRole

AGENT_SRVS = frozenset({"8.14.3", "8.14.4"})


def extra_roles(srv: str, in_force: bool) -> frozenset[UserRole]:
    """Roles MP39 adds to an SRV's eligible roles."""
    return frozenset({UserRole.RSA}) if in_force and srv in AGENT_SRVS else frozenset()
