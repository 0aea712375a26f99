"""Service reports: DUIS outcomes per SRV and User (MP169 BR 6), and the firmware of
Restricted devices (MP169 risk R-001)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.response_codes import SUCCESS
from gbdsp.domain.rules.mp169 import RESTRICTED_CODE
from gbdsp.store.store import Store

FIRMWARE_SRVS = ("11.1", "11.2", "11.3")
"""Update Firmware, Read Firmware Version, Activate Firmware."""


@dataclass(frozen=True, slots=True)
class SrOutcomes:
    """Requests of one SRV by one User: success rate counts refusals for Restricted mode
    apart, so a consumer's choice does not count as a failure of the service (BR 6)."""

    srv: str
    user_id: UserId | None
    region: str | None
    """The CSP region of the target device (None for non-device requests)."""
    succeeded: int
    failed: int
    restricted: int

    @property
    def success_rate(self) -> float | None:
        measured = self.succeeded + self.failed
        return self.succeeded / measured if measured else None


def sr_outcomes(store: Store) -> list[SrOutcomes]:
    with store.read() as tx:
        rows = tx.reports.request_outcomes()
    grouped: dict[tuple[str, UserId | None, str | None], list[int]] = {}
    for srv, user, region, outcome, count in rows:
        entry = grouped.setdefault((srv, user, region), [0, 0, 0])
        index = 0 if outcome in SUCCESS else 2 if outcome == RESTRICTED_CODE else 1
        entry[index] += count
    return [
        SrOutcomes(srv, user, region, *counts)
        for (srv, user, region), counts in sorted(
            grouped.items(), key=lambda kv: (kv[0][0], str(kv[0][1]), str(kv[0][2]))
        )
    ]


@dataclass(frozen=True, slots=True)
class RestrictedFirmware:
    device_id: DeviceId
    device_type: str
    firmware: str
    newest_on_cpl: str
    failed_updates: int


def restricted_firmware(store: Store) -> list[RestrictedFirmware]:
    """Restricted meters whose firmware is behind the newest CPL version of their model, or
    whose firmware updates (11.x) have failed: to take up with the consumer (R-001)."""
    with store.read() as tx:
        restricted = tx.reports.restricted_meters()
        newest = tx.reports.newest_active_firmware()
        failures = tx.reports.failures_per_device(FIRMWARE_SRVS, [str(c) for c in SUCCESS])
    report = []
    for device_id, dtype, manufacturer, model, firmware in restricted:
        latest = newest.get((manufacturer, model, dtype), firmware)
        failed = failures.get(device_id, 0)
        if firmware < latest or failed:
            report.append(RestrictedFirmware(device_id, dtype, firmware, latest, failed))
    return report


@dataclass(frozen=True, slots=True)
class OutcomeProfile:
    """A User's DUIS requests over recent days: how many got each response code, and per
    day how many succeeded, failed, or were refused for Restricted mode (BR 6)."""

    by_code: list[tuple[str, int]]
    by_day: list[tuple[date, int, int, int]]


def outcome_profile(
    store: Store, users: Collection[UserId], until: datetime, days: int = 30
) -> OutcomeProfile:
    since = until - timedelta(days=days)
    with store.read() as tx:
        rows = tx.reports.request_outcomes_of(users, since)
    codes: dict[str, int] = {}
    per_day = {since.date() + timedelta(days=n + 1): [0, 0, 0] for n in range(days)}
    for at, outcome in rows:
        codes[outcome] = codes.get(outcome, 0) + 1
        entry = per_day.setdefault(at.date(), [0, 0, 0])
        entry[0 if outcome in SUCCESS else 2 if outcome == RESTRICTED_CODE else 1] += 1
    return OutcomeProfile(
        sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])),
        [(day, c[0], c[1], c[2]) for day, c in sorted(per_day.items())],
    )
