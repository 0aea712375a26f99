"""What the one outbox carries: a message for one channel, written in the same transaction
as what caused it, so nothing acknowledged is lost (docs/architecture.md, "One outbox").

The relay (delivery/relay.py) takes each channel's due messages and hands them on; a
message is marked delivered only once its channel has taken it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gbdsp.domain.ids import DeviceId


class Channel(Enum):
    """How a message leaves the DSP (the value is what the outbox stores)."""

    DUIS = "duis"
    """A signed DUIS response or alert, pushed to the User's receive-response URL."""
    CSP = "csp"
    """A notification to the device's CSP (MP169: the Restricted indicator)."""
    MAIL = "mail"
    """An e-mail through the configured SMTP server (MP121 install-code notices)."""


@dataclass(frozen=True, slots=True)
class Mail:
    """A notification by e-mail; the sender is the `[mail]` setting at sending time."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class CspNotice:
    """MP169: the CSP is told each time a device's Restricted mode is set or cleared, so
    its service desk holds the indicator (docs/restricted-mode.md, "CSP")."""

    device_id: DeviceId
    restricted: bool
