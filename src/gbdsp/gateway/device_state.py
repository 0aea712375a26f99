"""What the device remembers of a set command, written in the request's transaction
(wan/device_state.py; docs/gbcs.md, "Device state").

Only a command the device executed changes its state: not a refused request (nothing is
sent), not an E20/E21 (the command did not reach it, or it did not answer), not a
cancellation (which withdraws what the same User's future-dated command of the same SRV
would have set). A future-dated command is executed at its ExecutionDateTime, whoever holds
it (device or DSP): its changes are kept as pending until then. A critical command's
changes are read from its CV 4 request (the CV 5/6/7 body holds only the signed
pre-command) and kept with the transform.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from gbdsp.domain.devices import Device
from gbdsp.domain.future_dated import Handling
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.srv import Srv
from gbdsp.duis.request import DuisRequest
from gbdsp.gateway import future_dated
from gbdsp.gateway.registry import declared
from gbdsp.services.context import HandlerContext
from gbdsp.store.gateway_repositories import IssuedTransform
from gbdsp.wan import device_state
from gbdsp.wan.device_state import StateLookup

Change = dict[str, Any]
"""What a command does to the device's state, as kept with a CV 4 transform (JSON)."""
SET, AT, CANCEL = "set", "at", "cancel"


def read(request: DuisRequest, srv: Srv, device: Device, now: datetime) -> Change | None:
    """What the request's command does to what `device` remembers: sets overrides, at
    once or (future-dated) at its ExecutionDateTime, or withdraws (a cancellation). None:
    nothing gbdsp remembers, or values it cannot carry (the device keeps its defaults)."""
    reader = declared(srv.variant).sets.get(device.device_type)
    if reader is None:
        return None
    held = future_dated.decision(request, srv, now)
    if held.handling is Handling.CANCEL:
        return {CANCEL: True}
    try:
        overrides = reader(request.body)
    except ValueError:  # InvalidValue included
        return None
    if not overrides:
        return None
    return {SET: overrides, AT: None if held.at is None else held.at.isoformat()}


def lookup(ctx: HandlerContext, device_id: DeviceId) -> StateLookup:
    """The overrides in force on `device_id` now, read once and only if a builder asks."""

    @cache
    def found() -> dict[str, Any]:
        return device_state.in_force(ctx.tx.device_states.get(device_id), ctx.now)

    return found


def remember(
    ctx: HandlerContext,
    request: DuisRequest,
    srv: Srv,
    device: Device,
    issued: IssuedTransform | None,
) -> None:
    """The device executed the request's command (it answered I0): keep what it set. A
    CV 5/6/7 executes what its CV 4 request said (the time is in the signed command). An
    SRV that sets nothing gbdsp remembers costs no statement."""
    if device.device_type not in declared(srv.variant).sets:
        return
    change = (
        (issued.device_state if issued is not None else None)
        if request.cv.is_signed_pre_command
        else read(request, srv, device, ctx.now)
    )
    if not change:
        return
    stored = ctx.tx.device_states.get(device.device_id)
    originator = str(request.request_id.originator)
    if change.get(CANCEL):
        kept = device_state.withdrawn(stored, srv.variant, originator)
        if kept is not None:
            ctx.tx.device_states.put(device.device_id, kept, ctx.now)
        return
    at = None if change[AT] is None else datetime.fromisoformat(change[AT])
    changed = device_state.executed(
        stored, change[SET], ctx.now, at=at, srv=srv.variant, user=originator
    )
    ctx.tx.device_states.put(device.device_id, changed, ctx.now)
