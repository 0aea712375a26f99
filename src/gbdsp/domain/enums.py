"""Parsing of the enumerations (statuses, types, roles) that users type or files carry."""

from enum import Enum
from functools import cache
from typing import TypeVar

from gbdsp.domain.errors import InvalidValue

E = TypeVar("E", bound=Enum)


def parse_enum(cls: type[E], text: str, what: str) -> E:
    """Parse by value or name, forgiving case and surrounding space; list the choices if not."""
    member: E | None = _spellings(cls).get(text.strip().casefold())
    if member is None:
        choices = ", ".join(str(m.value) for m in cls)
        raise InvalidValue(f"unknown {what} {text!r} (one of: {choices})")
    return member


@cache
def _spellings(cls: type[E]) -> dict[str, E]:
    """Every accepted spelling of every member, built once per enum (bulk imports parse
    millions of these)."""
    table: dict[str, E] = {}
    for member in cls:
        table[member.name.casefold()] = member
    for member in cls:
        table[str(member.value).casefold()] = member
    return table
