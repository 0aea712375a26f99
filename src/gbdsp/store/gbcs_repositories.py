"""GBCS certificates of Users and the ACB (docs/gbcs.md): one per party and kind, kept as
DER; services/gbcs_parties.py reads them as checked certificates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from gbdsp.domain.ids import UserId
from gbdsp.store.tables import gbcs_certificates as t


@dataclass(frozen=True, slots=True)
class GbcsCertificateRow:
    party: int
    """The EUI-64 as an integer."""
    kind: str
    """ds, ka or pp-ka."""
    der: bytes


class GbcsCertificateRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, row: GbcsCertificateRow, serial: int) -> None:
        """Register (or replace) the party's certificate of this kind."""
        party = UserId(row.party)
        self._conn.execute(t.delete().where(t.c.party == party, t.c.kind == row.kind))
        self._conn.execute(
            insert(t).values(
                party=party, kind=row.kind, serial=str(serial), certificate_der=row.der
            )
        )

    def get(self, party: int, kind: str) -> GbcsCertificateRow | None:
        found = self._conn.execute(
            select(t.c.party, t.c.kind, t.c.certificate_der).where(
                t.c.party == UserId(party), t.c.kind == kind
            )
        ).first()
        return None if found is None else _row(found)

    def of_party(self, party: int) -> list[GbcsCertificateRow]:
        return [
            _row(r)
            for r in self._conn.execute(
                select(t.c.party, t.c.kind, t.c.certificate_der)
                .where(t.c.party == UserId(party))
                .order_by(t.c.kind)
            )
        ]

    def by_serial(self, serial: int) -> GbcsCertificateRow | None:
        found = self._conn.execute(
            select(t.c.party, t.c.kind, t.c.certificate_der).where(t.c.serial == str(serial))
        ).first()
        return None if found is None else _row(found)

    def all(self) -> list[GbcsCertificateRow]:
        return [
            _row(r)
            for r in self._conn.execute(
                select(t.c.party, t.c.kind, t.c.certificate_der).order_by(t.c.party, t.c.kind)
            )
        ]


def _row(r: Row[Any, Any, Any]) -> GbcsCertificateRow:
    return GbcsCertificateRow(r.party.value, r.kind, bytes(r.certificate_der))
