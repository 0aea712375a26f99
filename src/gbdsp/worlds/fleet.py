"""`gbdsp fleet generate`: a GB-shaped SMI of any size, loaded in bulk, for scale tests.

Not a simulation (that is `gbdsp demo` and `sim/`): the devices are written straight into
the tables, as a migration from another SMI would, so that ten million of them load in
minutes. Every premises is a function of its number alone (a hash, not a random stream),
so a load generator can name the devices of premises `n`, their MPxN and their Responsible
Supplier without asking the database (docs/scaling.md).

The shape follows public GB figures (docs/scaling.md): about four in five premises have
gas, some prepayment premises a PPMID, every premises an IHD; most devices Commissioned,
a tail Pending, InstalledNotCommissioned, Suspended, Decommissioned or Withdrawn; several
suppliers with unequal market shares; three CSP regions.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gbdsp.clock import Clock
from gbdsp.domain.devices import CspRegion, DeviceModel, DeviceType, SmetsVariant, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Party, User, UserRole
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.store.bulk import (
    DeviceRow,
    FleetLoad,
    HanRow,
    HistoryRow,
    HubRow,
    Premises,
    RegistrationRow,
)
from gbdsp.store.store import Store

REASON = "fleet generator"
HUB_VERSION = "CHTS V1.0"
METER_VERSION = "SMETS V1.58"


@dataclass(frozen=True, slots=True)
class FleetParty:
    user_id: UserId
    party_id: str
    name: str
    roles: frozenset[UserRole]
    share: float = 0.0
    """Market share (suppliers) as a fraction of premises."""


def _uid(n: int) -> UserId:
    return UserId(0x00FE_E700_0000_0000 | n)


# Invented names; the shares are roughly the GB domestic market's shape (a few large,
# a long tail), which is what matters for per-User load and per-supplier queries.
SUPPLIERS: tuple[FleetParty, ...] = tuple(
    FleetParty(
        _uid(0x0100 + i), f"FLEET-S{i + 1}", name, frozenset({UserRole.IS, UserRole.GS}), share
    )
    for i, (name, share) in enumerate(
        (
            ("Aurora Energy", 0.24),
            ("Beacon Power", 0.20),
            ("Cobalt Supply", 0.14),
            ("Drumlin Gas & Electric", 0.12),
            ("Estuary Energy", 0.10),
            ("Fenland Power", 0.08),
            ("Gritstone Supply", 0.07),
            ("Heathland Energy", 0.05),
        )
    )
)
DISTRIBUTORS: dict[CspRegion, FleetParty] = {
    region: FleetParty(
        _uid(0x0200 + i), f"FLEET-D{i + 1}", f"{region.value} Networks", frozenset({UserRole.ED})
    )
    for i, region in enumerate((CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH))
}
TRANSPORTER = FleetParty(_uid(0x0300), "FLEET-G1", "Fleet Gas Networks", frozenset({UserRole.GT}))

# Two manufacturers' models per type: the CPL and the 8.2 answers see a mix.
MODELS: dict[DeviceType, tuple[DeviceModel, ...]] = {
    DeviceType.CHF: (
        DeviceModel("F1A0", "0C11", "0003", "00000410"),
        DeviceModel("F2B0", "0C21", "0002", "00000207"),
    ),
    DeviceType.GPF: (
        DeviceModel("F1A0", "0C12", "0003", "00000410"),
        DeviceModel("F2B0", "0C22", "0002", "00000207"),
    ),
    DeviceType.ESME: (
        DeviceModel("F3C0", "0A31", "0001", "00020130"),
        DeviceModel("F4D0", "0A41", "0004", "00010502"),
    ),
    DeviceType.GSME: (
        DeviceModel("F3C0", "0B31", "0001", "00010204"),
        DeviceModel("F5E0", "0B51", "0002", "00000311"),
    ),
    DeviceType.IHD: (
        DeviceModel("F6F0", "0E61", "0001", "00000301"),
        DeviceModel("F7A0", "0E71", "0001", "00000102"),
    ),
    DeviceType.PPMID: (DeviceModel("F6F0", "0F61", "0002", "00000106"),),
}

# Device IDs: 00-FE-E7-<type nibble>0-<premises number, 32 bits>; clear of the demo's
# 00-DB-12-34-.. and of every test's IDs. A premises' devices share its number.
_ID_BASE = 0x00FE_E700_0000_0000
_TYPE_NIBBLE = {
    DeviceType.CHF: 1,
    DeviceType.GPF: 2,
    DeviceType.ESME: 3,
    DeviceType.GSME: 4,
    DeviceType.IHD: 5,
    DeviceType.PPMID: 6,
}
MAX_PREMISES = 2**32

# Status mix of a premises' SMI devices (fractions; public reports: ~90% of installed
# smart meters operating in smart mode, a long tail of the others).
STATUS_MIX: tuple[tuple[SmiStatus, float], ...] = (
    (SmiStatus.COMMISSIONED, 0.915),
    (SmiStatus.INSTALLED_NOT_COMMISSIONED, 0.025),
    (SmiStatus.PENDING, 0.02),
    (SmiStatus.SUSPENDED, 0.005),
    (SmiStatus.DECOMMISSIONED, 0.025),
    (SmiStatus.WITHDRAWN, 0.01),
)
GAS_SHARE = 0.78
PPMID_SHARE = 0.12
REGIONS = (CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH)
_POSTCODE_AREAS = {
    CspRegion.NORTH: ("AB", "DD", "EH", "G", "IV", "KA", "NE", "DH", "CA", "LA"),
    CspRegion.CENTRAL: ("LS", "M", "B", "NG", "LE", "CV", "S", "L", "CH", "ST"),
    CspRegion.SOUTH: ("SW", "SE", "BS", "PL", "EX", "BN", "SO", "CF", "RG", "OX"),
}
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the inward-code letters Royal Mail uses
PREMISES_PER_POSTCODE = 15


def _fraction(n: int, salt: int) -> float:
    """A uniform-looking fraction in [0, 1) from the premises number alone."""
    x = (n * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9) & 0xFFFF_FFFF_FFFF_FFFF
    x ^= x >> 31
    x = (x * 0x94D049BB133111EB) & 0xFFFF_FFFF_FFFF_FFFF
    x ^= x >> 29
    return (x >> 11) / 2**53


def _picker(weights: Sequence[float]) -> Callable[[float], int]:
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    def pick(u: float) -> int:
        return min(bisect.bisect_right(cumulative, u * total), len(weights) - 1)

    return pick


_pick_supplier = _picker([s.share for s in SUPPLIERS])
_pick_status = _picker([w for _, w in STATUS_MIX])


def device_id(premises: int, device_type: DeviceType) -> DeviceId:
    return DeviceId(_ID_BASE | (_TYPE_NIBBLE[device_type] << 36) | premises)


@dataclass(frozen=True, slots=True)
class PremisesPlan:
    """What premises `number` holds: enough for a load generator to address it."""

    number: int
    device_types: tuple[DeviceType, ...]
    supplier: FleetParty
    status: SmiStatus
    region: CspRegion
    mpan: str
    mprn: str | None

    def device_id(self, device_type: DeviceType) -> DeviceId:
        return device_id(self.number, device_type)


def plan(number: int) -> PremisesPlan:
    gas = _fraction(number, 1) < GAS_SHARE
    ppmid = _fraction(number, 2) < PPMID_SHARE
    types = [
        DeviceType.CHF,
        *([DeviceType.GPF] if gas else []),
        DeviceType.ESME,
        *([DeviceType.GSME] if gas else []),
        DeviceType.IHD,
        *([DeviceType.PPMID] if ppmid else []),
    ]
    return PremisesPlan(
        number=number,
        device_types=tuple(types),
        supplier=SUPPLIERS[_pick_supplier(_fraction(number, 3))],
        status=STATUS_MIX[_pick_status(_fraction(number, 4))][0],
        region=region_of(number),
        # MPAN: 13 digits; MPRN: up to 10 (check digits are not modelled by the SMI).
        mpan=f"{1_900_000_000_000 + number:013d}",
        mprn=f"{8_800_000_000 + number:010d}" if gas else None,
    )


def region_of(number: int) -> CspRegion:
    """Neighbouring premises (one postcode) share a CSP region."""
    return REGIONS[(number // PREMISES_PER_POSTCODE) % len(REGIONS)]


def postcode(number: int, region: CspRegion) -> str:
    """About 15 premises to a postcode, as in GB (1.7M postcodes, ~30M premises)."""
    block = number // PREMISES_PER_POSTCODE // len(REGIONS)
    areas = _POSTCODE_AREAS[region]
    area = areas[block % len(areas)]
    rest = block // len(areas)
    district = rest % 30 + 1
    sector = (rest // 30) % 10
    unit = rest // 300
    return f"{area}{district} {sector}{_LETTERS[unit % 20]}{_LETTERS[(unit // 20) % 20]}"


@dataclass(frozen=True, slots=True)
class FleetReport:
    premises: int
    devices: int
    history_lines: int
    registrations: int
    by_type: dict[str, int]
    load_seconds: float
    index_seconds: float


def _refuse_loaded(store: Store, first: int) -> None:
    """Premises `first` already loaded: say so and where the fleet ends, before any write
    (otherwise the load fails half-way on a unique key)."""
    with store.read() as tx:

        def loaded(number: int) -> bool:
            return tx.devices.get(device_id(number, DeviceType.CHF), with_history=False) is not None

        if not loaded(first):
            return
        low, high = first, MAX_PREMISES  # loaded(low); find the first free number after it
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if loaded(middle) else (low, middle)
    raise InvalidValue(
        f"premises {first} of the fleet is already in the SMI (generated "
        f"before?): add more with --first-premises {high}"
    )


def ensure_reference_data(store: Store) -> None:
    """The fleet's Parties, Users and CPL entries (idempotent; an existing User, e.g. one a
    load generator registered with a key, is left as it is)."""
    with store.transaction() as tx:
        for party in (*SUPPLIERS, *DISTRIBUTORS.values(), TRANSPORTER):
            if tx.users.get(party.user_id) is None:
                tx.users.ensure_party(Party(party.party_id, party.name))
                tx.users.put(User(party.user_id, party.party_id, party.name, party.roles))
        for dtype, models in MODELS.items():
            for model in models:
                variants = (
                    (SmetsVariant.SMETS1, SmetsVariant.SMETS2)
                    if dtype is DeviceType.PPMID
                    else (SmetsVariant.SMETS2,)
                )
                for variant in variants:
                    tx.cpl.put(CplEntry(CplKey(model, dtype, variant)))


@dataclass(frozen=True, slots=True)
class _TypeRow:
    """What every device of one type shares, worked out once (the loader's inner loop)."""

    value: str
    id_bits: int
    models: tuple[tuple[str, str, str, str], ...]
    version: str
    has_status: bool
    hub: bool


_TYPE_ROWS = {
    dtype: _TypeRow(
        dtype.value,
        _ID_BASE | (_TYPE_NIBBLE[dtype] << 36),
        tuple(
            (m.manufacturer, m.model, m.hardware_version, m.firmware_version) for m in MODELS[dtype]
        ),
        HUB_VERSION if dtype in (DeviceType.CHF, DeviceType.GPF) else METER_VERSION,
        dtype.has_smi_status,
        dtype in (DeviceType.CHF, DeviceType.GPF),
    )
    for dtype in _TYPE_NIBBLE
}


def premises_rows(number: int, now: datetime) -> Premises:
    """One premises as table rows (store/bulk.py column order). Its SM WAN rows are those
    the lifecycle would have written: an installed hub has coverage (8.14.1), and the
    installed devices joined its HAN with their install codes, so device commands reach
    them as they would a real fleet's."""
    p = plan(number)
    installed = now - timedelta(days=30 + int(_fraction(number, 5) * 2500))
    status_date = installed + timedelta(days=1)
    supplier = p.supplier.user_id.signed
    distributor = DISTRIBUTORS[p.region].user_id.signed
    transporter = TRANSPORTER.user_id.signed
    chf = device_id(number, DeviceType.CHF).signed
    code = postcode(number, p.region)
    uprn = str(10_000_000 + number)
    region = p.region.value
    meter_status = p.status.value
    # Suspended is a meter and PPMID status; the hub of such a premises stays Commissioned.
    hub_status = SmiStatus.COMMISSIONED.value if p.status is SmiStatus.SUSPENDED else meter_status
    devices: list[DeviceRow] = []
    history: list[HistoryRow] = []
    model_pick = _fraction(number, 6)
    for dtype in p.device_types:
        t = _TYPE_ROWS[dtype]
        did = t.id_bits | number
        status = (hub_status if t.hub else meter_status) if t.has_status else None
        mpxn: str | None
        operator: int | None
        if dtype is DeviceType.ESME:
            mpxn, operator = p.mpan, distributor
        elif dtype is DeviceType.GSME:
            mpxn, operator = p.mprn, transporter
        else:
            mpxn = operator = None
        devices.append(
            (
                did,
                t.value,
                *t.models[int(model_pick * len(t.models))],
                t.version,
                status,
                status_date if status else None,
                mpxn,
                uprn,
                code,
                None if dtype is DeviceType.CHF else chf,
                supplier,
                supplier,
                operator,
                False,
                region,
                status is not None and status != "Pending",
            )
        )
        if status is not None:
            history.append((did, status, status_date, REASON, supplier))
    registrations: list[RegistrationRow] = [(p.mpan, supplier, installed, installed, installed)]
    if p.mprn:
        registrations.append((p.mprn, supplier, installed, installed, installed))
    hubs, han = _wan_rows(chf, hub_status, devices)
    return devices, history, registrations, hubs, han


_ON_WAN = frozenset(
    s.value
    for s in (SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.COMMISSIONED, SmiStatus.SUSPENDED)
)
"""The SMI statuses of a device that is installed: its hub on the SM WAN, itself on the HAN."""
_HUBS = frozenset({DeviceType.CHF.value, DeviceType.GPF.value})


def _wan_rows(
    chf: int, hub_status: str | None, devices: list[DeviceRow]
) -> tuple[list[HubRow], list[HanRow]]:
    if hub_status not in _ON_WAN:
        return [], []
    han = [
        (row[0], chf, True)
        for row in devices
        if row[1] not in _HUBS and (row[7] is None or row[7] in _ON_WAN)
    ]
    return [(chf, True)], han


def generate_fleet(
    store: Store,
    clock: Clock,
    *,
    devices: int,
    first_premises: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> FleetReport:
    """Load premises from `first_premises` on until at least `devices` devices are written.

    Into an empty SMI the secondary indexes are dropped first and built once at the end
    (one sort each instead of ten million index insertions); into a non-empty one rows go
    in with the indexes in place. Statistics are refreshed afterwards either way.
    """
    _refuse_loaded(store, first_premises)
    ensure_reference_data(store)
    now = clock.now()
    by_type: dict[str, int] = {}
    written = history_lines = registration_rows = 0
    number = first_premises

    def rows() -> Iterator[Premises]:
        nonlocal written, history_lines, registration_rows, number
        while written < devices:
            if number >= MAX_PREMISES:
                raise ValueError("device IDs of the fleet are exhausted")
            premises = premises_rows(number, now)
            d, h, r = premises[0], premises[1], premises[2]
            number += 1
            written += len(d)
            history_lines += len(h)
            registration_rows += len(r)
            for row in d:
                by_type[row[1]] = by_type.get(row[1], 0) + 1
            if on_progress and number % 10_000 == 0:
                on_progress(written)
            yield premises

    timings = FleetLoad(store).load(rows())
    if on_progress:
        on_progress(written)
    return FleetReport(
        number - first_premises,
        written,
        history_lines,
        registration_rows,
        by_type,
        timings.load_seconds,
        timings.index_seconds,
    )
