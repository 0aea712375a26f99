"""The emulated meters' registers: deterministic under the WAN seed, growing with time.

Each meter gets a starting reading and an hourly consumption drawn from the seed and its
Device ID (an electricity meter 100-610 Wh an hour, about 0.9-5.3 MWh a year; a gas meter
50-305 litres an hour), so two reads an hour apart differ by that much and the same read
at the same time always gives the same value.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime

from gbdsp.domain.ids import DeviceId
from gbdsp.gbcs.responses import GasConsumption, ImportEnergy

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
"""Readings start at the drawn base on this date."""


def _draw(seed: int, device_id: DeviceId) -> bytes:
    return hmac.new(
        str(seed).encode(), b"register:" + device_id.hex.encode(), hashlib.sha256
    ).digest()


def _hours(at: datetime) -> float:
    return max(0.0, (at - EPOCH).total_seconds() / 3600)


def import_energy(seed: int, device_id: DeviceId, at: datetime) -> ImportEnergy:
    return import_energies(seed, device_id, [at])[0]


def import_energies(
    seed: int, device_id: DeviceId, times: Sequence[datetime]
) -> list[ImportEnergy]:
    """`import_energy` at each of `times`, drawing the meter's base and rate once (a log
    read takes many readings)."""
    draw = _draw(seed, device_id)
    base, rate = int.from_bytes(draw[:3], "big"), 100 + 2 * draw[3]
    found = []
    for at in times:
        active = (base + int(rate * _hours(at))) % 2**32
        found.append(ImportEnergy(active_import_wh=active, reactive_import_varh=active // 20))
    return found


def gas_register(seed: int, device_id: DeviceId, at: datetime) -> GasConsumption:
    draw = _draw(seed, device_id)
    base = int.from_bytes(draw[:3], "big")
    return GasConsumption(litres=(base + int((50 + draw[3]) * _hours(at))) % 2**48)
