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
| 2.5 Activate Emergency Credit | ESME | ECS09 | DLMS ACTION 0-0:19.10.1.255 m3 |
| 2.5 Activate Emergency Credit | GSME | GCS06 | ZSE Select Available Emergency Credit |
| 6.6 Update Device Configuration (Gas Conversion) | GSME | GCS23 | ZSE Price Publish CF and CV |
| 6.8 billing calendar, Monthly / Quarterly | ESME | ECS30 / ECS30a | DLMS SET 0-0:15.0.0.255 a4 |
| 6.8 billing calendar, Monthly / SixMonthly | GSME | GCS25 / GCS25a | ZSE Publish Billing Period |
| 6.11 Synchronise Clock | GSME | GCS28 | ASN.1 SEQUENCE of 2 GeneralizedTime |
| 6.14.1 ALCS/HCALCS descriptions | ESME | ECS46a | DLMS SET 0-0:94.44.0.(10+n) a2, text |
| 6.25 Set Supply Tamper State, Locked | ESME | ECS81 | DLMS SET 0-0:94.44.0.4 a2, TRUE |
| 6.26 daily TBCM reset, true | ESME | ECS48 | DLMS SET 0-0:15.1.0.255 a4 |
| 7.1 Enable Supply | ESME | ECS42 | DLMS ACTION 0-0:10.0.106.255 m1, script 51 |
| 7.2 Disable Supply | ESME | ECS43 | the same, script 52 |
| 7.3 Arm Supply | ESME | ECS44 | the same, script 54 |
| 7.2 Disable Supply | GSME | GCS32 | ZSE Metering Change Supply, status 0 (off) |
| 7.3 Arm Supply | GSME | GCS39 | ZSE Metering Change Supply, status 1 (armed) |
| 7.12 Set Randomised Offset Limit | ESME | ECS38 | DLMS SET 0-0:94.44.0.1 a2, seconds |

