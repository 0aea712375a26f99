"""The use cases of Device Service Requests that change the SMI: what a device's carrying a
command out does (AC 4.13: the SMI changes "on a successful Response"), and the checks made
when such a request arrives.

They take domain values, so `gbdsp demo` and the simulator drive them directly; the
gateway's registry (gateway/registry.py) adapts DUIS requests to them.
"""

from __future__ import annotations

from gbdsp.domain.access import may_pair_with
from gbdsp.domain.devices import Device, DeviceClass, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.replies import CinReply, DeviceResponseReply, Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.service_requests import HanDeviceLogUpdate
from gbdsp.domain.smi_status import Trigger
from gbdsp.domain.srv import catalogue
from gbdsp.services.context import HandlerContext
from gbdsp.services.install_codes import close_on_success


def with_cin(ctx: HandlerContext, device: Device, answer: Reply) -> Reply:
    """9.1: DUIS answers in a CINMessage, the device's GBCS response beside the four-digit
    Customer Identification Number the DSP reads out of it."""
    if answer.code != ResponseCode.I0 or not isinstance(answer.payload, DeviceResponseReply):
        return answer
    cin = ctx.emulator.customer_identification_number(device.device_id)
    return Reply(ResponseCode.I0, CinReply(answer.payload.payload, cin), answer.reason)


def mirrored_gsme(ctx: HandlerContext, device: Device) -> DeviceId | None:
    """The GSME joined to a GPF (whose data the GPF holds, GBCS "GPF device log"), if any."""
    if device.device_type is not DeviceType.GPF:
        return None
    for other in ctx.tx.wan.joined_with(device.device_id):
        joined = ctx.tx.devices.get(other, with_history=False)
        if joined is not None and joined.device_type is DeviceType.GSME:
            return joined.device_id
    return None


def device_log(ctx: HandlerContext, device: Device) -> list[Device]:
    """The other devices on `device`'s log as the SMI holds them (wan/gbcs_ask.py
    `Ask.device_log`): a CHF's Device Log (with its GPF), or the devices joined to it."""
    if device.device_type is DeviceType.CHF:
        return [
            d
            for d in ctx.tx.devices.in_device_log(device.device_id)
            if d.device_id != device.device_id
        ]
    joined = ctx.tx.devices.get_many(ctx.tx.wan.joined_with(device.device_id))
    return [joined[k] for k in sorted(joined, key=lambda i: i.value)]


# -- 8.11 Update HAN Device Log -------------------------------------------------------------


def check_whitelist(ctx: HandlerContext, chf: Device, update: HanDeviceLogUpdate) -> Reply | None:
    member = ctx.tx.devices.get(update.device_id, with_history=False)
    if member is None:
        return Reply(
            ResponseCode.E19, reason=f"{update.device_id} (to whitelist) is not in the SMI"
        )
    if member.device_type.device_class is DeviceClass.COMMS_HUB:
        return Reply(ResponseCode.E11, reason="a CHF's own GPF is not added by 8.11")
    srv = catalogue().get("8.11")
    assert srv is not None
    if not may_pair_with(ctx.user, chf, member, srv.eligible_roles, srv.variant, ctx.ou_premises):
        return Reply(
            ResponseCode.E4,
            reason=f"{ctx.user.user_id} may not put {member.device_id} on "
            "this CH's Device Log (not its own device)",
        )
    if update.add and update.install_code is None:
        return Reply(ResponseCode.E5, reason="adding a device needs its install code")
    return None


def whitelist(ctx: HandlerContext, chf: Device, update: HanDeviceLogUpdate) -> Reply:
    """The CHF takes the device onto its log whatever the install code: only the device
    finds out, when it cannot join the HAN (later commands then get no answer: E21)."""
    member = ctx.tx.devices.get(update.device_id, with_history=False)
    assert member is not None  # checked on arrival, same transaction since
    if not update.add:
        ctx.tx.wan.remove_from_han(member.device_id)
        ctx.save(member, chf_id=None)
        return Reply(ResponseCode.I0, reason="removed")
    code_ok = update.install_code == ctx.emulator.install_code(member.device_id)
    ctx.tx.wan.put_on_han(chf.device_id, member.device_id, code_ok)
    changes: dict[str, object] = {"chf_id": chf.device_id, "csp_region": chf.csp_region}
    if update.import_mpxn and member.device_type in (DeviceType.ESME, DeviceType.GSME):
        changes["import_mpxn"] = update.import_mpxn
    # MP202: a PPMID's SMETS version becomes that of the CH it joins.
    changes["smets_chts_version"] = ctx.rules.mp202.version_at_whitelisting(member, chf)
    member = ctx.save(member, **changes)
    if member.status is SmiStatus.PENDING:
        ctx.move(member, Trigger.WHITELISTED)
    if code_ok:  # MP121: the gaining supplier's code worked; its request has done its job
        close_on_success(ctx.tx, member.device_id, ctx.user.user_id, ctx.now)
    return Reply(ResponseCode.I0, reason="added")


