"""The demo's world: the recent past on top of the demo fleet, so every feature has data.

`gbdsp demo` builds the fleet (demo.py), then this: a few scripted premises and stock that
each tell one story, and the past month replayed day by day with a ManualClock through the
real services: housekeeping's last sweep, changes of supplier (applied, and some still to
come), install-code requests in every state, a device in and out of Restricted mode, and a
month of signed DUIS requests through the real gateway, their responses pushed by the real
outbox relay to the demo's own DUIS client. Nothing is inserted behind the services' backs.

What needs a modification is built only when the configuration has it in force; the
summary says what was left out and why (docs/demo.md).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from lxml import etree
from starlette.types import Receive, Scope, Send

from gbdsp.clock import Clock, ManualClock
from gbdsp.config import Config
from gbdsp.delivery import csp
from gbdsp.delivery.http import HttpxPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.devices import CspRegion, DeviceModel, DeviceType, SmetsVariant
from gbdsp.domain.errors import GbdspError, InvalidValue
from gbdsp.domain.housekeeping import months_before
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.domain.requests import CommandVariant, WebService
from gbdsp.domain.rules import Rules, rules_on
from gbdsp.domain.service_requests import InventoryUpdate, Prenotification
from gbdsp.duis import xml
from gbdsp.duis.client import response_code
from gbdsp.duis.signature import SigningKey, sign
from gbdsp.gateway.pipeline import Gateway
from gbdsp.sealing import Sealer
from gbdsp.services import (
    housekeeping,
    install_codes,
    lifecycle,
    operations,
    registration,
    restricted,
    users,
)
from gbdsp.services.context import HandlerContext
from gbdsp.services.lookups import CplLookup
from gbdsp.services.portal_accounts import ensure_demo_accounts
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds.demo import (
    BOXED_NETWORK_OPERATOR,
    BOXED_SUPPLIER,
    DEMO_ACCOUNTS,
    DEMO_SUPPLIERS,
    METER_VERSION,
    MODELS,
    DemoSummary,
    Premises,
    _ok,
    _set_address,
    create_demo_fleet,
    demo_postcode,
    demo_uprn,
    template_id,
)

if TYPE_CHECKING:
    from gbdsp.bootstrap import App

NORTHWIND, BRIGHTWATT = (s[0] for s in DEMO_SUPPLIERS)
SUPPLIERS = (BOXED_SUPPLIER, NORTHWIND, BRIGHTWATT)
DCC = "90-B3-D5-1F-30-00-00-02"
DEMO_CLIENT_URL = "http://demo-client.invalid/smartdcc/duis"
"""The receive-response URL of the demo's own DUIS client while it replays the month; it
is cleared afterwards (set yours with `gbdsp users set-url`)."""
UNKNOWN_DEVICE = "00-DB-12-34-57-0F-0F-0F"
"""Not in the SMI: requests to it fail, as some real ones do."""
SWEEP_DAYS_AGO = 45
"""The last housekeeping sweep of the demo's history (the scheduler's nightly job, or
`gbdsp housekeeping run`, removes what became due since)."""
TRAFFIC_DAYS = 30

# Days from today at which the default rule (MP60: 36 months) removes each warehouse meter
# of a supplier: <= -45 went in the last sweep, the rest of the past is overdue, then the
# 30/60/90-day windows, then later.
WAREHOUSE_REMOVAL_DAYS: dict[UserId, tuple[int, ...]] = {
    BOXED_SUPPLIER: (-70, -50, -30, -8, -2, 5, 12, 25, 38, 52, 66, 80, 88, 120, 200),
    NORTHWIND: (-60, -20, 15, 45, 75, 150),
    BRIGHTWATT: (-55, -10, 20, 50, 85, 240),
}
WAREHOUSE_TYPES = (
    DeviceType.ESME,
    DeviceType.GSME,
    DeviceType.ESME,
    DeviceType.PPMID,
    DeviceType.GSME,
    DeviceType.ESME,
)
"""Devices with an SMI status (an IHD has none, so housekeeping never removes one)."""
RETURNED_REMOVAL_DAYS = (-15, 20, 60)
"""Meters of the boxed supplier that were commissioned, decommissioned and sent back to
Pending (AC 7.1): the only ones Bryt Energy's reading ('left-pending') removes."""


