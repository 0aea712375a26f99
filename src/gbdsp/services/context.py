"""What a request handler works with, assembled once per request by the gateway."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gbdsp.domain.access import AccessRequest, Refused, authorise
from gbdsp.domain.devices import Device, DeviceType, SmiStatus, StatusChange
from gbdsp.domain.ids import DCC_ACCESS_CONTROL_BROKER, DeviceId
from gbdsp.domain.parties import User
from gbdsp.domain.replies import Reply
from gbdsp.domain.requests import CommandVariant, RequestId, WebService
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import Rules
from gbdsp.domain.smi_status import Refused as TransitionRefused
from gbdsp.domain.smi_status import Trigger, next_status
from gbdsp.domain.srv import catalogue
from gbdsp.domain.world import Profile, body_device_checks
from gbdsp.duis.signature import SigningKey
from gbdsp.services.lookups import CplStatusLookup
from gbdsp.store.store import Transaction
from gbdsp.wan.emulator import DeviceEmulator


@dataclass(frozen=True, slots=True)
class HandlerContext:
    tx: Transaction
    cpl: CplStatusLookup
    now: datetime
    user: User
    rules: Rules
    """The modifications' policies on the request's date (domain/rules/)."""
    emulator: DeviceEmulator
    ou_premises: frozenset[DeviceId] = frozenset()
    """For an Other User: the premises (CHFs) whose consumer authorised it."""
    profile: Profile = Profile.SEC
    """The test world's reading of the test Users (domain/world.py)."""
    signing_key: SigningKey | None = None
    """The DSP's key, for what a use case pushes besides its answer (the Firmware
    Distribution Receipts after 11.1); None where nothing is pushed (the demo's builders)."""

    def device_for(self, srv: str, device_id: DeviceId) -> Device | Reply:
        """The device a non-device request names in its body, if this User may act on it
        with this SRV; else the refusal (E19, E11, E4) as a reply."""
        device = self.tx.devices.get(device_id, with_history=False)
        found = catalogue().get(srv)
        assert found is not None
        request_id = RequestId(self.user.user_id, DCC_ACCESS_CONTROL_BROKER, 0)
        decision = authorise(
            AccessRequest(
                request_id,
                self.user,
                found,
                CommandVariant.NON_DEVICE,
                WebService.NON_DEVICE,
                device,
                mp39=self.rules.mp39,
                ou_premises=self.ou_premises,
            ),
            body_device_checks(self.profile),
        )
        if isinstance(decision, Refused):
            return Reply(decision.code, reason=decision.reason)
        assert device is not None
        return device

    def at(self, when: datetime) -> HandlerContext:
        """The same context at another time (the demo and the simulator replay history)."""
        return replace(self, now=when)

    def move(
        self, device: Device, trigger: Trigger, wanted: SmiStatus | None = None
    ) -> Device | Reply:
        """Apply one row of the transition table (E5 if it does not allow it)."""
        result = next_status(trigger, device.device_type, device.status, wanted)
        if isinstance(result, TransitionRefused):
            return Reply(ResponseCode.E5, reason=result.reason)
        change = StatusChange(result, self.now, trigger.value, self.user.user_id)
        self.tx.devices.record_status(device.device_id, change)
        return device.with_status(change)

    def add_new(self, trigger: Trigger, **fields: Any) -> Device | Reply:
        """Add a device that is not yet in the SMI, its first status from the table (Type 2
        Devices have none)."""
        device_type: DeviceType = fields["device_type"]
        if not device_type.has_smi_status:
            device = Device(status=None, status_date=None, **fields)
        else:
            result = next_status(trigger, device_type, None)
            if isinstance(result, TransitionRefused):
                return Reply(ResponseCode.E5, reason=result.reason)
            change = StatusChange(result, self.now, trigger.value, self.user.user_id)
            device = Device(status=result, status_date=self.now, history=(change,), **fields)
        self.tx.devices.add(device)
        return device

    def save(self, device: Device, **changes: Any) -> Device:
        updated = replace(device, **changes)
        self.tx.devices.update(updated)
        return updated
