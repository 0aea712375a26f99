"""MP60 housekeeping: remove long-Pending devices from the SMI, never silently.

Set-based and resumable: each batch (one transaction) picks the next due devices by Device
ID, archives each with its whole history, the rule and the time, queues a DCC alert to its
Responsible Supplier, and deletes it. An interrupted run leaves only whole batches done; the
next run finds what is still due, so nothing is done twice. Batches are short, so the
gateway waits at most one batch for the database (bench/housekeeping.py measures it).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.csvformat import format_device
from gbdsp.domain.devices import Device, DeviceModel, DeviceType
from gbdsp.domain.errors import Conflict, NotFound
from gbdsp.domain.housekeeping import AGE_BUCKETS, HousekeepingRule, months_before
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import rules_on
from gbdsp.domain.service_requests import Prenotification
from gbdsp.domain.smi_status import Trigger
from gbdsp.duis import response as duis_response
from gbdsp.duis.signature import SigningKey
from gbdsp.services import duis_outbox, lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.services.lookups import CplLookup
from gbdsp.store.housekeeping_repositories import ArchivedDevice, DueFilter
from gbdsp.store.outbox_repositories import DuisMessage
from gbdsp.store.store import Store, Transaction
from gbdsp.wan.emulator import DeviceEmulator

DELIVERED = Trigger.CH_DELIVERED.value
INSTALLED = frozenset({Trigger.CH_INSTALLED.value, Trigger.CH_INSTALLED_NO_WAN.value})
HORIZONS = (0, 30, 60, 90)
"""Days ahead the dry run looks: what goes today, and in 30, 60, 90 days."""


def rule_in_force(config: Config, on: datetime) -> HousekeepingRule:
    """The rule the MP60 policy gives for `on`: AC 7.2 as it stands, or MP60's."""
    return rules_on(config.rule_settings(), on.date()).mp60.rule


def _filter(rule: HousekeepingRule, on: datetime) -> DueFilter:
    return DueFilter(
        rule.cutoff(on),
        frozenset(t.value for t in rule.excluded_types),
        rule.only_after_left_pending,
    )


@dataclass
class RunReport:
    run_id: int
    rule: HousekeepingRule
    removed: int = 0
    batches: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def run(
    store: Store,
    clock: Clock,
    signing_key: SigningKey,
    rule: HousekeepingRule,
    *,
    batch_size: int = 1000,
    after_batch: Callable[[RunReport], None] | None = None,
) -> RunReport:
    """Remove every device due under `rule` now. `after_batch` sees progress (and may stop
    the run by raising: whole batches stay done, the rest waits for the next run)."""
    now = clock.now()
    due = _filter(rule, now)
    with store.transaction() as tx:
        report = RunReport(tx.housekeeping.start_run(rule.describe(), now), rule)
    last: tuple[datetime, DeviceId] | None = None
    while True:
        # Read and sign outside the write transaction, so the gateway waits only for the
        # short write below.
        with store.read() as tx:
            keys = tx.housekeeping.due_ids(due, last, batch_size)
            found = tx.devices.get_many([device_id for _, device_id in keys])
            # Another sweep may have removed some between the two reads (PostgreSQL
            # reads see each committed write): those are not ours to archive.
            ids = [device_id for _, device_id in keys if device_id in found]
            histories = tx.devices.histories(ids)
        if not keys:
            with store.transaction() as tx:
                tx.housekeeping.finish_run(report.run_id, clock.now())
            return report
        prepared = {
            i: (
                _archive_entry(found[i], histories[i], report, rule, now),
                _alert(found[i], report.run_id, now, signing_key),
            )
            for i in ids
        }
        with store.transaction() as tx:
            still_due = tx.housekeeping.still_due(due, ids)  # unchanged since the read
            tx.housekeeping.archive([prepared[i][0] for i in still_due])
            tx.outbox.add(*[alert for i in still_due if (alert := prepared[i][1]) is not None])
            tx.housekeeping.remove(still_due)
            tx.housekeeping.count_removed(report.run_id, len(still_due))
        for device_id in still_due:
            kind = found[device_id].device_type.value
            report.by_type[kind] = report.by_type.get(kind, 0) + 1
        # A device that changed since it was read is left alone (the next run sees it).
        last = keys[-1]
        report.removed += len(still_due)
        report.batches += 1
        if after_batch:
            after_batch(report)


def _archive_entry(
    device: Device, history: Sequence[Any], report: RunReport, rule: HousekeepingRule, now: datetime
) -> dict[str, Any]:
    record = {
        "device": format_device(device),
        "history": [
            {
                "status": c.status.value,
                "effective_at": c.effective_at.isoformat(),
                "reason": c.reason,
                "by": str(c.by) if c.by else None,
            }
            for c in history
        ],
        "reason": f"Pending since {device.status_date.isoformat() if device.status_date else '?'}"
        f", beyond the {rule.months}-month limit",
    }
    return {
        "device_id": device.device_id,
        "device_type": device.device_type.value,
        "responsible_supplier": device.responsible_supplier,
        "pending_since": device.status_date,
        "removed_at": now,
        "run_id": report.run_id,
        "rule": rule.describe()[:200],
        "record": json.dumps(record),
    }


