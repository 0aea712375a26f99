"""GBCS Commands of the critical use cases gbdsp encodes, and the device's Responses to them.

A critical Command is what the DSP returns for a CV 4 (Transform) request: the unsigned
General-Signing APDU, the User as originator and the device as recipient (GBCS 7.2; DUIS
PreCommand). The User signs it with its DS key and sends it back as CV 5/6/7; the device
executes it only if that signature verifies. Its Response is signed with the device's DS key
and carries no MAC (the RTDS 4.5.0 Responses of these use cases: signature length 40, no
General-Ciphering).

| SRV | device | use case | command payload |
|---|---|---|---|
| 1.5 Update Meter Balance, prepayment adjust | ESME | ECS04a | DLMS ACTION 0-0:19.10.0.255 m1 |
| 1.5, credit mode reset | ESME | ECS04b | DLMS ACTION m2 on accounts 0-0:19.10.0/1/2.255 |
| 1.5, prepayment adjust/reset, credit adjust/reset | GSME | GCS40a/b/c/d | ZSE Credit Adjustment |
| 1.7 Reset Tariff Block Counter Matrix | ESME | ECS05 | DLMS ACTION 0-0:10.0.100.255, script 99 |
| 7.1 Enable Supply | ESME | ECS42 | DLMS ACTION 0-0:10.0.106.255 m1, script 51 |
| 7.2 Disable Supply | ESME | ECS43 | the same, script 52 |
| 7.3 Arm Supply | ESME | ECS44 | the same, script 54 |
| 7.2 Disable Supply | GSME | GCS32 | ZSE Metering Change Supply, status 0 (off) |
| 7.3 Arm Supply | GSME | GCS39 | ZSE Metering Change Supply, status 1 (armed) |

The classes, OBIS codes, methods, script identifiers and the ZCL command layouts are those of
the RTDS pre-commands of the same use cases (facts, no vector copied); for the RTDS inputs the
APDUs are byte-identical to the RTDS ones (tests/gbcs/test_commands.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dlms, gbz
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.frames import GroupingHeader, general_signing

ACCESS_REQUEST = 0xD9
SCRIPT_TABLE_CLASS = 9
ACCOUNT_CLASS = 112
EXECUTE = 1
DOUBLE_LONG = 0x05
LONG_UNSIGNED = 0x12
DISCONNECT_SCRIPTS = bytes.fromhex("00000a006aff")
"""OBIS 0-0:10.0.106.255, the ESME's disconnect-control script table."""
TARIFF_SCRIPTS = bytes.fromhex("00000a0064ff")
"""OBIS 0-0:10.0.100.255, the ESME's tariffication script table."""
ACCOUNTS = tuple(bytes.fromhex(f"0000130a{i:02x}ff") for i in range(3))
"""OBIS 0-0:19.10.0.255 to 0-0:19.10.2.255, the ESME's account objects."""

ZCL_CLIENT_TO_SERVER = 0x01
"""ZCL frame control: cluster-specific command, client to server."""
ZCL_SERVER_TO_CLIENT = 0x09
"""ZCL frame control: cluster-specific command, server to client, default response disabled."""
ZCL_DEFAULT_RESPONSE_FRAME = 0x08
"""ZCL frame control: profile-wide command, server to client, default response disabled."""
DEFAULT_RESPONSE = 0x0B
CHANGE_SUPPLY = 0x0B
SUPPLY_STATUS_RESPONSE = 0x0C
CREDIT_ADJUSTMENT = 0x05
PREPAYMENT_CLUSTER = 0x0705
ACKNOWLEDGE_REQUIRED = 0x01
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Supply:
    OFF = 0
    ARMED = 1
    ON = 2


@dataclass(frozen=True, slots=True)
class CriticalUseCase:
    code: MessageCode
    kind: str
    """script, account-adjust, account-reset (DLMS, ESME); supply, credit (GBZ, GSME)."""
    obis: bytes = b""
    script: int = 0
    supply: int = 0
    adjustment_type: int = 0
    """GBZ Credit Adjustment type (GCS40a-d)."""


