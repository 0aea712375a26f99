"""A device emulator that answers every command at once, successfully.

It stands in for the SM WAN until the lifecycle work adds coverage, delays and failures.
GBCS is not emulated: payloads are clearly marked placeholders, never real GBCS
(docs/duis-gateway.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from gbdsp.domain.devices import Device
from gbdsp.domain.replies import DeviceResponseReply, LocalCommandReply, PreCommandReply, Reply

GBCS_VERSION = "4.3"
"""DUIS 5.4 is aligned with GBCS 4.3 (schema header)."""


def _placeholder(kind: str, srv: str, request_id: str) -> bytes:
    return f"GBDSP-EMULATED-{kind}:{srv}:{request_id}".encode()


@dataclass(frozen=True, slots=True)
class DeviceEmulator:
    def pre_command(self, srv: str, request_id: str) -> Reply:
        return Reply("I0", PreCommandReply(GBCS_VERSION, _placeholder("PRECOMMAND", srv,
                                                                      request_id)))

    def local_command(self, srv: str, request_id: str) -> Reply:
        return Reply("I0", LocalCommandReply(_placeholder("LOCAL", srv, request_id)))

    def execute(self, device: Device, srv: str, request_id: str) -> Reply:
        """The device's response to a command sent over the SM WAN."""
        del device
        return Reply("I0", DeviceResponseReply(_placeholder("RESPONSE", srv, request_id)))
