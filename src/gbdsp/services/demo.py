"""`gbdsp demo`: a small, realistic fleet so a newcomer sees something real at once.

Every status in it is reached through the transition table (`domain.smi_status`), with
dated history, exactly as the lifecycle services will do it; nothing is poked in.
It also creates the premises that the DCC Boxed request templates
(`@smartdcc/duis-templates`) address, so those templates run against a fresh demo.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gbdsp.clock import Clock
from gbdsp.domain.devices import (
    Device,
    DeviceClass,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    StatusChange,
)
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Party, User, UserRole
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.domain.smi_status import Refused, Trigger, next_status
from gbdsp.duis.smki import TEST_USERS
from gbdsp.store.store import Store, Transaction

T = Trigger
BOXED_SUPPLIER = UserId.parse(TEST_USERS[0].user_id)
BOXED_NETWORK_OPERATOR = UserId.parse(TEST_USERS[1].user_id)

# Device models of the demo CPL: (device type, manufacturer, model, hardware, firmware, SMETS).
# The first ESME model is the one the 12.2 Device Pre-notification template names.
MODELS: dict[DeviceType, DeviceModel] = {
    DeviceType.ESME: DeviceModel("AB01", "010A030B", "0001", "0002012F"),
    DeviceType.GSME: DeviceModel("AB02", "020B0101", "0001", "00010203"),
    DeviceType.CHF: DeviceModel("CD01", "0C01", "0003", "00000401"),
    DeviceType.GPF: DeviceModel("CD01", "0C02", "0003", "00000401"),
    DeviceType.PPMID: DeviceModel("EF01", "0F0A", "0002", "00000105"),
    DeviceType.HCALCS: DeviceModel("EF02", "0F10", "0001", "00000020"),
    DeviceType.IHD: DeviceModel("EF01", "0E01", "0001", "00000300"),
    DeviceType.CAD: DeviceModel("EF03", "0E20", "0001", "00000001"),
    DeviceType.SAPC: DeviceModel("EF04", "0F30", "0001", "00000010"),
}
SMETS_VERSION = {DeviceType.CHF: "CHTS V1.0", DeviceType.GPF: "CHTS V1.0"}
DEFAULT_SMETS = "SMETS V1.58"

# Extra demo suppliers (no certificates: they cannot sign DUIS, they hold market share).
DEMO_SUPPLIERS = (
    (UserId.parse("00-DB-12-34-56-78-01-01"), "DEMO-NORTHWIND", "Northwind Energy"),
    (UserId.parse("00-DB-12-34-56-78-01-02"), "DEMO-BRIGHTWATT", "Brightwatt Supply"),
)


@dataclass(frozen=True, slots=True)
class TemplateDevice:
    """A device of the premises the DCC Boxed templates address (docs/demo.md)."""

    last_octet: int
    device_type: DeviceType
    path: tuple[Trigger, ...]

    @property
    def device_id(self) -> DeviceId:
        return DeviceId(TEMPLATE_BASE | self.last_octet)


TEMPLATE_BASE = 0x00DB_1234_5678_9000
TEMPLATE_MPAN = "1312345678111"
TEMPLATE_MPRN = "1234567890"
@dataclass
class DemoSummary:
    premises: int = 0
    devices: int = 0
    already_present: int = 0
    by_type_status: dict[tuple[str, str], int] = field(default_factory=dict)
    sample_chf: DeviceId | None = None

    def describe(self) -> str:
        lines = [f"demo fleet: {self.premises} premises, {self.devices} devices added"
                 + (f" ({self.already_present} already present)" if self.already_present else "")]
        for (dtype, status), n in sorted(self.by_type_status.items()):
            lines.append(f"  {dtype:<7} {status:<25} {n:>6}")
        if self.sample_chf:
            lines.append(f"try: gbdsp smi show {self.sample_chf}")
        return "\n".join(lines)


class _Fleet:
    """Builds devices by walking them through transitions, with realistic dates."""

    def __init__(self, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.rng = rng
        self.devices: list[Device] = []
        self.no_wan: set[DeviceId] = set()
        """CHFs installed without SM WAN coverage."""

    def add(self, device_id: DeviceId, device_type: DeviceType, steps: Sequence[Trigger], *,
            start: datetime, by: UserId | None, **fields: Any) -> Device:
        history = self._walk(device_type, steps, start, by)
        device = Device(
            device_id=device_id, device_type=device_type, model=MODELS[device_type],
            smets_chts_version=SMETS_VERSION.get(device_type, DEFAULT_SMETS),
            status=history[-1].status if history else None,
            status_date=history[-1].effective_at if history else None,
            history=tuple(history), **fields,
        )
        self.devices.append(device)
        return device

    def _walk(self, device_type: DeviceType, steps: Sequence[Trigger], start: datetime,
              by: UserId | None) -> list[StatusChange]:
        status: SmiStatus | None = None
        when = start
        history: list[StatusChange] = []
        for trigger in steps:
            result = next_status(trigger, device_type, status)
            if isinstance(result, Refused):
                raise AssertionError(f"demo walks an illegal path: {result.reason}")
            status = result
            history.append(StatusChange(status, when, trigger.value, by))
            when = min(self.now, when + timedelta(days=self.rng.randint(1, 40)))
        return history


# Lifecycle paths, as sequences of triggers (each checked against the transition table).
HUB_LIVE = (T.CH_DELIVERED, T.CH_INSTALLED)
HUB_NO_WAN = (T.CH_DELIVERED, T.CH_INSTALLED_NO_WAN)
HUB_STOCK = (T.CH_DELIVERED,)
HUB_RETURNED = (T.CH_DELIVERED, T.CH_INSTALLED, T.CH_RETURNED)
GPF_LIVE = (T.CH_DELIVERED, T.CH_INSTALLED, T.JOINED)
METER_LIVE = (T.PRENOTIFIED, T.WHITELISTED, T.COMMISSIONED)
METER_NO_WAN = (T.PRENOTIFIED, T.WHITELISTED, T.INSTALLED_NO_WAN)
METER_GONE = (T.PRENOTIFIED, T.WHITELISTED, T.COMMISSIONED, T.DECOMMISSIONED)
METER_PENDING = (T.PRENOTIFIED,)
TYPE1_LIVE = (T.PRENOTIFIED, T.WHITELISTED, T.JOINED)


# Types deduced from the SRVs the templates send each device (evidence in docs/demo.md).
TEMPLATE_DEVICES = (
    TemplateDevice(0xA0, DeviceType.ESME, METER_LIVE),
    TemplateDevice(0xA1, DeviceType.GSME, METER_LIVE),
    TemplateDevice(0xA2, DeviceType.CHF, HUB_LIVE),
    TemplateDevice(0xA3, DeviceType.GPF, GPF_LIVE),
    TemplateDevice(0xA4, DeviceType.PPMID, TYPE1_LIVE),
    TemplateDevice(0xA5, DeviceType.HCALCS, TYPE1_LIVE),
    TemplateDevice(0xA6, DeviceType.SAPC, METER_LIVE),
    TemplateDevice(0x93, DeviceType.ESME, METER_LIVE),
    TemplateDevice(0x94, DeviceType.GSME, METER_LIVE),
    TemplateDevice(0x98, DeviceType.PPMID, (T.PRENOTIFIED, T.WHITELISTED)),
    TemplateDevice(0x99, DeviceType.PPMID, TYPE1_LIVE),
    TemplateDevice(0x9A, DeviceType.HCALCS, (T.PRENOTIFIED, T.WHITELISTED)),
    TemplateDevice(0x9C, DeviceType.CAD, ()),
    TemplateDevice(0x97, DeviceType.HCALCS, TYPE1_LIVE),
)


def create_demo_fleet(store: Store, clock: Clock, *, premises: int, seed: int) -> DemoSummary:
    """Create `premises` generated premises plus the template premises (idempotent)."""
    rng = random.Random(seed)
    now = clock.now()
    fleet = _Fleet(now, rng)
    suppliers = [BOXED_SUPPLIER, *(s[0] for s in DEMO_SUPPLIERS)]
    for n in range(premises):
        _premises(fleet, n, rng, suppliers)
    _template_premises(fleet, now)
    summary = DemoSummary(premises=premises + 1)
    with store.transaction() as tx:
        for user_id, party_id, name in DEMO_SUPPLIERS:
            if tx.users.get(user_id) is None:
                tx.users.put_party(Party(party_id, name))
                tx.users.put(User(user_id, party_id, name, frozenset({UserRole.IS, UserRole.GS})))
        for dtype, model in MODELS.items():
            for variant in _variants(dtype):
                tx.cpl.put(CplEntry(CplKey(model, dtype, variant)))
        existing = tx.devices.get_many([d.device_id for d in fleet.devices])
        new = [d for d in fleet.devices if d.device_id not in existing]
        tx.devices.add_many(new)
        _wan_state(tx, new, fleet.no_wan)
    summary.devices = len(new)
    summary.already_present = len(existing)
    for d in new:
        key = (d.device_type.value, d.status.value if d.status else "(no status)")
        summary.by_type_status[key] = summary.by_type_status.get(key, 0) + 1
    summary.sample_chf = DeviceId(TEMPLATE_BASE | 0xA2)
    return summary


ON_HAN = frozenset({SmiStatus.WHITELISTED, SmiStatus.INSTALLED_NOT_COMMISSIONED,
                    SmiStatus.COMMISSIONED})


def _wan_state(tx: Transaction, devices: list[Device], no_wan: set[DeviceId]) -> None:
    """What the SM WAN emulator knows of the demo fleet, consistent with the SMI: coverage
    where hubs were installed with it, devices on their CHF's HAN (with the right install
    code), Type 1 devices joined to their premises' ESME."""
    esme_of: dict[DeviceId, DeviceId] = {}
    for d in devices:
        if d.device_type is DeviceType.CHF and d.status in (SmiStatus.COMMISSIONED,
                                                           SmiStatus.INSTALLED_NOT_COMMISSIONED):
            tx.wan.set_coverage(d.device_id, d.device_id not in no_wan)
        if d.device_type is DeviceType.ESME and d.chf_id and d.status is SmiStatus.COMMISSIONED:
            esme_of[d.chf_id] = d.device_id
    for d in devices:
        if (d.chf_id and d.device_type not in (DeviceType.GPF, DeviceType.CHF)
                and (d.status in ON_HAN or d.device_type.is_type2)):
            tx.wan.put_on_han(d.chf_id, d.device_id, True)
        if d.device_type.is_type1 and d.status is SmiStatus.COMMISSIONED and d.chf_id in esme_of:
            tx.wan.join(d.device_id, esme_of[d.chf_id])