SCRIPTS = {
    MessageCode.ECS42: CriticalUseCase(MessageCode.ECS42, "script", DISCONNECT_SCRIPTS, 0x33),
    MessageCode.ECS43: CriticalUseCase(MessageCode.ECS43, "script", DISCONNECT_SCRIPTS, 0x34),
    MessageCode.ECS44: CriticalUseCase(MessageCode.ECS44, "script", DISCONNECT_SCRIPTS, 0x36),
    MessageCode.ECS05: CriticalUseCase(MessageCode.ECS05, "script", TARIFF_SCRIPTS, 0x63),
}
USE_CASES: dict[MessageCode, CriticalUseCase] = {
    **SCRIPTS,
    MessageCode.ECS04A: CriticalUseCase(MessageCode.ECS04A, "account-adjust"),
    MessageCode.ECS04B: CriticalUseCase(MessageCode.ECS04B, "account-reset"),
    MessageCode.GCS32: CriticalUseCase(MessageCode.GCS32, "supply", supply=Supply.OFF),
    MessageCode.GCS39: CriticalUseCase(MessageCode.GCS39, "supply", supply=Supply.ARMED),
    MessageCode.GCS40A: CriticalUseCase(MessageCode.GCS40A, "credit", adjustment_type=0),
    MessageCode.GCS40B: CriticalUseCase(MessageCode.GCS40B, "credit", adjustment_type=1),
    MessageCode.GCS40C: CriticalUseCase(MessageCode.GCS40C, "credit", adjustment_type=3),
    MessageCode.GCS40D: CriticalUseCase(MessageCode.GCS40D, "credit", adjustment_type=2),
}
BY_SRV: dict[tuple[str, str], MessageCode] = {
    ("7.1", "ESME"): MessageCode.ECS42,
    ("7.2", "ESME"): MessageCode.ECS43,
    ("7.3", "ESME"): MessageCode.ECS44,
    ("1.7", "ESME"): MessageCode.ECS05,
    ("7.2", "GSME"): MessageCode.GCS32,
    ("7.3", "GSME"): MessageCode.GCS39,
}
"""SRVs whose use case follows from the SRV and the device type alone."""
BALANCE: dict[tuple[str, str, str], MessageCode] = {
    ("ESME", "prepayment", "adjust"): MessageCode.ECS04A,
    ("ESME", "credit", "reset"): MessageCode.ECS04B,
    ("GSME", "prepayment", "adjust"): MessageCode.GCS40A,
    ("GSME", "prepayment", "reset"): MessageCode.GCS40B,
    ("GSME", "credit", "adjust"): MessageCode.GCS40C,
    ("GSME", "credit", "reset"): MessageCode.GCS40D,
}
"""SRV 1.5: (device type, payment mode, adjust or reset) -> use case."""


@dataclass(frozen=True, slots=True)
class CommandExchange:
    """A User commanding a device; `counter` is the DUIS RequestID counter (GBCS 7.2.8)."""

    user: bytes
    device: bytes
    counter: int
    at: datetime
    """When the command was issued (the ZSE Issuer Event ID)."""
    amount: int = 0
    """SRV 1.5: the meter balance adjustment (signed, 32 bits)."""


@dataclass(frozen=True, slots=True)
class IssuedCommand:
    """What the device's Response needs of the command it executes."""

    code: int
    at: datetime


