"""Lifecycle use cases: pre-notification, CH delivery and status updates, decommission,
inventory updates, firmware. Each takes domain values; `handlers.py` turns DUIS bodies into
them, and `gbdsp demo` and the simulator call them directly.

Each checks the device it names (E19/E11/E4 as access control would), applies the
transition table (E5 when it does not allow the change), and answers I0.
"""

from __future__ import annotations

from dataclasses import replace

from gbdsp.domain import other_user
from gbdsp.domain.devices import (
    CspRegion,
    Device,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
)
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.parties import UserRole
from gbdsp.domain.products import CplKey
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.service_requests import FirmwareUpdate, InventoryUpdate, Prenotification
from gbdsp.domain.smi_status import Trigger
from gbdsp.services import alerts
from gbdsp.services.context import HandlerContext
from gbdsp.wan.alerts import firmware_receipt

PRENOTIFY_NOT_ON_CPL = ResponseCode.E120201
PRENOTIFY_ALREADY_IN_SMI = ResponseCode.E120203
"""12.2 refusals. Inference: SR-specific codes read E<SR 1202><nn> (reference/
response-codes.csv; DP316 reports E120201 on a 12.2); which nn means what is our choice
among the codes the XSD enumerates."""


def prenotify(ctx: HandlerContext, body: Prenotification) -> Reply:
    """12.2: a device of a CPL model enters the SMI as Pending; the sender is recorded as
    its installing supplier (MP121 asks it for install codes) and Responsible Supplier."""
    device_type = DeviceType.parse(body.device_type)
    if ctx.user.roles == {UserRole.OU} and not other_user.may_prenotify(device_type):
        return Reply(
            ResponseCode.E4,
            reason=f"an Other User pre-notifies only Type 2 Devices, not a {device_type.value}",
        )
    if ctx.tx.devices.get(body.device_id, with_history=False) is not None:
        return Reply(PRENOTIFY_ALREADY_IN_SMI, reason=f"{body.device_id} is already in the SMI")
    version = body.smets_chts_version or "SMETS2"
    variant = SmetsVariant.of_version(version)
    key = _cpl_key(ctx, body.manufacturer, body.model, body.firmware_version, device_type, variant)
    if key is None:
        return Reply(
            PRENOTIFY_NOT_ON_CPL,
            reason=(
                f"{body.manufacturer}/{body.model} fw {body.firmware_version or '-'} "
                f"({device_type.value}, {variant.value}) is not an active CPL entry"
            ),
        )
    added = ctx.add_new(
        Trigger.PRENOTIFIED,
        device_id=body.device_id,
        device_type=device_type,
        model=key.model,
        smets_chts_version=version,
        responsible_supplier=ctx.user.user_id,
        installing_supplier=ctx.user.user_id,
    )
    if isinstance(added, Reply):
        return added
    return Reply(ResponseCode.I0, reason=f"{body.device_id} pre-notified ({device_type.value})")


def _cpl_key(
    ctx: HandlerContext,
    manufacturer: str,
    model: str,
    firmware: str | None,
    device_type: DeviceType,
    variant: SmetsVariant,
) -> CplKey | None:
    """The active CPL row for what 12.2 names (DUIS carries no hardware version, so any)."""
    for entry in ctx.tx.cpl.all():
        m = entry.key.model
        if (
            entry.is_active
            and m.manufacturer == manufacturer
            and m.model == model
            and entry.key.device_type is device_type
            and entry.key.smets_variant is variant
            and (firmware is None or m.firmware_version == firmware)
        ):
            return entry.key
    return None


