"""The SM WAN and device emulator: stands in for the CSPs and the devices.

What it models: whether the SM WAN reaches a premises (per CH; an install without it leaves
devices uncommissioned until coverage arrives), each device's own install code (derived
from the seed and the Device ID, as if printed on its label), whether a device could join
the HAN (the install code given in 8.11 matched its own), which devices are joined, the
latency of each command, and WAN failures (E20 no communication, E21 no response). All of
it is deterministic under the seed.

GBCS: with a test world (`gbcs`), the device responses, pre-commands and local commands are
real GBCS (wan/gbcs_payloads.py, gateway/critical.py, wan/esme_local.py; docs/gbcs.md), and a
use case gbdsp does not encode raises `NotEncoded` (the gateway answers E11). The emulator
keeps no table of use cases: whoever sends it a request hands it the Response builder the
SRV declares (gateway/registry.py). With no test world (the simulator, benchmarks) every
payload is a stand-in marked `GBDSP-EMULATED-...`, never bytes that pretend to be GBCS
(docs/sm-wan.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from lxml import etree

from gbdsp.config import WanConfig
from gbdsp.domain.devices import Device, DeviceClass, DeviceType
from gbdsp.domain.errors import InvalidValue, NotEncoded
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.replies import DeviceResponseReply, LocalCommandReply, PreCommandReply, Reply
from gbdsp.domain.requests import RequestId
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.store.lifecycle_repositories import WanRepository
from gbdsp.wan import device_auth
from gbdsp.wan.device_state import StateLookup
from gbdsp.wan.dsp_commands import CommandBuilder
from gbdsp.wan.esme_local import local_command
from gbdsp.wan.gbcs_ask import Ask, Builder, DeviceLog
from gbdsp.wan.gbcs_payloads import critical_response, gbcs_response

GBCS_VERSION = "4.3"
"""DUIS 5.4 is aligned with GBCS 4.3 (schema header)."""


def placeholder(kind: str, srv: str, request_id: str, detail: str = "") -> bytes:
    text = f"GBDSP-EMULATED-{kind}:{srv}:{request_id}"
    return (text + (f":{detail}" if detail else "")).encode()


def draw(seed: int, purpose: bytes, subject: bytes) -> bytes:
    """32 octets the emulator draws under its seed for one purpose and subject."""
    return hmac.new(str(seed).encode(), purpose + b":" + subject, hashlib.sha256).digest()


def install_code(seed: int, device_id: DeviceId) -> bytes:
    """A device's own install code (16 octets), as if printed on its label."""
    return draw(seed, b"install-code", device_id.hex.encode())[:16]


def customer_identification_number(seed: int, device_id: DeviceId) -> str:
    """The CIN the DCC gives a device to show its customer (GBCS ECS50/GCS36, SRV 9.1):
    four digits, the same for a device whatever the request, from the seed."""
    value = int.from_bytes(draw(seed, b"cin", str(device_id).encode())[:4], "big")
    return f"{value % 10_000:04d}"


