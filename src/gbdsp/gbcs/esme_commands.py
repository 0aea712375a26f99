"""Critical ESME Commands built from their DLMS requests, and the ESME's signed Responses to
them (GBCS 7.2, 10.2.1; docs/gbcs.md "Critical ESME commands").

A Command is an xDLMS Access-Request: the list of request specifications (SET or ACTION of
a COSEM attribute or method, GET of an attribute) and the list of their data, in the same
order. Its pre-command is the unsigned General-Signing APDU, the User as originator (as
gbcs/commands.py makes them). The Response, signed with the device's DS key and not MACed,
has one datum per request (null for a SET or ACTION, the attribute read for a GET) and one
success each; the use cases that set a configuration with an activation time carry the
device's time in the grouping header, as the RTDS 4.5.0 Responses do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dlms
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.dlms_data import (
    Data,
    Null,
    array,
    date_time,
    enum,
    integer,
    long_unsigned,
    octet_string,
    structure,
    unsigned,
    utc_seconds,
)
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.esme import ACTION, GET, SET
from gbdsp.gbcs.frames import GroupingHeader, general_signing

ACCESS_REQUEST = 0xD9
GET_WITH_SELECTION = 4
"""The Access-Request-Specification CHOICE of a GET with a selective access descriptor
(GBCS 10.2.1; answered as a GET)."""
SELECTOR_RANGE = 1
"""DLMS selective access by range (a profile's entries between two values of a column)."""
NULL = Null()
CLOCK_CLASS = 8
CLOCK_TIME, CLOCK_STATUS = 2, 4
"""COSEM Clock (class 8) attributes a command may read back: the time and its status."""


class CriticalCode(IntEnum):
    """The critical ESME use cases encoded here (GBCS message codes)."""

    ECS02 = 0x001A
    ECS03 = 0x001B
    ECS07 = 0x001E
    ECS28A = 0x0043
    ECS47 = 0x0055
    ECS70 = 0x0062
    ECS47A = 0x011E
    ECS47E = 0x011F
    ECS08A = 0x00DE
    ECS46C = 0x0054
    ECS46D = 0x011A
    ECS01A = 0x0019
    ECS01B = 0x00A2
    ECS01C = 0x00B7
    ECS01D = 0x00C7

    @property
    def title(self) -> str:
        return CRITICAL_TITLES[self]


CRITICAL_TITLES = {
    CriticalCode.ECS02: "ECS02 Set ESME Payment Mode to Credit",
    CriticalCode.ECS03: "ECS03 Set ESME Payment Mode to Prepayment",
    CriticalCode.ECS07: "ECS07 Manage Debt on the ESME",
    CriticalCode.ECS28A: "ECS28a Set Load Limit Configurations - General Settings",
    CriticalCode.ECS47: "ECS47 Set or Reset HC ALCS or ALCS State",
    CriticalCode.ECS70: "ECS70 Set Clock on ESME",
    CriticalCode.ECS47A: "ECS47a Set Auxiliary Controller [n] State",
    CriticalCode.ECS47E: "ECS47e Limit APC [n] Level",
    CriticalCode.ECS08A: "ECS08a Update Prepayment Configuration on ESME",
    CriticalCode.ECS46C: "ECS46c Set HC ALCS and ALCS configuration in ESME (excluding labels)",
    CriticalCode.ECS46D: "ECS46d Set Auxiliary Controller Calendar",
    CriticalCode.ECS01A: "ECS01a Set Tariff and Price on ESME",
    CriticalCode.ECS01B: "ECS01b Set Price on ESME",
    CriticalCode.ECS01C: "ECS01c Set Tariff and Price on ESME secondary",
    CriticalCode.ECS01D: "ECS01d Set Price on ESME secondary",
}
DATED = frozenset(
    {
        CriticalCode.ECS02,
        CriticalCode.ECS03,
        CriticalCode.ECS28A,
        CriticalCode.ECS08A,
        CriticalCode.ECS46C,
        CriticalCode.ECS46D,
        CriticalCode.ECS01A,
        CriticalCode.ECS01B,
        CriticalCode.ECS01C,
        CriticalCode.ECS01D,
    }
)
"""Responses that carry the device's time (the use cases with an activation time)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request of an Access-Request: GET, SET or ACTION of `member` (attribute or
    method) of the COSEM object `obis` of `class_id`, with its datum (null for a GET); a GET
    with `selection` is a GET with selection by range, the range's parameters inside the
    specification (GBCS 10.2.1; RTDS's profile reads)."""

    access: int
    class_id: int
    obis: bytes
    member: int
    value: Data = NULL
    selection: Data | None = None

    def __post_init__(self) -> None:
        if self.access not in (GET, SET, ACTION) or len(self.obis) != 6:
            raise InvalidValue("a request is a GET, SET or ACTION of a 6-octet OBIS code")
        if self.selection is not None and self.access != GET:
            raise InvalidValue("only a GET has a selective access")

    def specification(self) -> bytes:
        access = self.access if self.selection is None else GET_WITH_SELECTION
        head = bytes([access]) + uint(self.class_id, 2) + self.obis + bytes([self.member])
        if self.selection is None:
            return head
        return head + bytes([SELECTOR_RANGE]) + self.selection.encode()


def obis(a: int, b: int, c: int, d: int, e: int, f: int = 0xFF) -> bytes:
    """An OBIS code A-B:C.D.E.F as its six octets."""
    return bytes([a, b, c, d, e, f])


def access_request(counter: int, requests: Sequence[Request]) -> bytes:
    """xDLMS Access-Request: invoke id from the counter, no date-time, the specifications,
    then the data (GBCS 10.2.1)."""
    if not 0 < len(requests) < 0x80:
        raise InvalidValue("an Access-Request has 1 to 127 requests")
    head = bytes([ACCESS_REQUEST, dlms.INVOKE_FLAGS]) + uint(counter & 0xFFFFFF, 3) + b"\x00"
    return (
        head
        + bytes([len(requests)])
        + b"".join(r.specification() for r in requests)
        + bytes([len(requests)])
        + b"".join(r.value.encode() for r in requests)
    )


def pre_command(
    code: CriticalCode, user: bytes, device: bytes, counter: int, requests: Sequence[Request]
) -> bytes:
    """The unsigned General-Signing APDU (no signature block: the User's signer appends
    `40` and the signature)."""
    header = GroupingHeader(Cra.COMMAND, counter, user, device, code)
    return general_signing(header, access_request(counter, requests))[:-1]


def specifications(command: bytes) -> list[tuple[int, int, int]]:
    """(access, class, member) of each request of an Access-Request we encoded (each
    specification is 10 octets: access, class (2), OBIS (6), member)."""
    if command[:1] != bytes([ACCESS_REQUEST]) or len(command) < 7:
        raise InvalidValue("not a DLMS Access-Request")
    count, found = command[6], []
    for i in range(count):
        spec = command[7 + 10 * i : 17 + 10 * i]
        if len(spec) != 10 or spec[0] not in (GET, SET, ACTION):
            raise InvalidValue("not an Access-Request of GET, SET and ACTION requests")
        found.append((spec[0], int.from_bytes(spec[1:3], "big"), spec[9]))
    return found


def response(
    code: int,
    command: bytes,
    user: bytes,
    device: bytes,
    counter: int,
    at: datetime,
    signer: ec.EllipticCurvePrivateKey,
    *,
    clock: datetime | None = None,
) -> bytes:
    """The ESME's signed Response to the Access-Request `command` it executed at `at`; a
    GET of its clock reads `clock` (the time it was set to) and status 0 (reliable)."""
    data, results = [], []
    for access, class_id, member in specifications(command):
        data.append(_read(class_id, member, clock or at) if access == GET else b"\x00")
        results.append((access, dlms.SUCCESS))
    dated = at if code in DATED else None
    header = GroupingHeader(Cra.RESPONSE, counter, device, user, code, date_time=dated)
    return general_signing(header, dlms.access_response(counter, data, results), signer)


def _read(class_id: int, member: int, clock: datetime) -> bytes:
    if (class_id, member) == (CLOCK_CLASS, CLOCK_TIME):
        return date_time(clock).encode()
    if (class_id, member) == (CLOCK_CLASS, CLOCK_STATUS):
        return unsigned(0).encode()
    raise InvalidValue(f"no GET of class {class_id} attribute {member} is encoded")


NEVER = b"\xff" * 9 + b"\x80\x00\xff"
_PRESET = b"\x02\x03\x09\x0c" + NEVER + b"\x09\x0c"
"""The start of an ECS70 preset: structure of 3, the preset time NEVER, then the time set."""


def preset_time(command: bytes) -> datetime | None:
    """The time an ECS70 command sets the clock to (None if `command` sets no clock)."""
    at = command.find(_PRESET)
    if at < 0:
        return None
    octets = command[at + len(_PRESET) : at + len(_PRESET) + 12]
    if len(octets) != 12:
        return None
    year = int.from_bytes(octets[:2], "big")
    month, day, _, hour, minute, second, hundredths = octets[2:9]
    try:
        return datetime(year, month, day, hour, minute, second, hundredths * 10_000, tzinfo=UTC)
    except ValueError:
        return None


DATA_PROTECTION_CLASS = 30
GET_PROTECTED_ATTRIBUTES = 1
IMPORT_REGISTERS = obis(0, 0, 43, 2, 8)
"""0-0:43.2.8.255, the Data Protection object of the import registers (ECS17b)."""
IMPORT_REGISTER_VALUES = obis(0, 0, 94, 44, 34, 10)
"""0-0:94.44.34.10 (class 1, attribute 2): the import registers the device protects."""


UTC_TIME = obis(0, 0, 94, 44, 100)
"""0-0:94.44.100.255 (class 1, attribute 2): the UTC time column a profile read's range
restricts (the selective access of RTDS's ECS20a, ECS22a, ECS35a...)."""
PROFILE_CLASS = 7


def utc_range(start: datetime, end: datetime) -> Data:
    """The parameters of a selective access by range of a profile's entries stamped from
    `start` to `end` (UTC seconds since 2000), all columns."""
    column = structure(long_unsigned(1), octet_string(UTC_TIME), integer(2), long_unsigned(0))
    return structure(column, utc_seconds(start), utc_seconds(end), array([]))


def dated_range(start: datetime, end: datetime) -> Data:
    """A Get Protected Attributes selection of a log's entries from `start` to `end`."""
    return structure(enum(1), structure(date_time(start), date_time(end)))


EVERYTHING = structure(enum(0), NULL)
"""A Get Protected Attributes request with no selection."""


Captured = tuple[int, bytes, Data]
"""One object a sensitive read captures: its class, OBIS code, and selection."""


def protected_read(
    user: bytes,
    device: bytes,
    counter: int,
    protection: bytes,
    captured: bytes,
    *,
    captured_class: int = 1,
    selection: Data = EVERYTHING,
    more: Sequence[Captured] = (),
) -> bytes:
    """The Access-Request of a sensitive read (GBCS 10.2.4): Get Protected Attributes of
    the Data Protection object `protection`, for the attribute 2 of `captured` (a register
    collection of class 1, or a log of class 7 with a `dated_range`) and of the `more`
    objects, encrypted for the User with an agreed key (protection type 2, key parameter
    02)."""
    objects = array(
        [
            structure(
                long_unsigned(class_id),
                octet_string(code),
                integer(2),
                long_unsigned(0),
                chosen,
            )
            for class_id, code, chosen in ((captured_class, captured, selection), *more)
        ]
    )
    parameters = structure(
        octet_string(b"\x04" + uint(counter, 8)),
        octet_string(user),
        octet_string(device),
        octet_string(b""),
        structure(enum(2), structure(octet_string(b"\x02"), octet_string(b""))),
    )
    value = structure(objects, array([structure(enum(2), parameters)]))
    request = Request(ACTION, DATA_PROTECTION_CLASS, protection, GET_PROTECTED_ATTRIBUTES, value)
    return access_request(counter, [request])