def story_id(k: int, slot: int) -> DeviceId:
    """Devices of the scripted premises: 00-DB-12-34-5C-..., clear of the fleet's ids."""
    return DeviceId((0x00DB12345C << 24) | (k << 4) | slot)


def warehouse_id(supplier: int, k: int) -> DeviceId:
    """Meters pre-notified (12.2) long ago and never installed: 00-DB-12-34-5B-00-ss-kk."""
    return DeviceId((0x00DB12345B << 24) | (supplier << 8) | k)


# Scripted premises (k of story_id): who installed them and what they are for.
COS_GAINED = tuple(range(0, 4))  # Brightwatt installed, no SM WAN; the boxed supplier gains
COS_LOST = tuple(range(4, 7))  # the boxed supplier installed, no SM WAN; Northwind gains
IN_FLIGHT = tuple(range(7, 9))  # the boxed supplier's; Brightwatt gains them soon
RESTRICTED_K = 9  # the boxed supplier's; its ESME goes Restricted
RETURNED = tuple(range(10, 10 + len(RETURNED_REMOVAL_DAYS)))
STORY_ADDRESS_BASE = 100_000  # demo_postcode/demo_uprn numbers past any fleet's


def restricted_meter() -> DeviceId:
    return story_id(RESTRICTED_K, 2)


def gained_meters() -> list[DeviceId]:
    """The meters the boxed supplier gained (ESME, GSME of each premises), in order."""
    return [story_id(k, slot) for k in COS_GAINED for slot in (2, 3)]


def lost_meters() -> list[DeviceId]:
    return [story_id(k, slot) for k in COS_LOST for slot in (2, 3)]


def _mpan(k: int) -> str:
    return f"{1_900_000_000_000 + 11 * k:013d}"


def _mprn(k: int) -> str:
    return f"{4_900_000_000 + k:010d}"


@dataclass
class WorldSummary:
    built: bool = True
    lines: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    requests: int = 0
    """DUIS requests replayed through the gateway."""

    def describe(self) -> str:
        if not self.built:
            return "\n".join(self.lines)
        text = [
            "the demo's past month, replayed through the services:",
            *(f"  {line}" for line in self.lines),
        ]
        text += [f"  left out: {why}" for why in self.left_out]
        return "\n".join(text)


class AlreadyBuilt(GbdspError):
    """The data directory already holds the demo's world."""


def world_present(store: Store) -> bool:
    with store.read() as tx:
        return tx.devices.get(story_id(RESTRICTED_K, 0), with_history=False) is not None