@dataclass(frozen=True)
class DeviceEmulator:
    config: WanConfig = field(default_factory=WanConfig)
    gbcs: GbcsWorld | None = field(default=None, compare=False)
    """The test world whose device keys MAC the real GBCS Responses (None: stand-ins only)."""

    def install_code(self, device_id: DeviceId) -> bytes:
        """The device's own install code (16 octets), known to whoever holds the device."""
        return install_code(self.config.seed, device_id)

    def latency(self, request_id: str) -> timedelta:
        span = max(0, self.config.latency_ms_max - self.config.latency_ms_min)
        draw = int.from_bytes(self._draw(b"latency", request_id.encode())[:4], "big")
        return timedelta(milliseconds=self.config.latency_ms_min + (draw % (span + 1)))

    def wan_failure(self, request_id: str) -> ResponseCode | None:
        """E20 (no communication) or E21 (no response) for a `failure_rate` share."""
        if self.config.failure_rate <= 0:
            return None
        draw = int.from_bytes(self._draw(b"failure", request_id.encode())[:4], "big") / 2**32
        if draw >= self.config.failure_rate:
            return None
        return ResponseCode.E20 if draw < self.config.failure_rate / 2 else ResponseCode.E21

    def unreachable(self, wan: WanRepository, device: Device) -> ResponseCode | None:
        """Why a command cannot reach `device` now, as the DUIS code, or None."""
        hub = device.device_id if device.device_type is DeviceType.CHF else device.chf_id
        if hub is None or not wan.coverage(hub):
            return ResponseCode.E20  # no SM WAN at the premises (or the hub is not installed)
        if device.device_type.device_class is DeviceClass.COMMS_HUB:
            return None
        on_han = wan.on_han(device.device_id)
        if on_han is None or not on_han[1]:
            return ResponseCode.E21  # not on the HAN (not whitelisted, or a wrong install code)
        return None

    def pre_command(self, srv: str, request_id: str) -> Reply:
        return Reply(
            ResponseCode.I0,
            PreCommandReply(GBCS_VERSION, placeholder("PRECOMMAND", srv, request_id)),
        )

    def local_command(
        self,
        srv: str,
        request_id: str,
        rid: RequestId | None = None,
        device: Device | None = None,
    ) -> Reply:
        """The Local Command: real GBCS with a test world (wan/esme_local.py; NotEncoded
        where gbdsp does not encode it), else the documented stand-in."""
        if self.gbcs is not None and rid is not None and device is not None:
            command = local_command(self.gbcs, srv, rid, device)
            if command is None:
                kind = device.device_type.name
                raise NotEncoded(f"the Local Command of {srv} to a {kind} is not encoded by gbdsp")
            return Reply(ResponseCode.I0, LocalCommandReply(command))
        return Reply(ResponseCode.I0, LocalCommandReply(placeholder("LOCAL", srv, request_id)))

    def response(self, srv: str, request_id: str, detail: str = "") -> Reply:
        return Reply(
            ResponseCode.I0, DeviceResponseReply(placeholder("RESPONSE", srv, request_id, detail))
        )

    def device_response(
        self,
        srv: str,
        request_id: RequestId,
        request_id_text: str,
        device: Device,
        at: datetime,
        detail: str = "",
        *,
        build: Builder | None,
        mirrored: DeviceId | None = None,
        command: IssuedCommand | None = None,
        body: etree._Element | None = None,
        log: DeviceLog | None = None,
        state: StateLookup | None = None,
    ) -> Reply:
        """The device's Response: real GBCS with a test world (NotEncoded where gbdsp does
        not encode the use case or these values of it), else the stand-in of `response`.

        `build`: the Response builder the SRV declares for this device type (None: the use
        case is not encoded); `mirrored`: the GSME a GPF holds the data of; `command`: the
        signed critical command executed (its Response is signed); `body`: the request's
        DUIS body (for the use cases whose Response follows its values); `log`: looks up the
        devices on the device's log, `state` what set commands changed on it
        (wan/gbcs_ask.py)."""
        if self.gbcs is not None:
            payload = (
                critical_response(self.gbcs, request_id, device, command, state)
                if command is not None
                else gbcs_response(
                    self.gbcs,
                    self.config.seed,
                    build,
                    request_id,
                    device,
                    at,
                    mirrored=mirrored,
                    body=body,
                    log=log,
                    state=state,
                )
            )
            if payload is None:
                raise NotEncoded(self._not_encoded(srv, request_id, device, command))
            return Reply(ResponseCode.I0, DeviceResponseReply(payload))
        return self.response(srv, request_id_text, detail)

    def _not_encoded(
        self, srv: str, rid: RequestId, device: Device, command: IssuedCommand | None
    ) -> str:
        """Why the test world gave no Response (wan/gbcs_payloads.py)."""
        assert self.gbcs is not None
        user = Eui64(rid.originator.value)
        if command is None and self.gbcs.party_certificate(user, KeyUsage.KA) is None:
            return (
                f"{user} has no GBCS KA certificate registered (gbdsp users add "
                f"--ka-certificate), so no Response of {srv} can be MACed for it"
            )
        return f"the Response of {srv} from a {device.device_type.name} is not encoded by gbdsp"

    def refusal(
        self, device: Device, command: bytes, state: StateLookup, *, critical: bool = True
    ) -> str | None:
        """Why `device` discards the `command` the DSP sent it (None: it executes it): the
        ACB's MAC, and for a `critical` one the signer's signature and trust anchor
        (wan/device_auth.py)."""
        assert self.gbcs is not None
        return device_auth.refusal(self.gbcs, device, command, state(), critical=critical)

    def sent_command(
        self,
        build: CommandBuilder,
        rid: RequestId,
        device: Device,
        at: datetime,
        body: etree._Element | None,
        log: DeviceLog | None = None,
    ) -> bytes | None:
        """The GBCS Command the DSP sends `device` for a non-critical request
        (wan/dsp_commands.py), or None where `build` does not encode these values. `log`:
        looks up the devices on the device's log (Ask.device_log), as for the Response."""
        assert self.gbcs is not None
        if self.gbcs.party_certificate(ACB, KeyUsage.KA) is None:
            return None  # a test world without the ACB: no command can be MACed
        ask = Ask(self.gbcs, self.config.seed, rid, device, at, device.device_id, body)
        if log is not None:
            ask = replace(ask, log=log)
        try:
            return build(ask)
        except InvalidValue:
            return None

    def customer_identification_number(self, device_id: DeviceId) -> str:
        """The CIN a device shows its customer (`customer_identification_number`)."""
        return customer_identification_number(self.config.seed, device_id)

    def _draw(self, purpose: bytes, subject: bytes) -> bytes:
        return draw(self.config.seed, purpose, subject)