# -- 8.7 Join / 8.8 Unjoin ---------------------------------------------------------------


def join(ctx: HandlerContext, device: Device, other_id: DeviceId) -> Reply:
    other = ctx.tx.devices.get(other_id, with_history=False)
    if other is None:
        return Reply(ResponseCode.E19, reason=f"{other_id} (to join) is not in the SMI")
    if ctx.emulator.unreachable(ctx.tx.wan, other) is not None or other.chf_id != device.chf_id:
        return Reply(
            ResponseCode.E21,
            reason=f"{other.device_id} is not on the same HAN (not whitelisted "
            "there, or a wrong install code): the join failed",
        )
    ctx.tx.wan.join(device.device_id, other.device_id)
    for joiner, partner in ((device, other), (other, device)):
        if _commissioned_by_join(joiner, partner):
            ctx.move(joiner, Trigger.JOINED)
    return Reply(ResponseCode.I0, reason=f"joined {other.device_id}")


def _commissioned_by_join(joiner: Device, partner: Device) -> bool:
    """AC 4.9: a Type 1 Device joined to a Commissioned ESME, GSME (via GPF) or SAPC;
    AC 4.10: a GPF joined to a Commissioned GSME."""
    if joiner.status is SmiStatus.COMMISSIONED or partner.status is not SmiStatus.COMMISSIONED:
        return False
    if joiner.device_type.is_type1:
        return partner.device_type in (
            DeviceType.ESME,
            DeviceType.GSME,
            DeviceType.SAPC,
            DeviceType.GPF,
        )
    return joiner.device_type is DeviceType.GPF and partner.device_type is DeviceType.GSME


def unjoin(ctx: HandlerContext, device: Device, other_id: DeviceId) -> Reply:
    ctx.tx.wan.unjoin(device.device_id, other_id)
    return Reply(ResponseCode.I0, reason="unjoined")


# -- 8.1.1 Commission Device, 6.20.1 Set Import MPxN ---------------------------------------------


def check_commission(ctx: HandlerContext, meter: Device) -> Reply | None:
    """AC 4.12: not if the CHF of the same Smart Metering System is not Commissioned."""
    chf = ctx.tx.devices.get(meter.chf_id, with_history=False) if meter.chf_id else None
    if chf is None or chf.status is not SmiStatus.COMMISSIONED:
        state = chf.status.value if chf and chf.status else "not on any CHF"
        return Reply(ResponseCode.E5, reason=f"AC 4.12: the CHF of {meter.device_id} is {state}")
    return None


def commission(ctx: HandlerContext, meter: Device) -> Reply:
    moved = ctx.move(meter, Trigger.COMMISSIONED)
    return moved if isinstance(moved, Reply) else Reply(ResponseCode.I0, reason="commissioned")


def set_import_mpxn(ctx: HandlerContext, meter: Device, mpxn: str) -> Reply:
    ctx.save(meter, import_mpxn=mpxn)  # AC 4.14
    return Reply(ResponseCode.I0, reason="MPxN set")


# -- 8.7.x Join Service, 8.8.x Unjoin Service ------------------------------------------------


def check_pair(ctx: HandlerContext, srv: str, device: Device, other_id: DeviceId) -> Reply | None:
    if other_id == device.device_id:  # a unique-key failure of wan_joins otherwise
        return Reply(ResponseCode.E11, reason=f"{device.device_id} cannot join or unjoin itself")
    other = ctx.tx.devices.get(other_id, with_history=False)
    if srv.startswith("8.7") and other is None:
        return Reply(ResponseCode.E19, reason=f"{other_id} (to join) is not in the SMI")
    found = catalogue().get(srv)
    assert found is not None
    if not may_pair_with(ctx.user, device, other, found.eligible_roles, srv, ctx.ou_premises):
        return Reply(
            ResponseCode.E4,
            reason=f"{ctx.user.user_id} may not pair {device.device_id} "
            f"with {other_id} (an Other User only its own Type 2 Device)",
        )
    return None
