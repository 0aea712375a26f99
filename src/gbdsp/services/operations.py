"""What the DCC's operators do outside DUIS: deliver Communications Hubs (AC 2.4), and run
the SM WAN emulator (coverage arriving at a premises, a device's install code label)."""

from __future__ import annotations

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.devices import (
    CspRegion,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    StatusChange,
)
from gbdsp.domain.errors import Conflict, InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import rules_on
from gbdsp.domain.smi_status import Trigger, next_status
from gbdsp.services import lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.services.lookups import CplLookup
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator


def deliver_hub(
    store: Store,
    clock: Clock,
    config: Config,
    to: UserId,
    chf_id: DeviceId,
    gpf_id: DeviceId,
    smets_chts_version: str = "CHTS V1.0",
    region: CspRegion | None = None,
    *,
    emulator: DeviceEmulator,
) -> None:
    """Add a delivered CH's CHF and GPF to the SMI as Pending, owned by the ordering User."""
    variant = SmetsVariant.of_version(smets_chts_version)
    now = clock.now()
    with store.transaction() as tx:
        user = tx.users.get(to)
        if user is None or not any(r.is_supplier for r in user.roles):
            raise NotFound(f"{to} is not a registered supplier User")
        models = _hub_models(tx.cpl.all(), variant)
        ctx = HandlerContext(
            tx,
            CplLookup(store, ttl=0),
            now,
            user,
            rules_on(config.rule_settings(), now.date()),
            emulator,
        )
        reply = lifecycle.deliver_hub(
            ctx,
            chf_id,
            gpf_id,
            models[DeviceType.CHF],
            models[DeviceType.GPF],
            smets_chts_version,
            region,
        )
        if reply.code != ResponseCode.I0:
            raise Conflict(reply.reason)


def _hub_models(entries: list[CplEntry], variant: SmetsVariant) -> dict[DeviceType, DeviceModel]:
    models: dict[DeviceType, DeviceModel] = {}
    for entry in entries:
        key = entry.key
        if (
            entry.is_active
            and key.smets_variant is variant
            and key.device_type in (DeviceType.CHF, DeviceType.GPF)
        ):
            models.setdefault(key.device_type, key.model)
    if len(models) < 2:
        raise InvalidValue(f"the CPL has no active {variant.value} CHF and GPF models")
    return models


def set_coverage(store: Store, clock: Clock, chf_id: DeviceId, coverage: bool) -> None:
    """SM WAN coverage arrives at (or leaves) a premises. A CHF installed without it
    connects and is commissioned when it arrives (transition table, WAN_CONNECTED)."""
    with store.transaction() as tx:
        chf = tx.devices.get(chf_id, with_history=False)
        if chf is None or chf.device_type is not DeviceType.CHF:
            raise NotFound(f"{chf_id} is not a CHF in the SMI")
        tx.wan.set_coverage(chf_id, coverage)
        if coverage and chf.status is SmiStatus.INSTALLED_NOT_COMMISSIONED:
            status = next_status(Trigger.WAN_CONNECTED, DeviceType.CHF, chf.status)
            assert isinstance(status, SmiStatus)
            tx.devices.record_status(
                chf_id, StatusChange(status, clock.now(), Trigger.WAN_CONNECTED.value)
            )


def install_code(emulator: DeviceEmulator, device_id: DeviceId) -> str:
    """The install code on the device's label (whoever holds the device can read it)."""
    return emulator.install_code(device_id).hex().upper()
