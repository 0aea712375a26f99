"""A-XDR Data (IEC 62056-6-2 / DLMS Green Book 9.5 "Data"), typed, for ESME payloads.

Each value knows its tagged encoding (the CHOICE tag then the content), its untagged
content and its type description, so the same rows make an ordinary array or a
compact-array (Green Book 9.5 compact-array: a type description, then the contents of every
element without tags, under one length). GBCS 10 carries logs and profiles as compact arrays
(the RTDS 4.5.0 ECS20-ECS22 responses).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs.encoding import dlms_date_time, length

NULL, ARRAY, STRUCTURE, BOOLEAN, BIT_STRING = 0x00, 0x01, 0x02, 0x03, 0x04
DOUBLE_LONG, DOUBLE_LONG_UNSIGNED, OCTET_STRING, VISIBLE_STRING = 0x05, 0x06, 0x09, 0x0A
UTF8_STRING = 0x0C
INTEGER, LONG, UNSIGNED, LONG_UNSIGNED, COMPACT_ARRAY, ENUM = 0x0F, 0x10, 0x11, 0x12, 0x13, 0x16

_SIZES = {
    BOOLEAN: (1, False),
    DOUBLE_LONG: (4, True),
    DOUBLE_LONG_UNSIGNED: (4, False),
    INTEGER: (1, True),
    LONG: (2, True),
    UNSIGNED: (1, False),
    LONG_UNSIGNED: (2, False),
    ENUM: (1, False),
}


class Data:
    """One A-XDR value."""

    tag: int

    def content(self) -> bytes:
        """The value without its tag (a compact-array element)."""
        raise NotImplementedError

    def type_description(self) -> bytes:
        return bytes([self.tag])

    def encode(self) -> bytes:
        return bytes([self.tag]) + self.content()


@dataclass(frozen=True, slots=True)
class Number(Data):
    """An integer type of fixed size: boolean, (unsigned) integer, long, double-long, enum."""

    tag: int
    value: int

    def __post_init__(self) -> None:
        size, signed = _SIZES[self.tag]
        low, high = (-(1 << (8 * size - 1)), 1 << (8 * size - 1)) if signed else (0, 1 << 8 * size)
        if not low <= self.value < high:
            raise InvalidValue(f"{self.value} does not fit A-XDR type {self.tag:#04x}")

    def content(self) -> bytes:
        size, signed = _SIZES[self.tag]
        return self.value.to_bytes(size, "big", signed=signed)


@dataclass(frozen=True, slots=True)
class Octets(Data):
    """octet-string or visible-string: a length, then the octets."""

    tag: int
    value: bytes

    def content(self) -> bytes:
        return length(len(self.value)) + self.value


@dataclass(frozen=True, slots=True)
class Bits(Data):
    """bit-string: the number of bits, then the bits, first bit in the top of the first octet."""

    bits: str
    tag: int = BIT_STRING

    def content(self) -> bytes:
        if set(self.bits) - {"0", "1"}:
            raise InvalidValue("a bit-string is made of 0 and 1")
        padded = self.bits + "0" * (-len(self.bits) % 8)
        octets = int(padded, 2).to_bytes(len(padded) // 8, "big") if padded else b""
        return length(len(self.bits)) + octets


@dataclass(frozen=True, slots=True)
class Encoded(Data):
    """A value encoded once (a constant configuration a device reports again and again)."""

    encoding: bytes
    tag: int = NULL

    def __post_init__(self) -> None:
        if not self.encoding:
            raise InvalidValue("an encoded value has at least its tag")
        object.__setattr__(self, "tag", self.encoding[0])

    def encode(self) -> bytes:
        return self.encoding

    def content(self) -> bytes:
        raise InvalidValue("an encoded value is not a compact-array element")


@dataclass(frozen=True, slots=True)
class Null(Data):
    tag: int = NULL

    def content(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class Structure(Data):
    items: tuple[Data, ...]
    tag: int = STRUCTURE

    def content(self) -> bytes:
        return b"".join(item.content() for item in self.items)

    def encode(self) -> bytes:
        return bytes([STRUCTURE, len(self.items)]) + b"".join(i.encode() for i in self.items)

    def type_description(self) -> bytes:
        return bytes([STRUCTURE, len(self.items)]) + b"".join(
            i.type_description() for i in self.items
        )


@dataclass(frozen=True, slots=True)
class Array(Data):
    """array: a count, then the tagged elements (in a compact array: a fixed count)."""

    items: tuple[Data, ...]
    tag: int = ARRAY

    def content(self) -> bytes:
        return b"".join(item.content() for item in self.items)

    def encode(self) -> bytes:
        if len(self.items) > 0x7F:
            raise InvalidValue("arrays of more than 127 elements are not encoded here")
        return bytes([ARRAY, len(self.items)]) + b"".join(i.encode() for i in self.items)

    def type_description(self) -> bytes:
        if not self.items:
            raise InvalidValue("an empty array has no type description")
        return (
            bytes([ARRAY]) + len(self.items).to_bytes(2, "big") + self.items[0].type_description()
        )


@dataclass(frozen=True, slots=True)
class CompactArray(Data):
    """compact-array of rows of one type (Green Book 9.5): the type of `prototype` (a row
    of that type, needed when there are no rows), then the untagged contents of all rows
    under one length. Every row must have that type; the first is checked (checking each
    row costs as much as encoding it, and the builders make all rows alike)."""

    rows: tuple[Data, ...]
    prototype: Data
    tag: int = COMPACT_ARRAY

    def content(self) -> bytes:
        kind = self.prototype.type_description()
        body = b"".join(row.content() for row in self.rows)
        if self.rows and self.rows[0].type_description() != kind:
            raise InvalidValue("the rows of a compact array are not of the prototype's type")
        return kind + length(len(body)) + body


_FORMATS = {BOOLEAN: "B", DOUBLE_LONG: "i", DOUBLE_LONG_UNSIGNED: "I", INTEGER: "b", LONG: "h"}
_FORMATS |= {UNSIGNED: "B", LONG_UNSIGNED: "H", ENUM: "B"}


def _numbers(value: Data) -> str:
    """The struct format of a row made of numbers only (arrays and structures of them)."""
    if isinstance(value, Number):
        return _FORMATS[value.tag]
    if isinstance(value, Structure | Array):
        return "".join(_numbers(item) for item in value.items)
    raise InvalidValue("only rows of numbers are packed")


@dataclass(frozen=True, slots=True)
class NumberRows(Data):
    """A compact array whose rows are numbers only, given as tuples of ints in the order of
    `prototype`'s values: packed at once (a profile or daily log of many entries), the same
    octets as `CompactArray` of the typed rows."""

    prototype: Data
    rows: tuple[tuple[int, ...], ...]
    tag: int = COMPACT_ARRAY

    def content(self) -> bytes:
        layout = struct.Struct(">" + _numbers(self.prototype))
        try:
            body = b"".join(layout.pack(*row) for row in self.rows)
        except struct.error as e:
            raise InvalidValue(f"a log row does not fit its types: {e}") from e
        return self.prototype.type_description() + length(len(body)) + body


# -- constructors, named as the Green Book names the types ------------------------------------


def boolean(value: bool) -> Number:
    return Number(BOOLEAN, 0xFF if value else 0x00)


def double_long(value: int) -> Number:
    return Number(DOUBLE_LONG, value)


def double_long_unsigned(value: int) -> Number:
    return Number(DOUBLE_LONG_UNSIGNED, value)


def integer(value: int) -> Number:
    return Number(INTEGER, value)


def long(value: int) -> Number:
    return Number(LONG, value)


def unsigned(value: int) -> Number:
    return Number(UNSIGNED, value)


def long_unsigned(value: int) -> Number:
    return Number(LONG_UNSIGNED, value)


def enum(value: int) -> Number:
    return Number(ENUM, value)


def octet_string(value: bytes) -> Octets:
    return Octets(OCTET_STRING, value)


def visible_string(text: str) -> Octets:
    return Octets(VISIBLE_STRING, text.encode("ascii"))


def utf8_string(text: str) -> Octets:
    return Octets(UTF8_STRING, text.encode("utf-8"))


def encoded(value: Data) -> Encoded:
    return Encoded(value.encode())


def structure(*items: Data) -> Structure:
    return Structure(tuple(items))


def array(items: Sequence[Data]) -> Array:
    return Array(tuple(items))


def compact_array(rows: Sequence[Data], prototype: Data) -> CompactArray:
    return CompactArray(tuple(rows), prototype)


def scaler_unit(scaler: int, unit: int) -> Structure:
    """Blue Book 4.3.2 scaler_unit: 10^scaler, unit enum (30 Wh, 32 varh, 27 W...)."""
    return structure(integer(scaler), enum(unit))


def date_time(at: datetime) -> Octets:
    """A COSEM date-time (12 octets) as an octet-string."""
    return octet_string(dlms_date_time(at))


GBCS_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def seconds(at: datetime) -> int:
    """Seconds since 2000-01-01 UTC, the time stamp of the GBCS compact-array log entries
    (RTDS ECS20-ECS22: 473299200 is 2014-12-31 00:00)."""
    return int((at.astimezone(UTC) - GBCS_EPOCH).total_seconds())


def utc_seconds(at: datetime) -> Number:
    """`seconds` as a double-long-unsigned."""
    return double_long_unsigned(seconds(at))
