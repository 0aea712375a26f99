"""SMI use cases: bulk import, device view, device extract."""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TextIO

from gbdsp.clock import Clock
from gbdsp.csvformat import DEVICE_COLUMNS, format_device, parse_device
from gbdsp.domain.devices import Device, DeviceType, normalise_postcode
from gbdsp.domain.errors import InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User
from gbdsp.domain.products import CplKey
from gbdsp.domain.smi_status import Refused, Trigger, next_status
from gbdsp.domain.visibility import may_see, parties_of
from gbdsp.store.store import Store, Transaction

IMPORT_REASON = "bulk SMI import"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def read(self) -> int:
        return self.added + self.unchanged + self.rejected


@dataclass(slots=True)
class _Batch:
    """One batch of parsed rows, keyed by Device ID (first occurrence wins)."""

    devices: dict[DeviceId, tuple[int, Device]] = field(default_factory=dict)


def import_devices(
    store: Store,
    clock: Clock,
    rows: Iterable[tuple[int, Mapping[str | None, Any]]],
    *,
    on_error: Callable[[RowError], None],
    on_batch: Callable[[ImportReport], None] | None = None,
    batch_size: int = 5_000,
) -> ImportReport:
    """Add devices to the SMI from extract rows, in batches of one transaction each.

    Idempotent: a device already present with the same data counts as unchanged, so an
    interrupted import is finished by running it again. A bad row (syntax, unknown CPL
    model, unknown User, conflicting duplicate) is reported with its line and skipped;
    it never stops the rest or leaves anything half-written. Memory stays flat: only one
    batch is held at a time.
    """
    report = ImportReport()
    cpl, known_users = _reference_data(store)
    now = clock.now()
    it = iter(rows)
    while chunk := list(islice(it, batch_size)):
        batch = _Batch()
        for line, row in chunk:
            try:
                device = _checked(parse_device(row, now, IMPORT_REASON), cpl, known_users)
            except InvalidValue as e:
                _reject(report, on_error, line, str(e))
                continue
            _add_to_batch(batch, report, on_error, line, device)
        _store_batch(store, batch, report, on_error)
        if on_batch:
            on_batch(report)
    if report.added:
        with store.transaction() as tx:
            tx.devices.refresh_statistics()
    return report


def _reference_data(store: Store) -> tuple[set[CplKey], set[UserId]]:
    """The CPL and the User list are small: load them once, check every row in memory."""
    with store.read() as tx:
        return {e.key for e in tx.cpl.all()}, {u.user_id for u in tx.users.all()}


def _checked(device: Device, cpl: set[CplKey], users: set[UserId]) -> Device:
    key = CplKey(device.model, device.device_type, device.smets_variant)
    if key not in cpl:
        m = device.model
        raise InvalidValue(
            f"model {m.manufacturer}/{m.model} hw {m.hardware_version or '-'} fw "
            f"{m.firmware_version} ({device.device_type.value}, {device.smets_variant.value}) "
            "is not on the CPL"
        )
    for role, user in (
        ("responsible_supplier", device.responsible_supplier),
        ("installing_supplier", device.installing_supplier),
        ("network_operator", device.network_operator),
    ):
        if user is not None and user not in users:
            raise InvalidValue(f"{role} {user} is not a registered User")
    if device.status is not None:
        status = next_status(Trigger.IMPORTED, device.device_type, None, wanted=device.status)
        if isinstance(status, Refused):
            raise InvalidValue(status.reason)
    return device


def _add_to_batch(
    batch: _Batch,
    report: ImportReport,
    on_error: Callable[[RowError], None],
    line: int,
    device: Device,
) -> None:
    earlier = batch.devices.get(device.device_id)
    if earlier is None:
        batch.devices[device.device_id] = (line, device)
    elif earlier[1] == device:
        report.unchanged += 1
    else:
        _reject(
            report,
            on_error,
            line,
            f"{device.device_id} repeats line {earlier[0]} with different data",
        )


