"""What an emulated ESME holds, for its GBCS Responses (docs/gbcs.md, "ESME").

Measured values follow from the register of wan/registers.py, deterministic under the WAN
seed and growing with time: the half-hour profile and the daily consumption are differences
of it, the daily read log and the billing data log are its value at midnight, the power is
its growth over the last hour. The logs start when the register does (2020-01-01): a log
read of an earlier period has no entries.

The rest is configuration. `CONFIGURATION` gives the defaults an emulated ESME reports:
GB defaults (230 V nominal, the thresholds of the DCC Boxed templates' 6.5 request), a
single-rate credit tariff and no debt. What a set command the device executed changed
(supply, tariff, randomised offset limit, load limit) overrides them per device
(wan/device_state.py); any other command is acknowledged, not remembered (docs/gbcs.md
"Device state").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gbdsp.domain.ids import DeviceId
from gbdsp.wan.registers import EPOCH, import_energies, import_energy

HALF_HOUR = timedelta(minutes=30)
DAY = timedelta(days=1)
MAX_ENTRIES = 1440
"""At most this many log entries in one Response (30 days of half hours): gbdsp does not
segment (no GBT), so a Response must fit one APDU."""


@dataclass(frozen=True, slots=True)
class Configuration:
    """An emulated ESME's configuration (all units as GBCS carries them)."""

    rms_voltage: tuple[int, ...] = (287, 30, 180, 30, 216, 30, 253, 30)
    """Extreme over-voltage threshold (V) and period (s), extreme under-voltage, sag, swell."""
    average_rms_voltage: tuple[int, int] = (264, 200)
    """Average RMS over- and under-voltage thresholds (V)."""
    average_rms_period: int = 1800
    """The measuring period of the average RMS voltage profile (s)."""
    randomisation: tuple[int, int, int] = (200, 1800, 1800)
    """Randomised offset number, offset limit and limit of the data-sending offset (s)."""
    power_thresholds: tuple[int, int] = (2300, 4600)
    """Low-medium and medium-high instantaneous power thresholds (W)."""
    load_limit: tuple[int, int, int] = (12000, 60, 30)
    """Load limit power threshold (W), restoration and measurement periods (s)."""
    unit_price: int = 24500
    """The single-rate import price, 1/100000 of the currency unit per kWh (24.5 p)."""
    standing_charge: int = 6000
    """The standing charge, 1/10000 of the currency unit a day (60 p)."""
    meter_balance: int = 2_500_000
    """Credit mode: the meter balance the ESME shows, 1/100000 of the currency unit."""
    emergency_credit_limit: int = 500_000
    low_credit_threshold: int = 100_000
    maximum_meter_balance: int = 100_000_000
    maximum_credit_threshold: int = 10_000_000
    debt_recovery_rate_cap: tuple[int, int] = (1_000_000, 604800)
    """Debt recovery rate cap amount and period (s)."""
    billing_time: bytes = bytes(4)
    """The billing calendar: at 00:00:00.00 on the first of every month."""


CONFIGURATION = Configuration()


@dataclass(frozen=True, slots=True)
class Meter:
    """The registers of one emulated ESME (wan/registers.py) and the logs made from them."""

    seed: int
    meter: DeviceId

    def active_import(self, at: datetime) -> int:
        """Total active import (Wh)."""
        return import_energy(self.seed, self.meter, at).active_import_wh

    def reactive_import(self, at: datetime) -> int:
        """Total reactive import (varh)."""
        return import_energy(self.seed, self.meter, at).reactive_import_varh

    def power(self, at: datetime) -> int:
        """Active import power (W): the register's growth over the last hour."""
        return self.active_import(at) - self.active_import(at - timedelta(hours=1))

    def maximum_demand(self, at: datetime) -> int:
        """The maximum active import power (W) since the last reset: the hourly power is
        constant for an emulated meter, so it is the power."""
        return self.power(at)

    def half_hours(
        self, start: datetime, end: datetime, at: datetime
    ) -> list[tuple[datetime, int, int]]:
        """(end of each half hour, active Wh, reactive varh consumed in it) in [start, end],
        none after `at` or before the register starts, at most MAX_ENTRIES (the latest)."""
        times = _steps(start, end, at, HALF_HOUR)
        if not times:
            return []
        readings = import_energies(self.seed, self.meter, [times[0] - HALF_HOUR, *times])
        return [
            (
                t,
                now.active_import_wh - before.active_import_wh,
                now.reactive_import_varh - before.reactive_import_varh,
            )
            for t, before, now in zip(times, readings, readings[1:], strict=False)
        ]

    def registers(self, times: list[datetime]) -> list[int]:
        """Total active import (Wh) at each of `times`."""
        return [r.active_import_wh for r in import_energies(self.seed, self.meter, times)]

    def midnights(self, start: datetime, end: datetime, at: datetime) -> list[datetime]:
        """Each midnight (UTC) in [start, end], as `half_hours` bounds them."""
        return _steps(start, end, at, DAY)

    def month_starts(self, start: datetime, end: datetime, at: datetime) -> list[datetime]:
        """Midnight on the first of each month in [start, end]: when the billing calendar
        (`Configuration.billing_time`) captures the billing data log."""
        found: list[datetime] = []
        t = _month(max(start, EPOCH))
        while t <= min(end, at) and len(found) < MAX_ENTRIES:
            if t >= start:
                found.append(t)
            t = _month(t + timedelta(days=32))
        return found


def _steps(start: datetime, end: datetime, at: datetime, step: timedelta) -> list[datetime]:
    first = max(start, EPOCH + step)
    offset = (first - EPOCH) % step
    t = first if not offset else first + (step - offset)
    last = min(end, at)
    if t > last:
        return []
    count = min(int((last - t) / step) + 1, MAX_ENTRIES)
    t = t + step * (int((last - t) / step) + 1 - count)
    return [t + step * i for i in range(count)]


def _month(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=UTC)