def _alert(
    device: Device, run_id: int, now: datetime, signing_key: SigningKey
) -> DuisMessage | None:
    """The signed DCC alert to the device's Responsible Supplier, for the outbox."""
    if device.responsible_supplier is None:
        return None
    alert = duis_response.build_device_removed_alert(str(device.device_id), now)
    key = f"housekeeping:{run_id}:{device.device_id}"
    return duis_outbox.signed(alert, signing_key, device.responsible_supplier, key, now)


@dataclass(frozen=True, slots=True)
class Forecast:
    """What `rule` would remove, `days` from now, by device type and Responsible Supplier."""

    rule: HousekeepingRule
    days: int
    counts: tuple[tuple[str, UserId | None, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.counts)


def dry_run(
    store: Store,
    now: datetime,
    rules: Sequence[HousekeepingRule],
    horizons: Sequence[int] = HORIZONS,
) -> list[Forecast]:
    """Side by side: each rule, `now` and 30/60/90 days on. Changes nothing. (A device
    becomes due later only by ageing: the forecast assumes nobody acts on it meanwhile.)
    The caller reads its clock once and passes `now`, so a page that also lists
    `due_within` counts and lists the same moment."""
    with store.read() as tx:
        return [
            Forecast(
                rule,
                days,
                tuple(tx.housekeeping.due_counts(_filter(rule, now + timedelta(days=days)))),
            )
            for rule in rules
            for days in horizons
        ]


def pending_age(store: Store, clock: Clock) -> list[tuple[str, UserId | None, str, int]]:
    """Pending devices by type, Responsible Supplier and how long they have been Pending."""
    now = clock.now()
    bounds = [
        (months_before(now, months) if months else None, label) for months, label in AGE_BUCKETS
    ]
    with store.read() as tx:
        return tx.housekeeping.pending_age(bounds)


@dataclass(frozen=True, slots=True)
class HubStock:
    """A party's Communications Hubs in stock (CHF Pending), as the stock-level charge sees
    them, with those too far behind the CPL's newest firmware to be upgraded over the air."""

    holder: UserId | None
    in_stock: int
    installed: int
    behind: int
    """In stock with firmware more than one version behind the newest on the CPL (N-1/N/N+1
    concern in E.ON's response to MP60)."""


def hub_stock(store: Store) -> list[HubStock]:
    with store.read() as tx:
        rows = tx.housekeeping.hubs_by_firmware()
        newest = _firmware_ranks(tx)
    stock: dict[UserId | None, list[int]] = {}
    for holder, status, manufacturer, model, firmware, count in rows:
        entry = stock.setdefault(holder, [0, 0, 0])
        if status == "Pending":
            entry[0] += count
            ranks = newest.get((manufacturer, model), [])
            if firmware in ranks and len(ranks) - 1 - ranks.index(firmware) > 1:
                entry[2] += count
        elif status in ("Commissioned", "InstalledNotCommissioned"):
            entry[1] += count
    return [
        HubStock(h, s, i, b) for h, (s, i, b) in sorted(stock.items(), key=lambda kv: str(kv[0]))
    ]


def _firmware_ranks(tx: Transaction) -> dict[tuple[str, str], list[str]]:
    """CHF firmware versions per model on the CPL, oldest first (hex versions sort)."""
    ranks: dict[tuple[str, str], list[str]] = {}
    for entry in tx.cpl.all():
        if entry.key.device_type is DeviceType.CHF:
            m = entry.key.model
            ranks.setdefault((m.manufacturer, m.model), []).append(m.firmware_version)
    return {k: sorted(set(v)) for k, v in ranks.items()}


@dataclass(frozen=True, slots=True)
class StockRotation:
    """The Proposer's 'newest stock installed first' report (seed 002): of a party's CH
    installs in the period, how many went in while an older CH of its still sat in stock."""

    holder: UserId | None
    installs: int
    newer_first: int
    oldest_in_stock_days: int | None


def stock_rotation(store: Store, clock: Clock, days: int = 365) -> list[StockRotation]:
    """One pass over the CHFs' delivery and install history lines, in time order."""
    now = clock.now()
    since = now - timedelta(days=days)
    with store.read() as tx:
        lines = tx.housekeeping.hub_lifecycle_lines()
    delivered: dict[DeviceId, tuple[datetime, UserId | None]] = {}
    installed: dict[DeviceId, datetime] = {}
    for device_id, reason, at, by in lines:
        if reason == DELIVERED and device_id not in delivered:
            delivered[device_id] = (at, by)
        elif reason in INSTALLED and device_id not in installed:
            installed[device_id] = at
    events = sorted(
        [(at, 0, d) for d, (at, _) in delivered.items()]
        + [(at, 1, d) for d, at in installed.items() if d in delivered]
    )
    stock: dict[UserId | None, list[tuple[datetime, DeviceId]]] = {}
    gone: set[DeviceId] = set()
    totals: dict[UserId | None, list[int]] = {}
    for at, kind, device_id in events:
        holder = delivered[device_id][1]
        heap = stock.setdefault(holder, [])
        if kind == 0:
            heapq.heappush(heap, (at, device_id))
            continue
        gone.add(device_id)
        while heap and heap[0][1] in gone:
            heapq.heappop(heap)
        if at >= since:
            entry = totals.setdefault(holder, [0, 0])
            entry[0] += 1
            entry[1] += bool(heap) and heap[0][0] < delivered[device_id][0]
    report = []
    for holder in sorted(set(stock) | set(totals), key=str):
        heap = [h for h in stock.get(holder, []) if h[1] not in gone]
        oldest = (now - min(heap)[0]).days if heap else None
        installs, newer_first = totals.get(holder, [0, 0])
        report.append(StockRotation(holder, installs, newer_first, oldest))
    return report


@dataclass(frozen=True, slots=True)
class DueDevice:
    device_id: DeviceId
    device_type: str
    pending_since: datetime
    removal_on: datetime
    """When the rule in force removes it, if nobody acts on it first."""


def due_within(
    store: Store,
    now: datetime,
    config: Config,
    responsible: Sequence[UserId],
    days: int = 90,
    limit: int = 500,
) -> list[DueDevice]:
    """A supplier's devices that the rule in force at `now` removes within `days` (the
    portal's list; the counts are `dry_run`'s). An overdue device's `removal_on` is `now`
    itself (the next run), so the caller must pass the `now` it compares against: a
    second clock read would be later and show the overdue device as due 'today'."""
    rule = rule_in_force(config, now)
    with store.read() as tx:
        rows = tx.housekeeping.due_devices(
            _filter(rule, now + timedelta(days=days)), responsible, limit
        )
    return [DueDevice(d, t, since, max(rule.due_on(since), now)) for d, t, since in rows]


@dataclass(frozen=True, slots=True)
class Renotification:
    device_id: DeviceId
    device_type: DeviceType
    model: DeviceModel
    smets_chts_version: str


def renotification(entry: ArchivedDevice, in_smi: bool) -> Renotification | str:
    """What a removed device would be pre-notified (12.2) again with, or why it cannot:
    a CH is delivered by the DCC, never pre-notified; a device back in the SMI is there."""
    if in_smi:
        return "it is in the SMI again"
    device_type = DeviceType.parse(entry.device_type)
    if device_type in (DeviceType.CHF, DeviceType.GPF):
        return "a Communications Hub comes back by delivery (AC 2.4), not by pre-notification"
    row = json.loads(entry.record)["device"]
    return Renotification(
        entry.device_id,
        device_type,
        DeviceModel(
            row["manufacturer"],
            row["model"],
            row.get("hardware_version") or "",
            row["firmware_version"],
        ),
        row["smets_chts_version"],
    )


@dataclass(frozen=True, slots=True)
class RemovedDevice:
    entry: ArchivedDevice
    renotify: Renotification | str


def removed(store: Store, responsible: Sequence[UserId], limit: int = 100) -> list[RemovedDevice]:
    """A supplier's devices housekeeping removed, newest first, each with whether it may be
    pre-notified again."""
    with store.read() as tx:
        entries = tx.housekeeping.archived(limit=limit, responsible=responsible)
        present = tx.devices.get_many([e.device_id for e in entries])
    return [RemovedDevice(e, renotification(e, e.device_id in present)) for e in entries]


def renotify(
    store: Store,
    clock: Clock,
    config: Config,
    user: User,
    device_id: DeviceId,
    *,
    emulator: DeviceEmulator,
) -> Reply:
    """One click in the portal: pre-notify (12.2) a removed device of the User's again,
    through the same use case a DUIS 12.2 reaches (CPL checked, Pending from now)."""
    now = clock.now()
    with store.transaction() as tx:
        entries = tx.housekeeping.archived(device_id, limit=1, responsible=[user.user_id])
        if not entries:
            raise NotFound(f"{device_id} is not among your removed devices")
        plan = renotification(entries[0], tx.devices.get(device_id, with_history=False) is not None)
        if isinstance(plan, str):
            raise Conflict(f"{device_id} cannot be pre-notified again: {plan}")
        ctx = HandlerContext(
            tx,
            CplLookup(store, ttl=0),
            now,
            user,
            rules_on(config.rule_settings(), now.date()),
            emulator,
        )
        reply = lifecycle.prenotify(
            ctx,
            Prenotification(
                plan.device_id,
                plan.model.manufacturer,
                plan.model.model,
                plan.device_type.value,
                plan.smets_chts_version,
                plan.model.firmware_version,
                None,
            ),
        )
        if reply.code != ResponseCode.I0:
            raise Conflict(f"{reply.code}: {reply.reason}")
    return reply