def deliver_hub(
    ctx: HandlerContext,
    chf_id: DeviceId,
    gpf_id: DeviceId,
    chf_model: DeviceModel,
    gpf_model: DeviceModel,
    smets_chts_version: str,
    region: CspRegion | None = None,
) -> Reply:
    """AC 2.4: the DCC adds a CH's CHF and GPF as Pending when it delivers it to a Party
    (only if the model is on the CPL); the ordering supplier is its Responsible Supplier."""
    for device_id in (chf_id, gpf_id):
        if ctx.tx.devices.get(device_id, with_history=False) is not None:
            return Reply(ResponseCode.E5, reason=f"{device_id} is already in the SMI")
    variant = SmetsVariant.of_version(smets_chts_version)
    for dtype, model in ((DeviceType.CHF, chf_model), (DeviceType.GPF, gpf_model)):
        if ctx.cpl.status(CplKey(model, dtype, variant)) is None:
            return Reply(
                ResponseCode.E5, reason=f"{dtype.value} model {model.model} is not on the CPL"
            )
    for device_id, dtype, model in (
        (chf_id, DeviceType.CHF, chf_model),
        (gpf_id, DeviceType.GPF, gpf_model),
    ):
        added = ctx.add_new(
            Trigger.CH_DELIVERED,
            device_id=device_id,
            device_type=dtype,
            model=model,
            smets_chts_version=smets_chts_version,
            chf_id=chf_id if dtype is DeviceType.GPF else None,
            responsible_supplier=ctx.user.user_id,
            csp_region=region,
        )
        if isinstance(added, Reply):
            return added
    return Reply(ResponseCode.I0, reason=f"CH {chf_id} delivered to {ctx.user.user_id}")


CH_TRIGGERS = {
    "8.14.1": Trigger.CH_INSTALLED,
    "8.14.2": Trigger.CH_INSTALLED_NO_WAN,
    "8.14.3": Trigger.CH_RETURNED,
    "8.14.4": Trigger.CH_RETURNED,
}


def update_ch_status(
    ctx: HandlerContext, srv: str, chf_id: DeviceId, mpxn: str | None = None
) -> Reply:
    """8.14.1-8.14.4: the CHF and its GPF move together (transition table rows)."""
    found = ctx.device_for(srv, chf_id)
    if isinstance(found, Reply):
        return found
    trigger = CH_TRIGGERS[srv]
    gpf = next(
        (
            d
            for d in ctx.tx.devices.in_device_log(found.device_id)
            if d.device_type is DeviceType.GPF
        ),
        None,
    )
    moved_chf = ctx.move(found, trigger)
    if isinstance(moved_chf, Reply):
        return moved_chf
    if gpf is not None:
        moved = ctx.move(gpf, trigger)
        if isinstance(moved, Reply):
            return moved
    if srv in ("8.14.1", "8.14.2"):
        ctx.tx.wan.set_coverage(found.device_id, srv == "8.14.1")
        if mpxn:  # the premises' MPxN: registration data (CoS) finds the hub by it
            ctx.save(moved_chf, import_mpxn=mpxn)
    return Reply(ResponseCode.I0, reason=f"CH {found.device_id}: {trigger.value}")


def decommission(ctx: HandlerContext, device_id: DeviceId) -> Reply:
    """8.3: the device leaves service; it leaves the HAN and its joins with it."""
    found = ctx.device_for("8.3", device_id)
    if isinstance(found, Reply):
        return found
    moved = ctx.move(found, Trigger.DECOMMISSIONED)
    if isinstance(moved, Reply):
        return moved
    for other in ctx.tx.wan.joined_with(found.device_id):
        ctx.tx.wan.unjoin(found.device_id, other)
    ctx.tx.wan.remove_from_han(found.device_id)
    # DUIS 5.1: a DCC schedule ends when its device is decommissioned.
    ctx.tx.schedules.remove([s.schedule_id for s in ctx.tx.schedules.of_device(found.device_id)])
    ctx.save(moved, chf_id=None)
    return Reply(ResponseCode.I0, reason=f"{found.device_id} decommissioned")


REACTIVATION_SOURCES = frozenset(
    {SmiStatus.DECOMMISSIONED, SmiStatus.WHITELISTED, SmiStatus.WITHDRAWN}
)


