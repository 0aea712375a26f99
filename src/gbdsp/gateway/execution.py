"""Carrying an SRV out as the registry declares it (gateway/registry.py).

`check` runs inside the request's transaction before the I99 (a refusal then is
synchronous); `execute` applies what the device does and returns its response (real GBCS
from the builder the SRV declares for the device type), which the gateway signs into the
outbox to be delivered after the WAN's latency; `non_device` is the DSP's own answer to a
CV 8 request.
"""

from __future__ import annotations

from gbdsp.domain.devices import Device
from gbdsp.domain.replies import Reply
from gbdsp.domain.requests import CommandVariant
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import Srv
from gbdsp.duis.request import DuisRequest
from gbdsp.gateway import critical, device_state
from gbdsp.gateway.device_commands import device_log, mirrored_gsme, with_cin
from gbdsp.gateway.handlers import NotImplementedSrv
from gbdsp.gateway.registry import declared
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.services.context import HandlerContext
from gbdsp.store.gateway_repositories import IssuedTransform


def non_device(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    answer = declared(srv.variant).answer
    if answer is None:
        raise NotImplementedSrv(f"SRV {srv.variant} {srv.name} is not implemented by gbdsp yet")
    return answer(ctx, request, srv)


def check(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply | None:
    """A synchronous refusal, or None to acknowledge (I99) and send the command."""
    checker = declared(srv.variant).check
    return checker(ctx, request, device) if checker else None


def execute(
    ctx: HandlerContext,
    request: DuisRequest,
    srv: Srv,
    device: Device,
    *,
    command: IssuedCommand | None = None,
    issued: IssuedTransform | None = None,
) -> Reply:
    """What comes back from the device (or the WAN's failure code). `command`: the
    critical command the User signed (its Response is signed), `issued` its transform. A
    command the device executed (I0) changes what it remembers (gateway/device_state.py)."""
    answer = _execute(ctx, request, srv, device, command)
    if answer.code == ResponseCode.I0:
        device_state.remember(ctx, request, srv, device, issued)
    return answer


SENT = frozenset({CommandVariant.COMMAND, CommandVariant.COMMAND_AND_LOCAL})
"""The non-critical Command Variants whose command the DSP sends the device (CV 1, 3)."""


def _discarded(
    ctx: HandlerContext,
    request: DuisRequest,
    srv: Srv,
    device: Device,
    command: IssuedCommand | None,
) -> Reply | None:
    """Every command goes to the device inside the ACB's MAC, a critical one with the
    User's signature; the device checks it (wan/device_auth.py) and discards what does not
    pass: no Response, so E21. A non-critical use case with no command encoder
    (registry `command=`) is handed to the device unchecked."""
    world = ctx.emulator.gbcs
    if world is None:
        return None
    critical_sent = command is not None and request.cv.is_signed_pre_command
    if critical_sent:
        sent: bytes | None = critical.sent_command(world, request, device)
    else:
        build = declared(srv.variant).command.get(device.device_type)
        if build is None or command is not None or request.cv not in SENT:
            return None
        sent = ctx.emulator.sent_command(
            build,
            request.request_id,
            device,
            ctx.now,
            request.body,
            lambda: device_log(ctx, device),  # read only by a builder that asks
        )
    if sent is None:
        return None
    state = device_state.lookup(ctx, device.device_id)
    why = ctx.emulator.refusal(device, sent, state, critical=critical_sent)
    if why is None:
        return None
    return Reply(ResponseCode.E21, reason=f"{device.device_id} discarded the command: {why}")


def _execute(
    ctx: HandlerContext,
    request: DuisRequest,
    srv: Srv,
    device: Device,
    command: IssuedCommand | None,
) -> Reply:
    failure = ctx.emulator.unreachable(ctx.tx.wan, device) or ctx.emulator.wan_failure(
        request.request_id_text
    )
    if failure is not None:
        return Reply(failure, reason=f"{device.device_id} did not answer ({failure})")
    discarded = _discarded(ctx, request, srv, device, command)
    if discarded is not None:
        return discarded
    declaration = declared(srv.variant)
    effect = declaration.effect
    build = declaration.gbcs.get(device.device_type)
    mirrored = mirrored_gsme(ctx, device)

    def log() -> list[Device]:  # read only by the builders that ask, after any effect
        return device_log(ctx, device)

    state = device_state.lookup(ctx, mirrored or device.device_id)

    if effect is None:
        answer = ctx.emulator.device_response(
            srv.variant,
            request.request_id,
            request.request_id_text,
            device,
            ctx.now,
            build=build,
            mirrored=mirrored,
            command=command,
            body=request.body,
            log=log,
            state=state,
        )
        return with_cin(ctx, device, answer) if declaration.with_cin else answer
    outcome = effect(ctx, request, device)
    if outcome.code != ResponseCode.I0 or outcome.payload is not None:
        return outcome
    return ctx.emulator.device_response(
        srv.variant,
        request.request_id,
        request.request_id_text,
        device,
        ctx.now,
        outcome.reason,
        build=build,
        mirrored=mirrored,
        command=command,
        body=request.body,
        log=log,
        state=state,
    )