def _store_batch(
    store: Store, batch: _Batch, report: ImportReport, on_error: Callable[[RowError], None]
) -> None:
    with store.transaction() as tx:
        existing = tx.devices.get_many(list(batch.devices))
        new = []
        for device_id, (line, device) in batch.devices.items():
            old = existing.get(device_id)
            if old is None:
                new.append(device)
            elif old == device:
                report.unchanged += 1
            else:
                _reject(
                    report,
                    on_error,
                    line,
                    f"{device_id} is already in the SMI with different data "
                    "(change it through a service request, not an import)",
                )
        tx.devices.add_many(new)
    report.added += len(new)


def _reject(
    report: ImportReport, on_error: Callable[[RowError], None], line: int, message: str
) -> None:
    report.rejected += 1
    on_error(RowError(line, message))


@dataclass(frozen=True, slots=True)
class DeviceView:
    """A device with what surrounds it: its CHF, or (for a CHF) its Device Log."""

    device: Device
    chf: Device | None
    device_log: list[Device]


def show_device(store: Store, device_id: DeviceId) -> DeviceView:
    with store.read() as tx:
        device = tx.devices.get(device_id)
        if device is None:
            raise NotFound(f"device {device_id} is not in the SMI")
        chf = tx.devices.get(device.chf_id, with_history=False) if device.chf_id else None
        log = tx.devices.in_device_log(device_id)
    return DeviceView(device, chf, log)