def pre_command(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    """The unsigned General-Signing APDU: no signature block at all, as GBCS and the RTDS
    pre-commands have it (the User's signature length and signature follow its content)."""
    header = GroupingHeader(Cra.COMMAND, ex.counter, ex.user, ex.device, use_case.code)
    apdu = general_signing(header, _command_payload(use_case, ex))
    return apdu[:-1]  # drop the 00 signature length: the signer appends 40 || signature


def _command_payload(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    head = bytes([ACCESS_REQUEST, dlms.INVOKE_FLAGS]) + uint(ex.counter & 0xFFFFFF, 3) + b"\x00"
    if use_case.kind == "script":
        return (head + b"\x01" + _action(SCRIPT_TABLE_CLASS, use_case.obis, EXECUTE)
                + b"\x01" + bytes([LONG_UNSIGNED]) + uint(use_case.script, 2))
    if use_case.kind == "account-adjust":
        return (head + b"\x01" + _action(ACCOUNT_CLASS, ACCOUNTS[0], 1)
                + b"\x01" + _double_long(ex.amount))
    if use_case.kind == "account-reset":
        return (head + b"\x03" + b"".join(_action(ACCOUNT_CLASS, o, 2) for o in ACCOUNTS)
                + b"\x03" + _double_long(0) * 3)
    event = uint(issuer_event_id(ex.at), 4, "little")
    if use_case.kind == "supply":
        zcl = (bytes([ZCL_CLIENT_TO_SERVER, 0x00, CHANGE_SUPPLY]) + uint(0, 4) + event
               + uint(0, 4) + uint(0, 4)  # request and implementation date-time: now
               + bytes([use_case.supply, ACKNOWLEDGE_REQUIRED]))
        return gbz.payload([_component(gbz.METERING_CLUSTER, zcl)])
    zcl = (bytes([ZCL_CLIENT_TO_SERVER, 0x00, CREDIT_ADJUSTMENT]) + event
           + uint(0, 4)  # start time: now
           + bytes([use_case.adjustment_type]) + _int32_le(ex.amount))
    return gbz.payload([_component(PREPAYMENT_CLUSTER, zcl)])


def _action(class_id: int, obis: bytes, method: int) -> bytes:
    return bytes([dlms.ACTION]) + uint(class_id, 2) + obis + bytes([method])


def _double_long(value: int) -> bytes:
    if not -(1 << 31) <= value < 1 << 31:
        raise InvalidValue(f"{value} does not fit a DLMS double-long")
    return bytes([DOUBLE_LONG]) + value.to_bytes(4, "big", signed=True)


def _int32_le(value: int) -> bytes:
    if not -(1 << 31) <= value < 1 << 31:
        raise InvalidValue(f"{value} does not fit a ZCL int32")
    return value.to_bytes(4, "little", signed=True)


def issuer_event_id(at: datetime) -> int:
    """Seconds since 2000-01-01 (ZigBee UTCTime) of the command: a ZSE Issuer Event ID that
    grows with each command (our choice; the RTDS one is such a time)."""
    seconds = int((at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds < 1 << 32:
        raise InvalidValue("the command's time does not fit a ZigBee UTCTime")
    return seconds


def response(use_case: CriticalUseCase, ex: CommandExchange,
             signer: ec.EllipticCurvePrivateKey) -> bytes:
    """The device's signed Response to the executed command (success)."""
    header = GroupingHeader(Cra.RESPONSE, ex.counter, ex.device, ex.user, use_case.code)
    if use_case.kind == "account-reset":
        content = dlms.access_response(ex.counter, [b"\x00"] * 3, [(dlms.ACTION, dlms.SUCCESS)] * 3)
    elif use_case.kind in ("script", "account-adjust"):
        content = dlms.access_response(ex.counter, [b"\x00"], [(dlms.ACTION, dlms.SUCCESS)])
    elif use_case.kind == "supply":
        zcl = (bytes([ZCL_SERVER_TO_CLIENT, 0x00, SUPPLY_STATUS_RESPONSE])
               + uint(0, 4) + uint(issuer_event_id(ex.at), 4, "little") + uint(0, 4)
               + bytes([use_case.supply]))
        content = gbz.payload([_component(gbz.METERING_CLUSTER, zcl)])
    else:  # ZCL Default Response: the Credit Adjustment succeeded
        zcl = bytes([ZCL_DEFAULT_RESPONSE_FRAME, 0x00, DEFAULT_RESPONSE, CREDIT_ADJUSTMENT, 0x00])
        content = gbz.payload([_component(PREPAYMENT_CLUSTER, zcl)])
    return general_signing(header, content, signer)


def _component(cluster: int, zcl: bytes) -> bytes:
    return bytes([gbz.CONTROL_LAST]) + uint(cluster, 2) + uint(len(zcl), 2) + zcl