The classes, OBIS codes, methods, script identifiers and the ZCL command layouts are those of
the RTDS pre-commands of the same use cases (facts, no vector copied); for the RTDS inputs the
APDUs are byte-identical to the RTDS ones (tests/gbcs/test_commands.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dlms, gbz, gsme_commands
from gbdsp.gbcs.asn1 import generalized_time
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
DATA_CLASS = 1
SINGLE_ACTION_SCHEDULE_CLASS = 22
RANDOMISED_OFFSET_LIMIT = bytes.fromhex("00005e2c0001")
"""OBIS 0-0:94.44.0.1 (class 1, attribute 2), the randomised offset limit (ECS38)."""
SUPPLY_TAMPER_STATE = bytes.fromhex("00005e2c0004")
"""OBIS 0-0:94.44.0.4 (class 1, attribute 2), the supply tamper state (ECS81)."""
BILLING_SCHEDULE = bytes.fromhex("00000f0000ff")
"""OBIS 0-0:15.0.0.255 (single action schedule, attribute 4), the billing calendar (ECS30)."""
TARIFF_BLOCK_RESET_SCHEDULE = bytes.fromhex("00000f0100ff")
"""OBIS 0-0:15.1.0.255 (single action schedule, attribute 4), the daily TBCM reset (ECS48)."""
SWITCH_DESCRIPTIONS = bytes.fromhex("00005e2c00")
"""OBIS 0-0:94.44.0.(10 + n) (class 1, attribute 2): the description of ALCS/HCALCS n."""
VISIBLE_STRING = 0x0A
SET = 0x02
BOOLEAN = 0x03
INTEGER = 0x0F
ARRAY = 0x01

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
PRICE_CLUSTER = 0x0700
PUBLISH_CONVERSION_FACTOR = 0x02
PUBLISH_CALORIFIC_VALUE = 0x03
MEGAJOULES_PER_CUBIC_METRE = 0x01
PUBLISH_BLOCK_PERIOD = 0x01
PUBLISH_BILLING_PERIOD = 0x09
MONTHS = 0x23
"""ZSE billing/block period duration type of the RTDS GCS25 commands: months."""
SELECT_EMERGENCY_CREDIT = 0x00
CHANGE_PAYMENT_MODE = 0x06
CHANGE_PAYMENT_MODE_RESPONSE = 0x02
ZCL_RESPONSE_FRAME = 0x19
"""ZCL frame control: cluster-specific, server to client, default response disabled (the
RTDS Change Payment Mode Responses)."""
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
    """script, account-adjust, account-reset, emergency-credit, set (DLMS, ESME); supply,
    credit, gas-emergency-credit (GBZ, GSME)."""
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
    MessageCode.ECS09: CriticalUseCase(MessageCode.ECS09, "emergency-credit"),
    MessageCode.GCS06: CriticalUseCase(MessageCode.GCS06, "gas-emergency-credit"),
    MessageCode.ECS38: CriticalUseCase(MessageCode.ECS38, "set", RANDOMISED_OFFSET_LIMIT),
    MessageCode.ECS81: CriticalUseCase(MessageCode.ECS81, "set", SUPPLY_TAMPER_STATE),
    MessageCode.ECS48: CriticalUseCase(MessageCode.ECS48, "set", TARIFF_BLOCK_RESET_SCHEDULE),
    MessageCode.ECS30: CriticalUseCase(MessageCode.ECS30, "billing", BILLING_SCHEDULE),
    MessageCode.ECS30A: CriticalUseCase(MessageCode.ECS30A, "billing", BILLING_SCHEDULE),
    MessageCode.GCS28: CriticalUseCase(MessageCode.GCS28, "set-time"),
    MessageCode.GCS23: CriticalUseCase(MessageCode.GCS23, "gas-conversion"),
    MessageCode.ECS46A: CriticalUseCase(MessageCode.ECS46A, "descriptions"),
    MessageCode.GCS25: CriticalUseCase(MessageCode.GCS25, "gas-billing"),
    MessageCode.GCS25A: CriticalUseCase(MessageCode.GCS25A, "gas-billing"),
}
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
    """SRV 1.5: the meter balance adjustment (signed, 32 bits); 7.12: the randomised offset
    limit in seconds; 6.25: 1 for Locked; 6.26: 1 for a daily reset."""
    billing: tuple[bytes, tuple[tuple[int, int], ...]] | None = None
    """SRV 6.8 (ESME): the billing time (hour, minute, second, hundredths) and the
    execution dates as (month, day of month), month 0xFF for every month."""
    clock: tuple[datetime, datetime] | None = None
    """SRV 6.11 (GSME): the time to set and the end of its validity (time + tolerance)."""
    descriptions: tuple[tuple[int, str], ...] = ()
    """SRV 6.14.1 (ESME): (switch index 1-5, printable ASCII description)."""
    gas_billing: tuple[datetime, int] | None = None
    """SRV 6.8 (GSME): the billing period start and its length in months."""
    conversion: tuple[int, int] | None = None
    """SRV 6.6 (GSME): the conversion factor in 1/100000 and the calorific value in
    tenths of MJ/m3 (the fraction digits the DUIS XSD fixes: 5 and 1)."""
    payment_mode: PaymentModeAnswer | None = None
    """The GSME's answer to a Change Payment Mode (GCS02/GCS03); None: the emulated GSME's
    (`EMULATED_PAYMENT_MODE`)."""


@dataclass(frozen=True, slots=True)
class PaymentModeAnswer:
    """What a GSME's Change Payment Mode Response reports of its prepayment configuration."""

    friendly_credit: int
    """ZSE Friendly Credit bitmap: 1 if friendly credit is enabled."""
    calendar_id: int
    """The friendly credit calendar's ID."""
    emergency_credit_limit: int
    emergency_credit_threshold: int


EMULATED_PAYMENT_MODE = PaymentModeAnswer(0, 1, 1_000_000, 500_000)
"""The emulated GSME's (wan/gas_meter.py `prepayment_configuration`): no friendly credit,
calendar 1, GBP 10 of emergency credit from GBP 5."""


@dataclass(frozen=True, slots=True)
class IssuedCommand:
    """What the device's Response needs of the command it executes."""

    code: int
    at: datetime
    content: bytes
    """The command's payload (the content of the issued General-Signing APDU)."""