@dataclass
class World:
    """The demo's world being replayed: a ManualClock and the services it drives."""

    store: Store
    config: Config
    clock: ManualClock
    dsp_key: SigningKey
    user_keys: Callable[[UserId], SigningKey | None]
    sealer: Sealer
    now: datetime
    rng: random.Random
    summary: WorldSummary = field(default_factory=WorldSummary)
    requests: dict[str, int] = field(default_factory=dict)
    relay_loop: _RelayLoop | None = None
    """Install-code requests of the story by name (their ids depend on what came before)."""
    wan: DeviceEmulator | None = None
    """The App's SM WAN and devices (answering in its GBCS world); by default one of its own."""

    def __post_init__(self) -> None:
        self.emulator = self.wan or DeviceEmulator(self.config.wan)
        self.gateway = Gateway(self.store, self.clock, self.dsp_key, self.config, wan=self.emulator)
        self.cpl = CplLookup(self.store, ttl=0)
        self.rule_settings = self.config.rule_settings()
        self._keys: dict[str, SigningKey | None] = {}

    def key_of(self, sender: str) -> SigningKey | None:
        """The sender's signing key, loaded once (not once per request)."""
        if sender not in self._keys:
            self._keys[sender] = self.user_keys(UserId.parse(sender))
        return self._keys[sender]

    def day(self, days_ago: int, hours: float = 9.0) -> datetime:
        """`hours` o'clock on the day `days_ago` days back (negative: ahead)."""
        midnight = (self.now - timedelta(days=days_ago)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return midnight + timedelta(hours=hours)

    def morning(self, days_ago: int) -> datetime:
        """When a replayed day starts: 8 o'clock, or today a few hours before now (the
        replay never reaches now, so nothing it did is dated in the future)."""
        return self.day(days_ago, 8.0) if days_ago else self.now - timedelta(hours=4)

    def at(self, moment: datetime) -> ManualClock:
        self.clock.set(max(moment, self.clock.now()))  # the replay never goes back
        return self.clock

    def rules(self) -> Rules:
        """The modifications' policies at the world's clock."""
        return rules_on(self.rule_settings, self.clock.now().date())

    def not_in_force(self, name: str) -> str:
        return (
            f"{name.upper()} is not in force in this configuration (to have it: "
            f"[modifications.{name}] enabled = true, effective_from on or before "
            f"{self.now.date() - timedelta(days=TRAFFIC_DAYS + 1)})"
        )

    @contextmanager
    def site(self, supplier: UserId, start: datetime) -> Iterator[Premises]:
        """One scripted premises (or stock) in one transaction, acting from `start`."""
        with self.store.transaction() as tx:
            user = tx.users.get(supplier)
            assert user is not None
            rules = rules_on(self.rule_settings, self.now.date())
            yield Premises(
                HandlerContext(tx, self.cpl, start, user, rules, self.emulator), self.rng, self.now
            )


def build_world(
    store: Store,
    clock: Clock,
    config: Config,
    *,
    dsp_key: SigningKey,
    user_keys: Callable[[UserId], SigningKey | None],
    sealer: Sealer,
    seed: int = 1,
    emulator: DeviceEmulator | None = None,
) -> WorldSummary:
    """Build the demo's world once, over the demo fleet (refuses if it is there)."""
    if world_present(store):
        raise AlreadyBuilt("the demo's world is already in this database")
    now = clock.now()
    world = World(
        store,
        config,
        ManualClock(now - timedelta(days=4 * 365)),
        dsp_key,
        user_keys,
        sealer,
        now,
        random.Random(seed),
        wan=emulator,
    )
    _story_premises(world)
    _warehouse(world)
    _newer_firmware(world)
    world.relay_loop = _RelayLoop()
    try:
        with _demo_client(world):
            _sweep(world)
            _month(world)
    finally:
        world.relay_loop.close()
    _in_flight(world)
    return world.summary


# -- the scripted premises -----------------------------------------------------------------


def _story_premises(w: World) -> None:
    for k in COS_GAINED:
        _premises(w, k, BRIGHTWATT, w.now - timedelta(days=200 - 20 * k), wan=False)
    for k in COS_LOST:
        _premises(w, k, BOXED_SUPPLIER, w.now - timedelta(days=240 - 20 * k), wan=False)
    for k in (*IN_FLIGHT, RESTRICTED_K):
        _premises(w, k, BOXED_SUPPLIER, w.now - timedelta(days=400 + 30 * k), wan=True)
    for k, removal in zip(RETURNED, RETURNED_REMOVAL_DAYS, strict=True):
        _returned_meter(w, k, _pending_since_for(w, removal))
    w.summary.lines.append(
        f"{len(COS_GAINED) + len(COS_LOST) + len(IN_FLIGHT) + 1 + len(RETURNED)} scripted "
        f"premises (Device IDs 00-DB-12-34-5C-..), addresses in the portal's search"
    )


def _premises(w: World, k: int, supplier: UserId, start: datetime, *, wan: bool) -> None:
    """A dual-fuel premises: CH, ESME, GSME, IHD; commissioned, or left uncommissioned
    for want of SM WAN coverage (install and leave)."""
    chf, gpf, esme, gsme, ihd = (story_id(k, slot) for slot in range(5))
    with w.site(supplier, start) as site:
        site.deliver(chf, gpf, (CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH)[k % 3])
        site.install(chf, wan=wan, mpxn=_mpan(k))
        meters = ((esme, DeviceType.ESME, _mpan(k)), (gsme, DeviceType.GSME, _mprn(k)))
        for meter, dtype, _ in meters:
            site.prenotify(meter, dtype)
        site.prenotify(ihd, DeviceType.IHD)
        site.network_operator([esme, gsme], BOXED_NETWORK_OPERATOR)
        if not wan:
            for meter, _, mpxn in meters:
                site.left_uncommissioned(meter)
                site.ctx.save(site.device(meter), import_mpxn=mpxn)
        else:
            for meter, _, mpxn in meters:
                site.whitelist(chf, meter, mpxn)
                site.commission(meter)
            site.whitelist(chf, ihd)
            site.join(esme, ihd)
            site.join(gsme, gpf)
        n = STORY_ADDRESS_BASE + k
        _set_address(site, [chf, gpf, esme, gsme, ihd], demo_uprn(n), demo_postcode(n))


def _returned_meter(w: World, k: int, pending_since: datetime) -> None:
    """A meter installed, commissioned, then decommissioned and sent back to Pending for
    re-use (AC 7.1) at `pending_since`."""
    chf, gpf, esme = (story_id(k, slot) for slot in range(3))
    with w.site(BOXED_SUPPLIER, pending_since - timedelta(days=400)) as site:
        site.deliver(chf, gpf, CspRegion.CENTRAL)
        site.install(chf, wan=True, mpxn=_mpan(k))
        site.prenotify(esme, DeviceType.ESME)
        site.whitelist(chf, esme, _mpan(k))
        site.commission(esme)
        site.ctx = site.ctx.at(pending_since - timedelta(days=30))
        _ok(lifecycle.decommission(site.ctx, esme))
        site.ctx = site.ctx.at(pending_since)
        _ok(lifecycle.update_inventory(site.ctx, InventoryUpdate(esme, status="Pending")))
        n = STORY_ADDRESS_BASE + k
        _set_address(site, [chf, gpf, esme], demo_uprn(n), demo_postcode(n))


def _pending_since_for(w: World, removal_days: int) -> datetime:
    """When a device must have become Pending for the rule in force today to remove it
    `removal_days` from today (the default rule: MP60's 36 months)."""
    rule = housekeeping.rule_in_force(w.config, w.now)
    return months_before(w.day(-removal_days, 2.0), rule.months)


def _warehouse(w: World) -> None:
    """Meters pre-notified (12.2) years ago and never installed, so housekeeping has work:
    some already removed by the last sweep, some overdue, some due in 30/60/90 days."""
    count = 0
    for s, supplier in enumerate(SUPPLIERS):
        for k, removal in enumerate(WAREHOUSE_REMOVAL_DAYS[supplier]):
            since = _pending_since_for(w, removal)
            dtype = WAREHOUSE_TYPES[k % len(WAREHOUSE_TYPES)]
            model = MODELS[dtype]
            with w.site(supplier, since) as site:
                _ok(
                    lifecycle.prenotify(
                        site.ctx,
                        Prenotification(
                            warehouse_id(s, k),
                            model.manufacturer,
                            model.model,
                            dtype.value,
                            METER_VERSION,
                            model.firmware_version,
                            None,
                        ),
                    )
                )
            count += 1
    w.summary.lines.append(
        f"{count} meters pre-notified 3 years ago and never installed "
        "(00-DB-12-34-5B-..): due for housekeeping, some overdue"
    )


NEWER_FIRMWARE = {DeviceType.ESME: ("00020130",), DeviceType.CHF: ("00000402", "00000403")}
"""Versions the manufacturers released since the fleet was installed: the Restricted meter
is now behind (`gbdsp report restricted-firmware`, MP169 R-001) and the CHs in stock more
than one version behind (`gbdsp housekeeping report ch-stock`, the portal's hub stock)."""


def _newer_firmware(w: World) -> None:
    with w.store.transaction() as tx:
        for dtype, versions in NEWER_FIRMWARE.items():
            model = MODELS[dtype]
            for version in versions:
                tx.cpl.put(
                    CplEntry(
                        CplKey(
                            DeviceModel(
                                model.manufacturer, model.model, model.hardware_version, version
                            ),
                            dtype,
                            SmetsVariant.SMETS2,
                        )
                    )
                )
    w.summary.lines.append(
        "newer ESME and CHF firmware on the CPL: the Restricted meter and "
        "the CHs in stock are behind"
    )


# -- the last housekeeping sweep -----------------------------------------------------------


def _sweep(w: World) -> None:
    clock = w.at(w.day(SWEEP_DAYS_AGO, 2.0))
    rule = housekeeping.rule_in_force(w.config, clock.now())
    report = housekeeping.run(
        w.store, clock, w.dsp_key, rule, batch_size=w.config.housekeeping.batch_size
    )
    _relay(w)
    w.summary.lines.append(
        f"housekeeping sweep {SWEEP_DAYS_AGO} days ago under {rule.describe()}"
        f": {report.removed} devices removed (re-notifiable in the portal)"
    )


# -- the month, day by day -----------------------------------------------------------------

Event = Callable[[World], None]


def _month(w: World) -> None:
    events: dict[int, list[Event]] = {}
    rules = w.rules()
    if rules.mp121.refusal is None:  # install-code requests are taken
        for day, event in _install_code_story():
            events.setdefault(day, []).append(event)
    else:
        w.summary.left_out.append(f"install-code requests: {w.not_in_force('mp121')}")
        events.setdefault(28, []).append(_changes_of_supplier)
    if rules.mp169.refusal is None:  # Restricted mode may be set
        for day, event in _restricted_story():
            events.setdefault(day, []).append(event)
    else:
        w.summary.left_out.append(f"Restricted mode: {w.not_in_force('mp169')}")
    for days_ago in range(TRAFFIC_DAYS, -1, -1):
        w.at(w.morning(days_ago))
        for event in events.get(days_ago, []):
            event(w)
        _traffic(w, days_ago)
        _relay(w)
    w.summary.lines.append(
        f"{w.summary.requests} signed DUIS requests over the last "
        f"{TRAFFIC_DAYS} days through the gateway (gbdsp report "
        "sr-outcomes; the portal's Reports)"
    )


def _changes_of_supplier(w: World) -> None:
    """Registration data: the boxed supplier gains Brightwatt's uncommissioned premises,
    Northwind gains the boxed supplier's (applied at once: in effect today)."""
    at = w.clock.now()
    entries = [(mpxn, BOXED_SUPPLIER, at) for k in COS_GAINED for mpxn in (_mpan(k), _mprn(k))]
    entries += [(mpxn, NORTHWIND, at) for k in COS_LOST for mpxn in (_mpan(k), _mprn(k))]
    registration.record(w.store, entries, at)
    w.summary.lines.append(
        f"changes of supplier 28 days ago: {BOXED_SUPPLIER} gained {len(COS_GAINED)} "
        f"premises from Brightwatt, Northwind {len(COS_LOST)} from {BOXED_SUPPLIER}"
    )


def _raise(requester: UserId, devices: dict[str, DeviceId], *, backlog: bool = False) -> Event:
    """Raise requests, remembering each one's id under its name in the story."""

    def event(w: World) -> None:
        names = list(devices)
        rows = install_codes.raise_requests(
            w.store,
            w.clock,
            w.config,
            requester,
            [(n, str(devices[name])) for n, name in enumerate(names, 1)],
            backlog=backlog,
        )
        for row in rows:
            if row.request_id is None:
                raise RuntimeError(f"demo: install-code request refused: {row.message}")
            w.requests[names[row.line - 1]] = row.request_id

    return event


def _answer(name: str, by: UserId, *, not_installer: bool = False) -> Event:
    """The installing supplier answers with the code on the device's label (or says it
    did not install the device)."""

    def event(w: World) -> None:
        request_id = w.requests[name]
        device = install_codes.request_for(w.store, by, request_id).device_id
        code = None if not_installer else bytes.fromhex(operations.install_code(w.emulator, device))
        install_codes.answer(
            w.store,
            w.clock,
            w.sealer,
            by,
            request_id,
            install_code=code,
            not_installer=not_installer,
        )

    return event


def _close(name: str, by: UserId, *, read_first: bool = False) -> Event:
    def event(w: World) -> None:
        if read_first:
            install_codes.read_code(w.store, w.sealer, by, w.requests[name])
        install_codes.close(w.store, w.clock, by, w.requests[name])

    return event


def _summarise_requests(w: World) -> None:
    mine, assigned = install_codes.queue(w.store, w.clock, w.config, BOXED_SUPPLIER)
    states: dict[str, int] = {}
    for line in {q.request.id: q for q in mine + assigned}.values():
        key = line.request.status.value + (" (overdue)" if line.overdue else "")
        states[key] = states.get(key, 0) + 1
    w.summary.lines.append(
        "install-code requests of the boxed supplier (raised by it or "
        "assigned to it): " + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    )
    overdue = w.requests["northwind-overdue"]
    w.summary.lines += [
        f"request {overdue} (Northwind's) is assigned to {BOXED_SUPPLIER} and overdue:",
        f"  gbdsp wan install-code {lost_meters()[0]} | "
        f"gbdsp install-codes answer {overdue} --by {BOXED_SUPPLIER}    # the label's code",
        f"  gbdsp install-codes code {overdue} --by {NORTHWIND}    # Northwind reads it",
    ]


def _install_code_story() -> list[tuple[int, Event]]:
    """(days ago, event), in time order. On a fresh database request 1 is Northwind's,
    assigned to the boxed supplier and overdue (the README answers it)."""
    gained, lost = gained_meters(), lost_meters()
    boxed, brightwatt = BOXED_SUPPLIER, BRIGHTWATT
    return [
        (28, _changes_of_supplier),
        (27, _raise(NORTHWIND, {"northwind-overdue": lost[0], "answered-late": lost[1]})),
        (
            27,
            _raise(
                boxed,
                {
                    "read": gained[0],
                    "answered": gained[1],
                    "not-installer": gained[2],
                    "overdue": gained[3],
                    "withdrawn": gained[4],
                },
            ),
        ),
        (25, _answer("read", brightwatt)),
        (24, _answer("answered", brightwatt)),  # the code waits for its requester
        (23, _answer("not-installer", brightwatt, not_installer=True)),  # to redirect
        (22, _close("read", boxed, read_first=True)),
        (18, _raise(NORTHWIND, {"in-time": lost[2]})),
        (17, _close("withdrawn", boxed)),  # withdrawn before an answer
        (16, _answer("in-time", boxed)),
        (5, _answer("answered-late", boxed)),  # late even over Christmas
        (3, _raise(boxed, {"open": gained[5]})),  # open, not yet due
        (2, _raise(NORTHWIND, {"backlog": lost[3]}, backlog=True)),  # no SLA
        (0, _summarise_requests),
    ]
    # "overdue" stays open at Brightwatt: overdue in the boxed supplier's 'my requests'.


def _restricted_story() -> list[tuple[int, Event]]:
    meter = restricted_meter()

    def change(on: bool, preference: str) -> Event:
        def event(w: World) -> None:
            restricted.set_restricted(
                w.store,
                w.clock,
                w.config,
                BOXED_SUPPLIER,
                meter,
                on,
                preference,
                on,
                sealer=w.sealer,
            )
            csp.deliver_due(w.store, w.clock)  # as the relay does in serve

        return event

    def summary(w: World) -> None:
        w.summary.lines.append(
            f"{meter} Restricted (MP169), set 20 days ago, cleared, set "
            "again 5 days ago: reads of it are refused (E169)"
        )

    return [
        (20, change(True, "No remote readings or tariff changes, please")),
        (12, change(False, "Agreed to smart services after a visit")),
        (5, change(True, "Changed their mind: no remote readings")),
        (0, summary),
    ]


def _in_flight(w: World) -> None:
    """Registration data received today for changes of supplier still to come."""
    at = w.at(w.now).now()
    entries = [
        (_mpan(k), BRIGHTWATT, at + timedelta(days=days))
        for k, days in zip(IN_FLIGHT, (1, 14), strict=True)
    ]
    registration.record(w.store, entries, at)
    w.summary.lines.append(
        f"changes of supplier in flight: {len(entries)} premises of "
        f"{BOXED_SUPPLIER} go to Brightwatt in 1 and 14 days"
    )


# -- DUIS traffic ------------------------------------------------------------------------

READ_REGISTERS = "<sr:ReadInstantaneousImportRegisters/>"
READ_FIRMWARE = "<sr:ReadFirmwareVersion/>"


def _traffic(w: World, days_ago: int) -> None:
    """A day of the boxed supplier's requests (and the network operator's): reads of the
    template premises, of the Restricted meter, an inventory read, a wrong device now and
    then. Each is signed by its sender and goes through the whole gateway pipeline."""
    supplier = str(BOXED_SUPPLIER)
    esme, gsme, chf = (str(template_id(o)) for o in (0xA0, 0xA1, 0xA2))
    day = [(supplier, "4.1.1", 1, esme, READ_REGISTERS) for _ in range(3 + days_ago * 7 % 4)]
    day += [(supplier, "4.1.1", 1, gsme, READ_REGISTERS)] * (1 + days_ago % 3)
    day += [(supplier, "4.1.1", 1, str(restricted_meter()), READ_REGISTERS)]
    day += [(supplier, "8.2", 8, DCC, _read_inventory(chf))]
    if days_ago % 2 == 0:
        day += [(supplier, "11.2", 1, chf, READ_FIRMWARE)]
    if days_ago % 4 == 1:
        day += [(supplier, "4.1.1", 1, UNKNOWN_DEVICE, READ_REGISTERS)]
    if days_ago % 3 == 0:
        day += [(str(BOXED_NETWORK_OPERATOR), "8.2", 8, DCC, _read_inventory(chf))]
    for sender, srv, cv, target, body in day:
        clock = w.at(w.clock.now() + timedelta(seconds=w.rng.randint(60, 900)))
        key = w.key_of(sender)
        if key is None:
            continue
        counter = int(clock.now().timestamp() * 1000)  # as DCC Boxed does: time in ms
        data = _signed_request(sender, target, counter, srv, cv, body, key)
        reply = w.gateway.handle(_web_service(cv), data)
        if reply.status != 200 or response_code(reply.body) is None:
            why = reply.body.decode("utf-8", "replace").strip()[:200]
            raise InvalidValue(
                f"the demo's own {srv} as {sender} was refused (HTTP {reply.status}: {why}); "
                "the demo needs the DCC Boxed test Users as `gbdsp init` registers them "
                "(their certificates valid and not revoked)"
            )
        w.summary.requests += 1


def _web_service(cv: int) -> WebService:
    service = CommandVariant(cv).web_service
    assert service is not None
    return service


def _read_inventory(device: str) -> str:
    return f"<sr:ReadInventory><sr:DeviceID>{device}</sr:DeviceID></sr:ReadInventory>"


def _signed_request(
    originator: str, target: str, counter: int, srv: str, cv: int, body: str, key: SigningKey
) -> bytes:
    """A DUIS 5.4 request as a DCC Boxed client writes it, signed by its originator."""
    reference = ".".join(srv.split(".")[:2])
    text = (
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{originator}:{target}:{counter}</sr:RequestID>"
        f"<sr:CommandVariant>{cv}</sr:CommandVariant>"
        f"<sr:ServiceReference>{reference}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>"
        f"</sr:Header><sr:Body>{body}</sr:Body></sr:Request>"
    )
    root = xml.parse(text.encode())
    sign(root, key)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- the demo's DUIS client: where the relay pushes the month's responses ----------------------


@contextmanager
def _demo_client(w: World) -> Iterator[None]:
    """The boxed supplier's receive-response URL points at the demo's client while the
    month is replayed, and is put back afterwards, so no old response waits in the outbox
    for the first client you connect."""
    with w.store.read() as tx:
        user = tx.users.get(BOXED_SUPPLIER)
    previous = user.response_url if user else None
    users.set_response_url(w.store, BOXED_SUPPLIER, DEMO_CLIENT_URL)
    try:
        yield
    finally:
        users.set_response_url(w.store, BOXED_SUPPLIER, previous)


async def _receive(scope: Scope, receive: Receive, send: Send) -> None:
    """The demo client's receive-response endpoint (ASGI): takes each message, says 200."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class _RelayLoop:
    """One event loop, in a thread of its own, for the relay rounds of the whole replay
    (whether or not the caller runs an event loop of its own)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_receive))

    def run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.run(self.client.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def _relay(w: World) -> None:
    """Push what is due, as the relay of `gbdsp serve` does, at the replay's time."""
    w.at(w.clock.now() + timedelta(seconds=1))
    assert w.relay_loop is not None
    relay = Relay(w.store, w.clock, HttpxPoster(w.relay_loop.client, RelayPolicy()))

    async def drain() -> None:
        while await relay.deliver_once():
            pass

    w.relay_loop.run(drain())


# -- `gbdsp demo` ----------------------------------------------------------------------------


class DemoInterrupted(GbdspError):
    """An earlier `gbdsp demo` stopped half-way through the replay."""


@dataclass
class DemoReport:
    fleet: DemoSummary
    world: WorldSummary
    accounts: list[tuple[str, UserId]]
    seconds: float


def create_demo(app: App, *, premises: int = 300, seed: int = 1) -> DemoReport:
    """What `gbdsp demo` does (and the README screenshots are taken of): the fleet, the
    world's past month, the portal accounts. A second run adds nothing and says so."""
    from gbdsp.keystore import KeyStore

    started = time.monotonic()
    if _interrupted(app.store):
        raise DemoInterrupted(
            f"an earlier `gbdsp demo` in {app.data_dir} was interrupted: start afresh in an "
            "empty data directory (`make clean-data`, or another --data DIR), then "
            "`gbdsp init && gbdsp demo`"
        )
    fleet = create_demo_fleet(
        app.store, app.clock, premises=premises, seed=seed, config=app.config, emulator=app.emulator
    )
    if world_present(app.store):
        world = WorldSummary(
            built=False,
            lines=[
                "the demo's world (its past month) is already here: nothing more to add. To "
                "start afresh: `make clean-data` (or delete the data directory), then "
                "`gbdsp init && gbdsp demo`"
            ],
        )
    else:
        world = build_world(
            app.store,
            app.clock,
            app.config,
            dsp_key=app.signing_key(),
            user_keys=KeyStore(app.data_dir).signing_key,
            sealer=app.sealer(),
            seed=seed,
            emulator=app.emulator,
        )
        with app.store.read() as tx:  # the SMI as the world left it
            fleet.by_type_status = {
                (t, st or "(no status)"): n for (t, st), n in tx.devices.count_by_status().items()
            }
    accounts = ensure_demo_accounts(app.store, app.clock, list(DEMO_ACCOUNTS))
    return DemoReport(fleet, world, accounts, time.monotonic() - started)


def _interrupted(store: Store) -> bool:
    with store.read() as tx:
        user = tx.users.get(BOXED_SUPPLIER)
    return user is not None and user.response_url == DEMO_CLIENT_URL