def update_inventory(ctx: HandlerContext, update: InventoryUpdate) -> Reply:
    """8.4: status (AC 7.1 reactivation to Pending among them), MPxN or device details."""
    found = ctx.device_for("8.4", update.device_id)
    if isinstance(found, Reply):
        return found
    if update.delete:
        return Reply(
            ResponseCode.E5, reason="8.4 DeleteDevice is left to housekeeping (MP60), not yet"
        )
    if update.status is not None:
        wanted = SmiStatus.parse(update.status)
        reactivation = wanted is SmiStatus.PENDING and found.status in REACTIVATION_SOURCES
        if reactivation and not _model_on_cpl(ctx, found):
            return Reply(ResponseCode.E5, reason="AC 7.1: the Device Model is no longer on the CPL")
        trigger = Trigger.REACTIVATED if reactivation else Trigger.INVENTORY_UPDATE
        moved = ctx.move(found, trigger, wanted)
        return moved if isinstance(moved, Reply) else Reply(ResponseCode.I0, reason=trigger.value)
    if update.import_mpxn is not None:
        ctx.save(found, import_mpxn=update.import_mpxn)
        return Reply(ResponseCode.I0, reason=f"MPxN of {found.device_id} set")
    model = found.model
    ctx.save(
        found,
        model=DeviceModel(
            model.manufacturer,
            model.model,
            model.hardware_version,
            update.firmware_version or model.firmware_version,
        ),
        smets_chts_version=update.smets_chts_version or found.smets_chts_version,
    )
    return Reply(ResponseCode.I0, reason=f"details of {found.device_id} updated")


def _model_on_cpl(ctx: HandlerContext, device: Device) -> bool:
    return (
        ctx.cpl.status(CplKey(device.model, device.device_type, device.smets_variant)) is not None
    )


def update_firmware(ctx: HandlerContext, srv: str, update: FirmwareUpdate) -> Reply:
    """11.1 / 11.4: the new version must be on the CPL for each device's model; 11.4 goes
    to PPMIDs in SMETS2+ systems only (MP202). The SMI records the new version."""
    targets = []
    for device_id in update.device_ids:
        found = ctx.device_for(srv, device_id)
        if isinstance(found, Reply):
            return found
        if srv == "11.4":
            why = ctx.rules.mp202.may_target(found, _chf_of(ctx, found))
            if why is not None:
                return Reply(ResponseCode.E5, reason=why)
        new_model = DeviceModel(
            found.model.manufacturer,
            found.model.model,
            found.model.hardware_version,
            update.firmware_version,
        )
        if ctx.cpl.status(CplKey(new_model, found.device_type, found.smets_variant)) is None:
            return Reply(
                ResponseCode.E5,
                reason=f"firmware {update.firmware_version} of "
                f"{found.model.model} is not on the CPL",
            )
        targets.append((found, new_model))
    for device, model in targets:
        ctx.save(device, model=model)
        if srv == "11.1":
            _receipt(ctx, replace(device, model=model), update.image)
    return Reply(
        ResponseCode.I0, reason=f"firmware {update.firmware_version} for {len(targets)} devices"
    )


RECEIPT = "8F72"
"""Firmware Verification Successful: the meter's Firmware Distribution Receipt alert."""


def _receipt(ctx: HandlerContext, meter: Device, image: bytes) -> None:
    """DUIS 11.1: the image reaches the meter over the SM WAN; the meter hashes it and
    alerts its Responsible Supplier with the Firmware Distribution Receipt (real GBCS,
    signed by the meter), one SM WAN latency after the 11.1 is answered."""
    if ctx.signing_key is None or meter.device_type not in (DeviceType.ESME, DeviceType.GSME):
        return
    world = ctx.emulator.gbcs
    at = ctx.now + ctx.emulator.latency(
        f"firmware:{meter.device_id}:{meter.model.firmware_version}"
    )
    alerts.push_alert(
        ctx.tx,
        ctx.rules.mp169,
        ctx.signing_key,
        meter,
        RECEIPT,
        at,
        lambda counter: (
            None if world is None else firmware_receipt(world, meter, image, counter, at)
        ),
        encoded_only=world is not None,
    )


def _chf_of(ctx: HandlerContext, device: Device) -> Device | None:
    if device.chf_id is None:
        return None
    return ctx.tx.devices.get(device.chf_id, with_history=False)
