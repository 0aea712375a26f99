"""The starting fleet from the data directory's own SMI (`gbdsp simulate --from-smi`).

Read-only and streamed: one pass over the devices table in batches, kept as a few numpy
columns (about 30 bytes a device), then joined by CHF ID with sorted-array searches. What
it takes from the SMI: installed systems (a CHF that is neither Pending nor gone) with their
SMETS version, supplier, gas meter, PPMID and whether the electricity meter is still
InstalledNotCommissioned; and the stock: every Pending CHF and meter with its Pending date
and whether it has left Pending before. Everything else (the flows of the coming months)
stays the scenario's assumptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from gbdsp.domain.devices import DeviceType
from gbdsp.sim.fleet import CHF, ESME, GSME, KINDS, PPMID, Array
from gbdsp.sim.scenario import Scenario, ScenarioError
from gbdsp.store.store import Store

KIND_CODES = {kind.value: i for i, kind in enumerate(KINDS)}
"""How the repository codes device types (the engine's kind numbers)."""
_INSTALLED = (
    "Commissioned",
    "InstalledNotCommissioned",
    "Whitelisted",
    "Suspended",
    "Recovery",
    "Recovered",
)
MAX_SUPPLIERS = 200


@dataclass
class Snapshot:
    """The SMI as the simulation starts from it."""

    devices: int
    smets1: Array
    """Per installed system (premises): SMETS1 or not."""
    supplier: Array
    """Per installed system: index into `suppliers`."""
    gas: Array
    ppmid: Array
    uncommissioned: Array
    suppliers: dict[str, float]
    """Responsible Suppliers (User ID in hex) and their share of installed systems."""
    stock_kind: Array
    """Pending devices (CHFs and meters): kind, days Pending before the start (negative),
    and whether they left Pending before."""
    stock_since: Array
    stock_left: Array

    @property
    def installed(self) -> int:
        return len(self.smets1)


STATUS_CODES = {"Pending": 1, **{s: 2 for s in _INSTALLED}, "InstalledNotCommissioned": 3}
"""How the repository codes statuses: 0 none or gone, 1 Pending, 2 installed, 3 installed
and not commissioned."""


def read(
    batches: Iterable[Sequence[Any]], start: date, on_batch: Callable[[int], None] | None = None
) -> Snapshot:
    """A snapshot from `SmiSnapshotRepository.stream(KIND_CODES, STATUS_CODES)` batches."""
    parts: list[Array] = []
    seen = 0
    for rows in batches:
        if rows:
            parts.append(np.array(rows, np.int64).reshape(len(rows), 8))
        seen += len(rows)
        if on_batch is not None:
            on_batch(seen)
    table = np.concatenate(parts) if parts else np.zeros((0, 8), np.int64)
    midnight = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
    since = np.minimum(0, (table[:, 4] - midnight) // 86_400)
    col = {
        "id": table[:, 0],
        "kind": table[:, 1].astype(np.uint8),
        "smets1": table[:, 2].astype(np.bool_),
        "status": table[:, 3].astype(np.uint8),
        "since": np.where(table[:, 4] == 0, 0, since).astype(np.int32),
        "chf": table[:, 5],
        "supplier": table[:, 6],
        "left": table[:, 7].astype(np.bool_),
    }
    return _assemble(col, seen)


def _assemble(col: dict[str, Array], seen: int) -> Snapshot:
    kind, status = col["kind"], col["status"]
    hubs = np.flatnonzero((kind == CHF) & (status >= 2))
    order = hubs[np.argsort(col["id"][hubs], kind="stable")]
    hub_ids = col["id"][order]

    def at_hub(mask: Array) -> tuple[Array, Array]:
        """For the devices in `mask`: the index of their installed CHF (-1: none)."""
        rows = np.flatnonzero(mask)
        where = np.searchsorted(hub_ids, col["chf"][rows])
        where = np.minimum(where, max(0, len(hub_ids) - 1))
        found = (
            (len(hub_ids) > 0) & (hub_ids[where] == col["chf"][rows])
            if len(rows)
            else np.zeros(0, np.bool_)
        )
        return rows[found], where[found]

    n = len(order)
    gas = np.zeros(n, np.bool_)
    ppmid = np.zeros(n, np.bool_)
    uncommissioned = np.zeros(n, np.bool_)
    supplier_id = col["supplier"][order].copy()
    _, where = at_hub(kind == GSME)
    gas[where] = True
    _, where = at_hub(kind == PPMID)
    ppmid[where] = True
    rows, where = at_hub(kind == ESME)
    uncommissioned[where[status[rows] == 3]] = True
    has = col["supplier"][rows] != 0
    supplier_id[where[has]] = col["supplier"][rows][has]
    smets1 = col["smets1"][order]
    uncommissioned &= ~smets1
    names, index, counts = np.unique(supplier_id, return_inverse=True, return_counts=True)
    top = np.argsort(-counts, kind="stable")[:MAX_SUPPLIERS]
    remap = np.full(len(names), len(top) if len(names) > len(top) else 0, np.int64)
    remap[top] = np.arange(len(top))
    suppliers = {_hex(int(names[i])): float(counts[i]) for i in top}
    if len(names) > len(top):
        suppliers["others"] = float(counts.sum() - counts[top].sum())
    total = sum(suppliers.values()) or 1.0
    shares = {k: v / total for k, v in suppliers.items()} or {"none": 1.0}
    pending = np.flatnonzero((status == 1) & np.isin(kind, (CHF, ESME, GSME, PPMID)))
    return Snapshot(
        seen,
        smets1,
        remap[index].astype(np.uint8) if n else np.zeros(0, np.uint8),
        gas,
        ppmid,
        uncommissioned,
        shares,
        kind[pending],
        col["since"][pending],
        col["left"][pending],
    )


def _hex(signed: int) -> str:
    return f"{signed & 0xFFFF_FFFF_FFFF_FFFF:016X}" if signed else "unknown"


def load(
    store: Store, start: date, on_total: Callable[[int], None], on_progress: Callable[[int], None]
) -> Snapshot:
    """The data directory's SMI, streamed in one read-only transaction (nothing changes)."""
    with store.read() as tx:
        on_total(tx.smi_snapshot.count())
        return read(tx.smi_snapshot.stream(KIND_CODES, STATUS_CODES), start, on_progress)


def describe(snapshot: Snapshot) -> str:
    by_kind = {DeviceType.CHF: 0, DeviceType.ESME: 0, DeviceType.GSME: 0, DeviceType.PPMID: 0}
    for code in snapshot.stock_kind.tolist():
        by_kind[KINDS[code]] += 1
    stock = ", ".join(f"{n:,} {k.value}" for k, n in by_kind.items() if n)
    return (
        f"{snapshot.devices:,} devices read: {snapshot.installed:,} installed systems "
        f"({int(snapshot.smets1.sum()):,} SMETS1, {int(snapshot.uncommissioned.sum()):,} "
        f"with meters InstalledNotCommissioned), Pending stock: {stock or 'none'}"
    )


def adapt(scenario: Scenario, snapshot: Snapshot) -> Scenario:
    """The scenario with its fleet taken from the SMI: the installed systems are the SMI's,
    and the premises without one keep the scenario's share (`fleet.already_installed`)."""
    k = snapshot.installed
    if k == 0:
        raise ScenarioError(
            "--from-smi: the SMI has no installed systems (a CHF that is "
            "Commissioned or InstalledNotCommissioned) to start from"
        )
    share = scenario.fleet.already_installed
    n = k if share >= 1 or share <= 0 else k + round(k * (1 - share) / share)
    smets2 = max(1, int((~snapshot.smets1).sum()))
    fleet = scenario.fleet.model_copy(
        update={
            "premises": n,
            "already_installed": k / n,
            "suppliers": snapshot.suppliers,
            "smets1_share": float(snapshot.smets1.mean()),
            "gas_share": float(snapshot.gas.mean()),
            "ppmid_share": float(snapshot.ppmid.mean()),
        }
    )
    installs = scenario.installs.model_copy(
        update={"uncommissioned_at_start": float(snapshot.uncommissioned.sum()) / smets2}
    )
    about = scenario.scenario.model_copy(update={"history_months": 0, "fleet_from": "SMI"})
    return scenario.model_copy(update={"fleet": fleet, "installs": installs, "scenario": about})