def export_devices(
    store: Store, out: TextIO, *, responsible: Collection[UserId] | None = None
) -> int:
    """Write the device extract CSV (the format `import_devices` reads); return the count.
    `responsible`: only the devices of these Responsible Suppliers (a User's own extract)."""
    writer = csv.DictWriter(out, fieldnames=DEVICE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    with store.read() as tx:
        for device in tx.devices.iter_all(responsible=responsible):
            writer.writerow(format_device(device))
            count += 1
    return count


def numbered_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """Rows with the line they started on, for error messages a user can act on."""
    for row in reader:
        yield reader.line_num, row


@dataclass(frozen=True, slots=True)
class PremisesView:
    """A premises as a User sees it: its CH (CHF, with the GPF on its Device Log) and the
    User's own devices there (on the CH's Device Log, or recorded at the same UPRN while not
    on a log yet); `others` counts the devices there that belong to other Users."""

    chf: Device | None
    devices: list[Device]
    others: int
    anchor: DeviceId
    """What names the premises in the portal: its CHF, else a device at it."""

    @property
    def key(self) -> DeviceId:
        return self.chf.device_id if self.chf else self.anchor

    @property
    def uprn(self) -> str | None:
        return next((d.uprn for d in self._all if d.uprn), None)

    @property
    def postcode(self) -> str | None:
        return next((d.postcode for d in self._all if d.postcode), None)

    @property
    def mpxns(self) -> list[str]:
        return sorted({d.import_mpxn for d in self._all if d.import_mpxn})

    @property
    def _all(self) -> list[Device]:
        return [*([self.chf] if self.chf else []), *self.devices]


SEARCH_LIMIT = 50


def search(store: Store, user: User, query: str, kind: str = "auto") -> list[PremisesView]:
    """Premises the User may see, found by Device ID, MPxN, UPRN or postcode.

    `kind` is one of device, mpxn, uprn, postcode or auto (each reading the text allows);
    an invalid text for the chosen kind raises InvalidValue with what is expected."""
    if kind not in ("device", "mpxn", "uprn", "postcode", "auto"):
        raise InvalidValue(f"cannot search by {kind!r}")
    text = query.strip()
    if not text:
        raise InvalidValue("type a Device ID, an MPxN, a UPRN or a postcode")
    found: dict[DeviceId, Device] = {}
    digits = text.replace(" ", "")
    with store.read() as tx:
        if kind in ("device", "auto"):
            try:
                device = tx.devices.get(DeviceId.parse(text), with_history=False)
            except InvalidValue:
                if kind == "device":
                    raise
                device = None
            if device is not None:
                found[device.device_id] = device
        if kind in ("mpxn", "auto") and digits.isdigit() and 6 <= len(digits) <= 13:
            found |= {d.device_id: d for d in tx.devices.find(mpxn=digits, limit=500)}
        elif kind == "mpxn":
            raise InvalidValue("an MPxN is an MPAN (13 digits) or an MPRN (6 to 10 digits)")
        if kind in ("uprn", "auto") and digits.isdigit() and len(digits) <= 12:
            found |= {d.device_id: d for d in tx.devices.find(uprn=digits, limit=500)}
        elif kind == "uprn":
            raise InvalidValue("a UPRN is up to 12 digits")
        if kind in ("postcode", "auto") and _looks_like_postcode(text):
            found |= {
                d.device_id: d
                for d in tx.devices.find(postcode=normalise_postcode(text), limit=2000)
            }
        elif kind == "postcode":
            raise InvalidValue("a postcode looks like SW1A 1AA")
        views: dict[DeviceId, PremisesView] = {}
        for device in sorted(found.values(), key=lambda d: d.device_id.value):
            if may_see(user, device) and not any(
                device.device_id in (v.key, *(d.device_id for d in v.devices))
                for v in views.values()
            ):
                view = _premises(tx, user, device)
                views.setdefault(view.key, view)
            if len(views) >= SEARCH_LIMIT:
                break
        return sorted(views.values(), key=lambda v: (v.postcode or "", v.uprn or "", v.key.value))


def _looks_like_postcode(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    return (
        5 <= len(compact) <= 7
        and compact[0].isalpha()
        and compact[-2:].isalpha()
        and compact[-3].isdigit()
        and compact.isalnum()
    )


def premises(store: Store, user: User, key: DeviceId) -> PremisesView:
    """One premises, named by its CHF (or by a device when it has no CH)."""
    with store.read() as tx:
        anchor = tx.devices.get(key, with_history=False)
        view = _premises(tx, user, anchor) if anchor is not None else None
    if view is None or (not view.devices and not (view.chf and may_see(user, view.chf))):
        raise NotFound(f"no premises {key} among yours")
    return view


def _premises(tx: Transaction, user: User, anchor: Device) -> PremisesView:
    """The premises around `anchor`: its CH's Device Log, and what shares its UPRN."""
    chf: Device | None = None
    if anchor.device_type is DeviceType.CHF:
        chf = anchor
    elif anchor.chf_id is not None:
        chf = tx.devices.get(anchor.chf_id, with_history=False)
    at_uprn = tx.devices.find(uprn=anchor.uprn, limit=500) if anchor.uprn else [anchor]
    if chf is None:
        chf = next((d for d in at_uprn if d.device_type is DeviceType.CHF), None)
    members = {
        d.device_id: d
        for d in [*(tx.devices.in_device_log(chf.device_id) if chf else []), *at_uprn, anchor]
    }
    if chf is not None:
        members.pop(chf.device_id, None)
    mine = [d for d in members.values() if may_see(user, d)]
    return PremisesView(
        chf,
        sorted(mine, key=lambda d: d.device_id.value),
        len(members) - len(mine),
        anchor.device_id,
    )


def device_for(store: Store, user: User, device_id: DeviceId) -> DeviceView:
    """The device view, only for a device the User may see (others are 'not found', so a
    guessed ID tells nothing)."""
    view = show_device(store, device_id)
    if not may_see(user, view.device) and not (
        view.device.device_type in (DeviceType.CHF, DeviceType.GPF)
        and any(may_see(user, d) for d in view.device_log)
    ):
        raise NotFound(f"device {device_id} is not among yours")
    return view


def export_for(store: Store, user: User, out: TextIO) -> int:
    """The device extract of the User's own devices (it, or its principals, Responsible)."""
    return export_devices(store, out, responsible=parties_of(user))