def pre_command(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    """The unsigned General-Signing APDU: no signature block at all, as GBCS and the RTDS
    pre-commands have it (the User's signature length and signature follow its content)."""
    header = GroupingHeader(Cra.COMMAND, ex.counter, ex.user, ex.device, use_case.code)
    apdu = general_signing(header, _command_payload(use_case, ex))
    return apdu[:-1]  # drop the 00 signature length: the signer appends 40 || signature


def _command_payload(use_case: CriticalUseCase, ex: CommandExchange) -> bytes:
    head = bytes([ACCESS_REQUEST, dlms.INVOKE_FLAGS]) + uint(ex.counter & 0xFFFFFF, 3) + b"\x00"
    if use_case.kind == "script":
        return (
            head
            + b"\x01"
            + _action(SCRIPT_TABLE_CLASS, use_case.obis, EXECUTE)
            + b"\x01"
            + bytes([LONG_UNSIGNED])
            + uint(use_case.script, 2)
        )
    if use_case.kind == "account-adjust":
        return (
            head
            + b"\x01"
            + _action(ACCOUNT_CLASS, ACCOUNTS[0], 1)
            + b"\x01"
            + _double_long(ex.amount)
        )
    if use_case.kind == "account-reset":
        return (
            head
            + b"\x03"
            + b"".join(_action(ACCOUNT_CLASS, o, 2) for o in ACCOUNTS)
            + b"\x03"
            + _double_long(0) * 3
        )
    if use_case.kind == "emergency-credit":  # account 0-0:19.10.1.255 method 3
        return (
            head + b"\x01" + _action(ACCOUNT_CLASS, ACCOUNTS[1], 3) + b"\x01" + bytes([INTEGER, 0])
        )
    if use_case.kind == "set":
        return head + b"\x01" + _set(use_case) + b"\x01" + _set_value(use_case, ex.amount)
    if use_case.kind == "billing":
        if ex.billing is None:
            raise InvalidValue("a billing calendar needs its time and dates")
        time, dates = ex.billing
        entries = b"".join(
            bytes([dlms.STRUCTURE, 2])
            + dlms.octet_string(time)
            + dlms.octet_string(b"\xff\xff" + bytes([month, day, 0xFF]))
            for month, day in dates
        )
        return (
            head
            + b"\x01"
            + bytes([SET])
            + uint(SINGLE_ACTION_SCHEDULE_CLASS, 2)
            + use_case.obis
            + b"\x04"
            + b"\x01"
            + bytes([ARRAY, len(dates)])
            + entries
        )
    if use_case.kind == "gas-conversion":
        if ex.conversion is None:
            raise InvalidValue("a gas conversion needs its factor and calorific value")
        factor, calorific = ex.conversion
        # issuer event ID, start time: now
        start = uint(issuer_event_id(ex.at), 4, "little") + uint(0, 4)
        # ZSE Price cluster, server to client; trailing digit: 5 and 1 decimal places
        first = (
            bytes([ZCL_SERVER_TO_CLIENT, 0x00, PUBLISH_CONVERSION_FACTOR])
            + start
            + uint(factor, 4, "little")
            + b"\x50"
        )
        second = (
            bytes([ZCL_SERVER_TO_CLIENT, 0x01, PUBLISH_CALORIFIC_VALUE])
            + start
            + uint(calorific, 4, "little")
            + bytes([MEGAJOULES_PER_CUBIC_METRE])
            + b"\x10"
        )
        return gbz.payload(
            [_component(PRICE_CLUSTER, first, last=False), _component(PRICE_CLUSTER, second)]
        )
    if use_case.kind == "descriptions":
        if not ex.descriptions:
            raise InvalidValue("no switch description to set")
        sets = b"".join(
            bytes([SET])
            + uint(DATA_CLASS, 2)
            + SWITCH_DESCRIPTIONS
            + bytes([10 + _switch(n), 0x02])
            for n, _ in ex.descriptions
        )
        values = b"".join(_visible(text) for _, text in ex.descriptions)
        n = len(ex.descriptions)
        return head + bytes([n]) + sets + bytes([n]) + values
    if use_case.kind == "gas-billing":
        if ex.gas_billing is None:
            raise InvalidValue("a gas billing calendar needs its start and period")
        start_at, months = ex.gas_billing
        head_fields = (
            uint(0, 4)
            + uint(issuer_event_id(ex.at), 4, "little")
            + uint(issuer_event_id(start_at), 4, "little")
            + uint(months, 3, "little")
        )
        billing = (
            bytes([ZCL_SERVER_TO_CLIENT, 0x00, PUBLISH_BILLING_PERIOD])
            + head_fields
            + bytes([MONTHS, 0x00])
        )  # tariff type 0
        block = (
            bytes([ZCL_SERVER_TO_CLIENT, 0x01, PUBLISH_BLOCK_PERIOD])
            + head_fields
            + bytes([0x02, MONTHS, 0x00, 0x01])
        )  # control, type, tariff, resolution
        return gbz.payload(
            [_component(PRICE_CLUSTER, billing, last=False), _component(PRICE_CLUSTER, block)]
        )
    if use_case.kind == "set-time":
        if ex.clock is None:
            raise InvalidValue("setting the clock needs the time and its validity")
        return asn1_sequence(b"".join(generalized_time(t) for t in ex.clock))
    if use_case.kind == "gas-emergency-credit":
        zcl = (
            bytes([ZCL_CLIENT_TO_SERVER, 0x00, SELECT_EMERGENCY_CREDIT])
            + uint(0, 4)  # command issue date-time: now
            + b"\x00"
        )  # originating device: the meter
        return gbz.payload([_component(PREPAYMENT_CLUSTER, zcl)])
    event = uint(issuer_event_id(ex.at), 4, "little")
    if use_case.kind == "supply":
        zcl = (
            bytes([ZCL_CLIENT_TO_SERVER, 0x00, CHANGE_SUPPLY])
            + uint(0, 4)
            + event
            + uint(0, 4)
            + uint(0, 4)  # request and implementation date-time: now
            + bytes([use_case.supply, ACKNOWLEDGE_REQUIRED])
        )
        return gbz.payload([_component(gbz.METERING_CLUSTER, zcl)])
    zcl = (
        bytes([ZCL_CLIENT_TO_SERVER, 0x00, CREDIT_ADJUSTMENT])
        + event
        + uint(0, 4)  # start time: now
        + bytes([use_case.adjustment_type])
        + _int32_le(ex.amount)
    )
    return gbz.payload([_component(PREPAYMENT_CLUSTER, zcl)])


def _action(class_id: int, obis: bytes, method: int) -> bytes:
    return bytes([dlms.ACTION]) + uint(class_id, 2) + obis + bytes([method])


def _set(use_case: CriticalUseCase) -> bytes:
    if use_case.code is MessageCode.ECS48:
        return bytes([SET]) + uint(SINGLE_ACTION_SCHEDULE_CLASS, 2) + use_case.obis + b"\x04"
    return bytes([SET]) + uint(DATA_CLASS, 2) + use_case.obis + b"\x02"


def _set_value(use_case: CriticalUseCase, value: int) -> bytes:
    if use_case.code is MessageCode.ECS38:
        return bytes([LONG_UNSIGNED]) + uint(value, 2)
    if use_case.code is MessageCode.ECS81:
        if value != 1:
            raise InvalidValue("only Locked is encoded for the supply tamper state")
        return bytes([BOOLEAN, 0xFF])
    if value != 1:
        raise InvalidValue("only a daily reset is encoded for the tariff block counter matrix")
    # execution time: one structure (time 00:00:00.00, any date), as RTDS has it
    return (
        bytes([ARRAY, 1, dlms.STRUCTURE, 2])
        + dlms.octet_string(bytes(4))
        + dlms.octet_string(b"\xff" * 5)
    )


def _switch(index: int) -> int:
    if not 1 <= index <= 5:
        raise InvalidValue(f"switch index {index} is not 1 to 5")
    return index


def _visible(text: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > 127:
        raise InvalidValue("description too long")
    return bytes([VISIBLE_STRING, len(raw)]) + raw


def asn1_sequence(content: bytes) -> bytes:
    if len(content) > 127:
        raise InvalidValue("ASN.1 content too long for a short length")
    return b"\x30" + bytes([len(content)]) + content


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


def response(
    code: int, command: bytes, ex: CommandExchange, signer: ec.EllipticCurvePrivateKey
) -> bytes:
    """The device's signed Response to the executed command `command` (its content), as the
    RTDS Responses have it: a DLMS Access-Response with one null data and one success per
    request of the command; for GBZ, the Supply Status Response to Change Supply, the Change
    Payment Mode Response (the GSME's prepayment configuration) to Change Payment Mode, else
    the ZCL Default Response (success) to the command. The Responses of
    `gsme_commands.DATED_RESPONSES` carry the command's time as the device's date-time."""
    dated = ex.at if code in gsme_commands.DATED_RESPONSES else None
    header = GroupingHeader(Cra.RESPONSE, ex.counter, ex.device, ex.user, code, dated)
    if command[:1] == b"\x30":  # GCS28: the device's time (the one set), reliable
        device_time = command[2 : 2 + len(generalized_time(ZIGBEE_EPOCH))]
        content = asn1_sequence(device_time + b"\x02\x01\x00")
    elif command[:1] == bytes([ACCESS_REQUEST]):
        kinds = _request_kinds(command)
        content = dlms.access_response(
            ex.counter, [b"\x00"] * len(kinds), [(k, dlms.SUCCESS) for k in kinds]
        )
    else:
        parts = _zcl_commands(command)
        answers = []
        for i, (cluster, frame, sequence, command_id, zcl_payload) in enumerate(parts):
            if (cluster, command_id) == (gbz.METERING_CLUSTER, CHANGE_SUPPLY):
                zcl = (
                    bytes([ZCL_SERVER_TO_CLIENT, sequence, SUPPLY_STATUS_RESPONSE])
                    + zcl_payload[:8]
                    + uint(0, 4)
                    + zcl_payload[16:17]
                )
            elif (cluster, command_id) == (PREPAYMENT_CLUSTER, CHANGE_PAYMENT_MODE):
                zcl = bytes([ZCL_RESPONSE_FRAME, sequence, CHANGE_PAYMENT_MODE_RESPONSE])
                zcl += _payment_mode_answer(ex.payment_mode or EMULATED_PAYMENT_MODE)
            else:  # the Default Response goes the other way (ZCL frame control bit 3)
                direction = ZCL_DEFAULT_RESPONSE_FRAME if not frame & 0x08 else 0x00
                zcl = bytes([direction, sequence, DEFAULT_RESPONSE, command_id, 0x00])
            answers.append(_component(cluster, zcl, last=i == len(parts) - 1))
        content = gbz.payload(answers)
    return general_signing(header, content, signer)


def _payment_mode_answer(a: PaymentModeAnswer) -> bytes:
    return (
        bytes([a.friendly_credit])
        + uint(a.calendar_id, 4, "little")
        + uint(a.emergency_credit_limit, 4, "little")
        + uint(a.emergency_credit_threshold, 4, "little")
    )


def _request_kinds(command: bytes) -> list[int]:
    """SET (02) or ACTION (03) of each request of an Access-Request we encoded: after the
    tag, invoke id (4), date-time (00) and the count, 9 octets each (class, OBIS, id)."""
    count = command[6]
    kinds = [command[7 + 10 * i] for i in range(count)]
    if any(k not in (SET, dlms.ACTION) for k in kinds):
        raise InvalidValue("not an Access-Request of SET and ACTION requests")
    return kinds


def _zcl_commands(command: bytes) -> list[tuple[int, int, int, int, bytes]]:
    """(cluster, ZCL frame control, sequence, command ID, ZCL payload) of each component of
    a plaintext GBZ command we encoded."""
    if command[:2] != gbz.PROFILE_ID or len(command) < 3:
        raise InvalidValue("not a GBZ command")
    parts, at = [], 3
    for _ in range(command[2]):
        if at + 8 > len(command):
            raise InvalidValue("truncated GBZ component")
        cluster = int.from_bytes(command[at + 1 : at + 3], "big")
        size = int.from_bytes(command[at + 3 : at + 5], "big")
        zcl = command[at + 5 : at + 5 + size]
        if command[at] & gsme_commands.FROM_DATE_TIME:  # extended header: its From Date Time
            zcl = zcl[4:]
        parts.append((cluster, zcl[0], zcl[1], zcl[2], zcl[3:]))
        at += 5 + size
    return parts


def _component(cluster: int, zcl: bytes, *, last: bool = True) -> bytes:
    return bytes([gbz.CONTROL_LAST if last else 0]) + uint(cluster, 2) + uint(len(zcl), 2) + zcl
