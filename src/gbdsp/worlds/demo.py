"""`gbdsp demo`: a small, realistic fleet so a newcomer sees something real at once.

The fleet is built through the same lifecycle use cases DUIS requests reach (CH delivery,
8.14.x, 12.2, 8.11, 8.1.1, 8.7, 6.20.1, 8.3, 8.4), each at its own simulated date, so every
status, history line and SM WAN fact is one the service itself would have produced. It
also creates the premises the DCC Boxed request templates (`@smartdcc/duis-templates`)
address, so those templates run against a fresh demo (docs/demo.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.devices import CspRegion, Device, DeviceModel, DeviceType, SmetsVariant
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Party, User, UserRole
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import rules_on
from gbdsp.domain.service_requests import HanDeviceLogUpdate, InventoryUpdate, Prenotification
from gbdsp.duis.smki import TEST_USERS
from gbdsp.gateway import device_commands
from gbdsp.services import lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.services.lookups import CplLookup
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator

BOXED_SUPPLIER = UserId.parse(TEST_USERS[0].user_id)
BOXED_NETWORK_OPERATOR = UserId.parse("90-B3-D5-1F-30-02-00-00")  # the DCC Boxed test ED

# Device models of the demo CPL. The ESME model is the one the 12.2 template names.
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
HUB_VERSION = "CHTS V1.0"
METER_VERSION = "SMETS V1.58"

# Extra demo suppliers (no certificates: they cannot sign DUIS, they hold market share).
DEMO_SUPPLIERS = (
    (UserId.parse("00-DB-12-34-56-78-01-01"), "DEMO-NORTHWIND", "Northwind Energy"),
    (UserId.parse("00-DB-12-34-56-78-01-02"), "DEMO-BRIGHTWATT", "Brightwatt Supply"),
)

DEMO_ACCOUNTS = (
    ("boxed-supplier", BOXED_SUPPLIER),
    ("northwind", DEMO_SUPPLIERS[0][0]),
    ("brightwatt", DEMO_SUPPLIERS[1][0]),
    ("boxed-network", BOXED_NETWORK_OPERATOR),
)
"""SSI portal accounts `gbdsp demo` creates (password: portal_accounts.DEMO_PASSWORD)."""

REGIONS = (CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH)
TEMPLATE_BASE = 0x00DB_1234_5678_9000
TEMPLATE_MPAN = "1312345678111"
TEMPLATE_MPRN = "1234567890"


def template_id(last_octet: int) -> DeviceId:
    return DeviceId(TEMPLATE_BASE | last_octet)


class DemoError(RuntimeError):
    """A use case refused a step of the demo script: a bug in the script or the rules."""


@dataclass
class DemoSummary:
    premises: int = 0
    already_present: int = 0
    by_type_status: dict[tuple[str, str], int] = field(default_factory=dict)
    sample_chf: DeviceId = field(default_factory=lambda: template_id(0xA2))

    @property
    def devices(self) -> int:
        return sum(self.by_type_status.values())

    def describe(self) -> str:
        lines = [
            f"demo fleet: {self.premises} premises added"
            + (f" ({self.already_present} already present)" if self.already_present else "")
            + f"; the SMI now holds {self.devices} devices"
        ]
        for (dtype, status), n in sorted(self.by_type_status.items()):
            lines.append(f"  {dtype:<7} {status:<25} {n:>6}")
        lines.append(f"try: gbdsp smi show {self.sample_chf}")
        return "\n".join(lines)


class Premises:
    """One premises being installed by one supplier, step by step at simulated dates."""

    def __init__(self, ctx: HandlerContext, rng: random.Random, until: datetime) -> None:
        self.ctx = ctx
        self.rng = rng
        self.until = until

    def later(self, max_days: int = 20) -> HandlerContext:
        """Move on a few days (never past today) and act then."""
        step = timedelta(days=self.rng.randint(1, max_days), minutes=self.rng.randint(0, 600))
        self.ctx = self.ctx.at(min(self.ctx.now + step, self.until))
        return self.ctx

    def device(self, device_id: DeviceId) -> Device:
        found = self.ctx.tx.devices.get(device_id, with_history=False)
        assert found is not None
        return found

    def deliver(self, chf: DeviceId, gpf: DeviceId, region: CspRegion) -> None:
        _ok(
            lifecycle.deliver_hub(
                self.ctx,
                chf,
                gpf,
                MODELS[DeviceType.CHF],
                MODELS[DeviceType.GPF],
                HUB_VERSION,
                region,
            )
        )

    def install(self, chf: DeviceId, wan: bool, mpxn: str | None) -> None:
        _ok(lifecycle.update_ch_status(self.later(), "8.14.1" if wan else "8.14.2", chf, mpxn))

    def prenotify(self, device: DeviceId, dtype: DeviceType) -> None:
        model = MODELS[dtype]
        _ok(
            lifecycle.prenotify(
                self.later(3),
                Prenotification(
                    device,
                    model.manufacturer,
                    model.model,
                    dtype.value,
                    METER_VERSION,
                    model.firmware_version,
                    None,
                ),
            )
        )

    def whitelist(self, chf: DeviceId, device: DeviceId, mpxn: str | None = None) -> None:
        code = self.ctx.emulator.install_code(device)  # read off the device's label
        update = HanDeviceLogUpdate(device, True, code, mpxn)
        _ok(
            device_commands.check_whitelist(self.later(2), self.device(chf), update)
            or Reply(ResponseCode.I0)
        )
        _ok(device_commands.whitelist(self.ctx, self.device(chf), update))

    def commission(self, meter: DeviceId) -> None:
        _ok(
            device_commands.check_commission(self.later(2), self.device(meter))
            or Reply(ResponseCode.I0)
        )
        _ok(device_commands.commission(self.ctx, self.device(meter)))

    def join(self, device: DeviceId, other: DeviceId) -> None:
        _ok(device_commands.join(self.later(2), self.device(device), other))

    def left_uncommissioned(self, meter: DeviceId) -> None:
        _ok(
            lifecycle.update_inventory(
                self.later(2), InventoryUpdate(meter, status="InstalledNotCommissioned")
            )
        )

    def decommission(self, device: DeviceId) -> None:
        _ok(lifecycle.decommission(self.later(300), device))

    def return_hub(self, chf: DeviceId) -> None:
        _ok(lifecycle.update_ch_status(self.later(60), "8.14.4", chf))

    def network_operator(self, devices: list[DeviceId], operator: UserId) -> None:
        """Registration data: who runs the network at this MPxN."""
        for device in devices:
            self.ctx.save(self.device(device), network_operator=operator)


def _ok(reply: Reply) -> None:
    if reply.code != ResponseCode.I0:
        raise DemoError(f"{reply.code}: {reply.reason}")


def create_demo_fleet(
    store: Store,
    clock: Clock,
    *,
    premises: int,
    seed: int,
    config: Config | None = None,
    emulator: DeviceEmulator | None = None,
) -> DemoSummary:
    """Create `premises` generated premises plus the template premises (idempotent).
    `emulator`: the App's (it reads the install codes off the devices' labels)."""
    config = config or Config()
    rng = random.Random(seed)
    now = clock.now()
    summary = DemoSummary()
    _reference_data(store)
    cpl = CplLookup(store, ttl=0)
    emulator = emulator or DeviceEmulator(config.wan)
    rules = rules_on(config.rule_settings(), now.date())
    suppliers = [BOXED_SUPPLIER, *(s[0] for s in DEMO_SUPPLIERS)]

    def build(
        chf: DeviceId, start: datetime, supplier: UserId, script: Callable[[Premises], None]
    ) -> None:
        """One premises, one transaction: all of it or nothing."""
        with store.transaction() as tx:
            if tx.devices.get(chf, with_history=False) is not None:
                summary.already_present += 1
                return
            user = tx.users.get(supplier)
            assert user is not None
            script(Premises(HandlerContext(tx, cpl, start, user, rules, emulator), rng, now))
            summary.premises += 1

    build(template_id(0xA2), now - timedelta(days=365), BOXED_SUPPLIER, _template_premises)
    for n in range(premises):
        start = now - timedelta(days=rng.randint(60, 900))
        build(_demo_id(n, 0), start, rng.choice(suppliers), partial(_generated_premises, n=n))
    with store.read() as tx:
        for (dtype, status), count in tx.devices.count_by_status().items():
            summary.by_type_status[(dtype, status or "(no status)")] = count
    return summary


def _reference_data(store: Store) -> None:
    with store.transaction() as tx:
        for user_id, party_id, name in DEMO_SUPPLIERS:
            if tx.users.get(user_id) is None:
                tx.users.ensure_party(Party(party_id, name))
                tx.users.put(User(user_id, party_id, name, frozenset({UserRole.IS, UserRole.GS})))
        for dtype, model in MODELS.items():
            for variant in _variants(dtype):
                tx.cpl.put(CplEntry(CplKey(model, dtype, variant)))


def _variants(dtype: DeviceType) -> tuple[SmetsVariant, ...]:
    # MP202: the demo PPMID model is usable in both systems, so it has both CPL rows.
    if dtype is DeviceType.PPMID:
        return (SmetsVariant.SMETS1, SmetsVariant.SMETS2)
    return (SmetsVariant.SMETS2,)


def _demo_id(n: int, slot: int) -> DeviceId:
    # 00-DB-12-34-6x-..: clear of the template premises' 00-DB-12-34-56-78-90-xx.
    return DeviceId((0x00DB123460 << 24) | (n << 4) | slot)


# Outward codes and sectors across GB; a postcode covers a handful of premises, as real ones do.
POSTCODE_SECTORS = (
    "M22 4",
    "LS6 2",
    "B15 3",
    "SW1A 1",
    "EH3 9",
    "CF10 3",
    "NE1 7",
    "BS8 1",
    "G12 8",
    "NG7 2",
    "L17 6",
    "CB2 1",
    "PL4 8",
    "AB24 3",
    "BT9 5",
    "YO10 5",
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the inward code never uses C, I, K, M, O, V
PREMISES_PER_POSTCODE = 4
TEMPLATE_POSTCODE = "M22 4TA"
TEMPLATE_UPRN = "77012345678"


def demo_postcode(n: int) -> str:
    """The postcode of generated premises `n` (deterministic, plausible, shared by a few)."""
    group = n // PREMISES_PER_POSTCODE
    sector = POSTCODE_SECTORS[group % len(POSTCODE_SECTORS)]
    k = group // len(POSTCODE_SECTORS)
    letters = _INWARD_LETTERS
    return f"{sector}{letters[k // len(letters) % len(letters)]}{letters[k % len(letters)]}"


def demo_uprn(n: int) -> str:
    """The UPRN of generated premises `n` (an 11-digit number, as most UPRNs are)."""
    return str(10_000_000_000 + 37 * n + 1)


def _set_address(site: Premises, ids: list[DeviceId], uprn: str, postcode: str) -> None:
    for device_id in ids:
        found = site.ctx.tx.devices.get(device_id, with_history=False)
        if found is not None:
            site.ctx.save(found, uprn=uprn, postcode=postcode)


def _generated_premises(site: Premises, n: int) -> None:
    _install_generated(site, n)
    _set_address(site, [_demo_id(n, slot) for slot in range(6)], demo_uprn(n), demo_postcode(n))


def _install_generated(site: Premises, n: int) -> None:
    """About 5% CHs still in stock, 3% returned, 8% installed without SM WAN, 4% of meters
    decommissioned later, 80% dual fuel, 15% with a PPMID."""
    rng = site.rng
    chf, gpf, esme, gsme, ihd, ppmid = (_demo_id(n, slot) for slot in range(6))
    mpan = f"{1_000_000_000_000 + 7 * n:013d}"
    site.deliver(chf, gpf, rng.choice(list(REGIONS)))
    roll = rng.random()
    if roll < 0.05:
        return
    no_wan = 0.08 <= roll < 0.16
    site.install(chf, wan=not no_wan, mpxn=mpan)
    if roll < 0.08:
        site.return_hub(chf)
        return
    dual_fuel = rng.random() < 0.8
    meters = [(esme, DeviceType.ESME, mpan)]
    if dual_fuel:
        meters.append((gsme, DeviceType.GSME, f"{4_000_000_000 + n:010d}"))
    for meter, dtype, _ in meters:
        site.prenotify(meter, dtype)
    site.prenotify(ihd, DeviceType.IHD)
    site.network_operator([m for m, _, _ in meters], BOXED_NETWORK_OPERATOR)
    if no_wan:
        for meter, _, mpxn in meters:
            site.left_uncommissioned(meter)
            site.ctx.save(site.device(meter), import_mpxn=mpxn)
        return
    for meter, _, mpxn in meters:
        site.whitelist(chf, meter, mpxn)
        site.commission(meter)
    site.whitelist(chf, ihd)
    site.join(esme, ihd)
    if dual_fuel:
        site.join(gsme, gpf)
    if rng.random() < 0.15:
        site.prenotify(ppmid, DeviceType.PPMID)
        site.whitelist(chf, ppmid)
        site.join(ppmid, esme)
    if rng.random() < 0.04:
        site.decommission(esme)
        if rng.random() < 0.5:  # back through logistics for re-use (AC 7.1): Pending again
            _ok(lifecycle.update_inventory(site.later(60), InventoryUpdate(esme, status="Pending")))


def _template_premises(site: Premises) -> None:
    """The DCC Boxed premises (types deduced from the templates, docs/demo.md)."""
    t = template_id
    chf, gpf = t(0xA2), t(0xA3)
    site.deliver(chf, gpf, CspRegion.NORTH)  # M22 (Manchester) is in the North region
    site.install(chf, wan=True, mpxn=TEMPLATE_MPAN)
    devices = [
        (0xA0, DeviceType.ESME, TEMPLATE_MPAN),
        (0xA1, DeviceType.GSME, TEMPLATE_MPRN),
        (0x93, DeviceType.ESME, None),
        (0x94, DeviceType.GSME, None),
        (0xA6, DeviceType.SAPC, None),
        (0xA4, DeviceType.PPMID, None),
        (0xA5, DeviceType.HCALCS, None),
        (0x97, DeviceType.HCALCS, None),
        (0x99, DeviceType.PPMID, None),
        (0x98, DeviceType.PPMID, None),
        (0x9A, DeviceType.HCALCS, None),
        (0x9C, DeviceType.CAD, None),
    ]
    for octet, dtype, _ in devices:
        site.prenotify(t(octet), dtype)
    for octet, _, mpxn in devices:
        site.whitelist(chf, t(octet), mpxn)
    for octet in (0xA0, 0xA1, 0x93, 0x94, 0xA6):
        site.commission(t(octet))
    site.join(t(0xA1), gpf)  # AC 4.10
    for octet in (0xA4, 0xA5, 0x97, 0x99):  # AC 4.9: Type 1 joined to the ESME
        site.join(t(octet), t(0xA0))
    site.network_operator([t(o) for o, _, _ in devices] + [chf, gpf], BOXED_NETWORK_OPERATOR)
    # 98 and 9A stay Whitelisted, waiting for the templates' joins; 9C is a Type 2 CAD.
    _set_address(site, [chf, gpf, *(t(o) for o, _, _ in devices)], TEMPLATE_UPRN, TEMPLATE_POSTCODE)
