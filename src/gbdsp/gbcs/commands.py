"""GBCS Commands of the critical use cases gbdsp encodes, and the device's Responses to them.

A critical Command is what the DSP returns for a CV 4 (Transform) request: the unsigned
General-Signing APDU, the User as originator and the device as recipient (GBCS 7.2; DUIS
PreCommand). The User signs it with its DS key and sends it back as CV 5/6/7; the device
executes it only if that signature verifies. Its Response is signed with the device's DS key
and carries no MAC (the RTDS 4.5.0 Responses of these use cases: signature length 40, no
General-Ciphering).

| SRV | device | use case | command payload |
|---|---|---|---|
| 7.1 Enable Supply | ESME | ECS42 | DLMS ACTION script table 0-0:10.0.106.255 method 1, script 51 |
| 7.2 Disable Supply | ESME | ECS43 | the same, script 52 |
| 7.3 Arm Supply | ESME | ECS44 | the same, script 54 |
| 7.2 Disable Supply | GSME | GCS32 | ZSE Metering Change Supply, proposed supply status 0 (off) |
| 7.3 Arm Supply | GSME | GCS39 | ZSE Metering Change Supply, proposed supply status 1 (armed) |

The class, OBIS code, method and script identifiers, and the ZCL command layout are those of
the RTDS pre-commands of the same use cases (facts, no vector copied).
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
DISCONNECT_SCRIPTS = bytes.fromhex("00000a006aff")
"""OBIS 0-0:10.0.106.255, the ESME's disconnect-control script table."""
EXECUTE = 1
LONG_UNSIGNED = 0x12

ZCL_CLIENT_TO_SERVER = 0x01
"""ZCL frame control: cluster-specific command, client to server."""
ZCL_SERVER_TO_CLIENT = 0x09
"""ZCL frame control: cluster-specific command, server to client, default response disabled."""
CHANGE_SUPPLY = 0x0B
SUPPLY_STATUS_RESPONSE = 0x0C
ACKNOWLEDGE_REQUIRED = 0x01
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Supply:
    OFF = 0
    ARMED = 1
    ON = 2


@dataclass(frozen=True, slots=True)
class CriticalUseCase:
    code: MessageCode
    family: str
    """"dlms" (ESME) or "gbz" (GSME)."""
    script: int = 0
    """DLMS: the disconnect-control script the ESME runs."""
    supply: int = 0
    """GBZ: the proposed supply status."""


USE_CASES: dict[tuple[str, str], CriticalUseCase] = {
    ("7.1", "ESME"): CriticalUseCase(MessageCode.ECS42, "dlms", script=0x33),
    ("7.2", "ESME"): CriticalUseCase(MessageCode.ECS43, "dlms", script=0x34),
    ("7.3", "ESME"): CriticalUseCase(MessageCode.ECS44, "dlms", script=0x36),
    ("7.2", "GSME"): CriticalUseCase(MessageCode.GCS32, "gbz", supply=Supply.OFF),
    ("7.3", "GSME"): CriticalUseCase(MessageCode.GCS39, "gbz", supply=Supply.ARMED),
}
"""(SRV, device type name) -> the critical use case gbdsp encodes."""


@dataclass(frozen=True, slots=True)
class CommandExchange:
    """A User commanding a device; `counter` is the DUIS RequestID counter (GBCS 7.2.8)."""

    user: bytes
    device: bytes
    counter: int
    at: datetime
    """When the command was issued (the ZSE Issuer Event ID)."""


def pre_command(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    """The unsigned General-Signing APDU: no signature block at all, as GBCS and the RTDS
    pre-commands have it (the User's signature length and signature follow its content)."""
    header = GroupingHeader(Cra.COMMAND, ex.counter, ex.user, ex.device, use_case.code)
    apdu = general_signing(header, _command_payload(use_case, ex))
    return apdu[:-1]  # drop the 00 signature length: the signer appends 40 || signature


def _command_payload(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    if use_case.family == "dlms":
        return (bytes([ACCESS_REQUEST, dlms.INVOKE_FLAGS]) + uint(ex.counter & 0xFFFFFF, 3)
                + b"\x00"  # no date-time
                + b"\x01" + bytes([dlms.ACTION]) + uint(SCRIPT_TABLE_CLASS, 2)
                + DISCONNECT_SCRIPTS + bytes([EXECUTE])
                + b"\x01" + bytes([LONG_UNSIGNED]) + uint(use_case.script, 2))
    zcl = (bytes([ZCL_CLIENT_TO_SERVER, 0x00, CHANGE_SUPPLY])
           + uint(0, 4)  # provider ID
           + uint(issuer_event_id(ex.at), 4, "little")
           + uint(0, 4) + uint(0, 4)  # request and implementation date-time: now
           + bytes([use_case.supply, ACKNOWLEDGE_REQUIRED]))
    return gbz.payload([_component(zcl)])


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
    if use_case.family == "dlms":
        content = dlms.access_response(ex.counter, [b"\x00"], [(dlms.ACTION, dlms.SUCCESS)])
    else:
        zcl = (bytes([ZCL_SERVER_TO_CLIENT, 0x00, SUPPLY_STATUS_RESPONSE])
               + uint(0, 4) + uint(issuer_event_id(ex.at), 4, "little") + uint(0, 4)
               + bytes([use_case.supply]))
        content = gbz.payload([_component(zcl)])
    return general_signing(header, content, signer)


def _component(zcl: bytes) -> bytes:
    return (bytes([gbz.CONTROL_LAST]) + uint(gbz.METERING_CLUSTER, 2) + uint(len(zcl), 2)
            + zcl)
