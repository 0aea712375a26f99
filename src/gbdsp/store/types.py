"""Column types that turn domain values into rows and back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from gbdsp.domain.ids import DeviceId, Eui64, UserId


class _Eui(TypeDecorator[Eui64]):
    """An EUI-64 in a signed BIGINT: 8 bytes a key instead of 23 characters, which is
    what keeps tens of millions of device rows and their indexes small (docs/storage.md)."""

    impl = BigInteger
    cache_ok = True
    kind: type[Eui64] = Eui64

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return int(value.signed)

    def process_result_value(self, value: Any, dialect: Dialect) -> Eui64 | None:
        return None if value is None else self.kind.from_signed(value)


class DeviceIdType(_Eui):
    cache_ok = True
    kind = DeviceId


class UserIdType(_Eui):
    cache_ok = True
    kind = UserId


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (no zone support) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use a Clock")
        utc: datetime = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)