def _variants(dtype: DeviceType) -> tuple[SmetsVariant, ...]:
    # MP202: the demo PPMID model is usable in both systems, so it has both CPL rows.
    if dtype is DeviceType.PPMID:
        return (SmetsVariant.SMETS1, SmetsVariant.SMETS2)
    return (SmetsVariant.SMETS2,)


def _demo_id(n: int, slot: int) -> DeviceId:
    # 00-DB-12-34-6x-..: clear of the template premises' 00-DB-12-34-56-78-90-xx.
    return DeviceId((0x00DB123460 << 24) | (n << 4) | slot)


POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
POSTCODE_AREAS = ("LS", "M", "B", "G", "CF", "BS", "NE", "SW", "EH", "NG", "L", "S")


def _premises(fleet: _Fleet, n: int, rng: random.Random, suppliers: list[UserId]) -> None:
    start = fleet.now - timedelta(days=rng.randint(60, 900))
    supplier = rng.choice(suppliers)
    area = rng.choice(POSTCODE_AREAS)
    where: dict[str, Any] = {
        "uprn": str(100_000_000_000 + n),
        "postcode": f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}"
                    + "".join(rng.choices(POSTCODE_LETTERS, k=2)),
    }
    chf, gpf = _demo_id(n, 0), _demo_id(n, 1)
    roll = rng.random()
    if roll < 0.05:  # CH still in stock at the supplier: no premises yet
        fleet.add(chf, DeviceType.CHF, HUB_STOCK, start=start, by=None)
        fleet.add(gpf, DeviceType.GPF, HUB_STOCK, start=start, by=None, chf_id=chf)
        return
    if roll < 0.08:  # CH returned (fault / no fault)
        fleet.add(chf, DeviceType.CHF, HUB_RETURNED, start=start, by=supplier)
        fleet.add(gpf, DeviceType.GPF, HUB_RETURNED, start=start, by=supplier, chf_id=chf)
        return
    no_wan = roll < 0.16
    # The CH belongs to the premises' supplier once installed (its Responsible Supplier).
    where = {**where, "responsible_supplier": supplier,
             "network_operator": BOXED_NETWORK_OPERATOR}
    fleet.add(chf, DeviceType.CHF, HUB_NO_WAN if no_wan else HUB_LIVE, start=start, by=supplier,
              **where)
    if no_wan:
        fleet.no_wan.add(chf)
    dual_fuel = rng.random() < 0.8
    gpf_path = HUB_NO_WAN if no_wan else (GPF_LIVE if dual_fuel else HUB_LIVE)
    fleet.add(gpf, DeviceType.GPF, gpf_path, start=start, by=supplier, chf_id=chf, **where)
    meter_path = METER_NO_WAN if no_wan else (METER_GONE if rng.random() < 0.04 else METER_LIVE)
    mpan = f"{1_000_000_000_000 + 7 * n:013d}"
    common = {"chf_id": chf, "installing_supplier": supplier, **where}
    fleet.add(_demo_id(n, 2), DeviceType.ESME, meter_path, start=start, by=supplier,
              import_mpxn=mpan, **common)
    if dual_fuel:
        fleet.add(_demo_id(n, 3), DeviceType.GSME, meter_path, start=start, by=supplier,
                  import_mpxn=f"{4_000_000_000 + n:010d}", **common)
    fleet.add(_demo_id(n, 4), DeviceType.IHD, (), start=start, by=supplier, **common)
    if not no_wan and rng.random() < 0.15:
        fleet.add(_demo_id(n, 5), DeviceType.PPMID, TYPE1_LIVE, start=start, by=supplier,
                  **common)


def _template_premises(fleet: _Fleet, now: datetime) -> None:
    """The DCC Boxed premises: everything installed and commissioned a year ago."""
    start = now - timedelta(days=365)
    chf = DeviceId(TEMPLATE_BASE | 0xA2)
    where = {"uprn": "100023336956", "postcode": "M22 0RR"}  # 12.1 template address
    for spec in TEMPLATE_DEVICES:
        fields: dict[str, Any] = dict(where, responsible_supplier=BOXED_SUPPLIER,
                                      network_operator=BOXED_NETWORK_OPERATOR)
        if spec.device_type is not DeviceType.CHF:
            fields["chf_id"] = chf
        if spec.device_type.device_class is not DeviceClass.COMMS_HUB:
            fields["installing_supplier"] = BOXED_SUPPLIER
        if spec.last_octet == 0xA0:
            fields["import_mpxn"] = TEMPLATE_MPAN
        elif spec.last_octet == 0xA1:
            fields["import_mpxn"] = TEMPLATE_MPRN
        fleet.add(spec.device_id, spec.device_type, spec.path, start=start, by=BOXED_SUPPLIER,
                  **fields)
