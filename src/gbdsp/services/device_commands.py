"""Device Service Requests: checked when they arrive, carried out over the emulated SM WAN.

`check` runs inside the request's transaction before the I99 (a refusal then is
synchronous); `execute` applies what the device does and returns its response, which the
gateway signs into the outbox to be delivered after the WAN's latency. The SMI changes
when the device carries the command out (AC 4.13: "on a successful Response").
"""

from __future__ import annotations

from collections.abc import Callable

from gbdsp.domain import mp202
from gbdsp.domain.access import may_act_on
from gbdsp.domain.devices import Device, DeviceClass, DeviceType, SmiStatus
from gbdsp.domain.replies import Reply
from gbdsp.domain.smi_status import Trigger
from gbdsp.domain.srv import Srv, catalogue
from gbdsp.duis import bodies
from gbdsp.duis.request import DuisRequest
from gbdsp.services.context import HandlerContext

Check = Callable[[HandlerContext, DuisRequest, Device], Reply | None]
Effect = Callable[[HandlerContext, DuisRequest, Srv, Device], Reply]


def check(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply | None:
    """A synchronous refusal, or None to acknowledge (I99) and send the command."""
    checker = CHECKS.get(srv.srv)
    return checker(ctx, request, device) if checker else None


def execute(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply:
    """What comes back from the device (or the WAN's failure code)."""
    failure = (ctx.emulator.unreachable(ctx.tx.wan, device)
               or ctx.emulator.wan_failure(request.request_id_text))
    if failure is not None:
        return Reply(failure, reason=f"{device.device_id} did not answer ({failure})")
    effect = EFFECTS.get(srv.srv, _answer)
    return effect(ctx, request, srv, device)


def _answer(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply:
    return ctx.emulator.response(srv.srv, request.request_id_text)


# -- 8.11 Update HAN Device Log -------------------------------------------------------------

def _check_han_update(ctx: HandlerContext, request: DuisRequest, chf: Device) -> Reply | None:
    update = bodies.han_device_log_update(request.body)
    member = ctx.tx.devices.get(update.device_id, with_history=False)
    if member is None:
        return Reply("E19", reason=f"{update.device_id} (to whitelist) is not in the SMI")
    if member.device_type.device_class is DeviceClass.COMMS_HUB:
        return Reply("E11", reason="a CHF's own GPF is not added by 8.11")
    srv = catalogue().get("8.11")
    assert srv is not None
    if not may_act_on(ctx.user, member, srv.eligible_roles):
        return Reply("E4", reason=f"{ctx.user.user_id} is not the Responsible Supplier of "
                                  f"{member.device_id}")
    if update.add and update.install_code is None:
        return Reply("E5", reason="adding a device needs its install code")
    return None


def _han_update(ctx: HandlerContext, request: DuisRequest, srv: Srv, chf: Device) -> Reply:
    update = bodies.han_device_log_update(request.body)
    member = ctx.tx.devices.get(update.device_id, with_history=False)
    assert member is not None  # checked on arrival, same SMI since
    if not update.add:
        ctx.tx.wan.remove_from_han(member.device_id)
        ctx.save(member, chf_id=None)
        return ctx.emulator.response(srv.srv, request.request_id_text, "removed")
    code_ok = update.install_code == ctx.emulator.install_code(member.device_id)
    ctx.tx.wan.put_on_han(chf.device_id, member.device_id, code_ok)
    changes: dict[str, object] = {"chf_id": chf.device_id}
    if update.import_mpxn and member.device_type in (DeviceType.ESME, DeviceType.GSME):
        changes["import_mpxn"] = update.import_mpxn
    # MP202: a PPMID's SMETS version becomes that of the CH it joins.
    changes["smets_chts_version"] = mp202.version_at_whitelisting(member, chf, ctx.rules.mp202)
    member = ctx.save(member, **changes)
    if member.status is SmiStatus.PENDING:
        ctx.move(member, Trigger.WHITELISTED)
    # The CHF takes the device onto its log whatever the code: only the device itself finds
    # out, when it cannot join the HAN (later commands then get no answer: E21).
    return ctx.emulator.response(srv.srv, request.request_id_text, "added")


# -- 8.7 Join / 8.8 Unjoin ---------------------------------------------------------------

def _check_pair(ctx: HandlerContext, request: DuisRequest, device: Device) -> Reply | None:
    other_id = bodies.other_device_id(request.body)
    other = ctx.tx.devices.get(other_id, with_history=False)
    if other is None and request.srv.startswith("8.7"):
        return Reply("E19", reason=f"{other_id} (to join) is not in the SMI")
    return None


def _join(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply:
    other = ctx.tx.devices.get(bodies.other_device_id(request.body), with_history=False)
    assert other is not None
    if ctx.emulator.unreachable(ctx.tx.wan, other) is not None or other.chf_id != device.chf_id:
        return Reply("E21", reason=f"{other.device_id} is not on the same HAN (not whitelisted "
                                   "there, or a wrong install code): the join failed")
    ctx.tx.wan.join(device.device_id, other.device_id)
    for joiner, partner in ((device, other), (other, device)):
        if _commissioned_by_join(joiner, partner):
            ctx.move(joiner, Trigger.JOINED)
    return ctx.emulator.response(srv.srv, request.request_id_text, f"joined {other.device_id}")


def _commissioned_by_join(joiner: Device, partner: Device) -> bool:
    """AC 4.9: a Type 1 Device joined to a Commissioned ESME, GSME (via GPF) or SAPC;
    AC 4.10: a GPF joined to a Commissioned GSME."""
    if joiner.status is SmiStatus.COMMISSIONED or partner.status is not SmiStatus.COMMISSIONED:
        return False
    if joiner.device_type.is_type1:
        return partner.device_type in (DeviceType.ESME, DeviceType.GSME, DeviceType.SAPC,
                                       DeviceType.GPF)
    return joiner.device_type is DeviceType.GPF and partner.device_type is DeviceType.GSME


def _unjoin(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device) -> Reply:
    ctx.tx.wan.unjoin(device.device_id, bodies.other_device_id(request.body))
    return ctx.emulator.response(srv.srv, request.request_id_text, "unjoined")


# -- 8.1.1 Commission Device, 6.20.1 Set Import MPxN ---------------------------------------------

def _check_commission(ctx: HandlerContext, request: DuisRequest, meter: Device) -> Reply | None:
    """AC 4.12: not if the CHF of the same Smart Metering System is not Commissioned."""
    chf = ctx.tx.devices.get(meter.chf_id, with_history=False) if meter.chf_id else None
    if chf is None or chf.status is not SmiStatus.COMMISSIONED:
        state = chf.status.value if chf and chf.status else "not on any CHF"
        return Reply("E5", reason=f"AC 4.12: the CHF of {meter.device_id} is {state}")
    return None


def _commission(ctx: HandlerContext, request: DuisRequest, srv: Srv, meter: Device) -> Reply:
    moved = ctx.move(meter, Trigger.COMMISSIONED)
    if isinstance(moved, Reply):
        return moved
    return ctx.emulator.response(srv.srv, request.request_id_text, "commissioned")


def _set_mpxn(ctx: HandlerContext, request: DuisRequest, srv: Srv, meter: Device) -> Reply:
    ctx.save(meter, import_mpxn=bodies.import_mpxn(request.body))  # AC 4.14
    return ctx.emulator.response(srv.srv, request.request_id_text, "MPxN set")


def _read_firmware(ctx: HandlerContext, request: DuisRequest, srv: Srv, device: Device
                   ) -> Reply:
    return ctx.emulator.response(srv.srv, request.request_id_text,
                                 f"firmware={device.model.firmware_version}")


CHECKS: dict[str, Check] = {
    "8.11": _check_han_update,
    "8.7.1": _check_pair, "8.7.2": _check_pair, "8.8.1": _check_pair, "8.8.2": _check_pair,
    "8.1.1": _check_commission,
}

EFFECTS: dict[str, Effect] = {
    "8.11": _han_update,
    "8.7.1": _join, "8.7.2": _join, "8.8.1": _unjoin, "8.8.2": _unjoin,
    "8.1.1": _commission,
    "6.20.1": _set_mpxn,
    "11.2": _read_firmware,
}
