"""CPL use cases: import and list the Central Products List."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.csvformat import parse_cpl
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.products import CplEntry
from gbdsp.domain.rules import rules_on
from gbdsp.services.inventory import RowError
from gbdsp.store.store import Store


@dataclass(slots=True)
class CplImportReport:
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0


def import_cpl(
    store: Store,
    clock: Clock,
    config: Config,
    rows: Iterable[tuple[int, Mapping[str | None, Any]]],
    *,
    on_error: Callable[[RowError], None],
) -> CplImportReport:
    """Add CPL entries or change their status. The CPL is small (thousands of rows), so
    the whole file is one transaction: all good rows land together. MP202 decides whether
    a PPMID's two SMETS rows may share a firmware version."""
    mp202 = rules_on(config.rule_settings(), clock.now().date()).mp202
    report = CplImportReport()
    with store.transaction() as tx:
        existing = tx.cpl.all()
        for line, row in rows:
            try:
                entry = parse_cpl(row)
                conflict = mp202.cpl_conflict(entry, existing)
                if conflict:
                    raise InvalidValue(conflict)
            except InvalidValue as e:
                report.rejected += 1
                on_error(RowError(line, str(e)))
                continue
            existing.append(entry)
            if tx.cpl.put(entry):
                report.changed += 1
            else:
                report.unchanged += 1
    return report


def list_cpl(store: Store) -> list[CplEntry]:
    with store.read() as tx:
        return tx.cpl.all()
