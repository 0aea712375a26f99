"""Parsing of the enumerations (statuses, types, roles) that users type or files carry."""

from enum import Enum
from typing import TypeVar

from gbdsp.domain.errors import InvalidValue

E = TypeVar("E", bound=Enum)


def parse_enum(cls: type[E], text: str, what: str) -> E:
    """Parse by value or name, forgiving case and surrounding space; list the choices if not."""
    wanted = text.strip().casefold()
    for member in cls:
        if str(member.value).casefold() == wanted or member.name.casefold() == wanted:
            return member
    choices = ", ".join(str(m.value) for m in cls)
    raise InvalidValue(f"unknown {what} {text!r} (one of: {choices})")
