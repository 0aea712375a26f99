"""GSME and GPF Responses of the non-critical use cases (GBCS 11: GBZ payloads).

Each builder takes the exchange (`GsmeExchange`: the device, the User, the command's counter,
the KA shared secrets) and the values the device holds, and returns the complete message (the
`GBCSPayload` of a DUIS device response): General-Signing, not signed, MACed with
General-Ciphering (GBCS 7.3; the RTDS 4.5.0 Responses of the same use cases have signature
length 00 and a valid MAC). Sensitive data (registers, credit, debt) goes in encrypted GBZ
components (GBCS 11.2.3), the key from the device's and the User's KA keys.

Some use cases answer the Access Control Broker (GBCS 7.2.10: the Response names the User in
the supplementary remote party ID and counter), as the RTDS Responses of GCS31 and GCS36 do;
`GsmeExchange.acb` then holds the ACB's title and the device-ACB secret that makes the MAC.

The clusters, attribute IDs, data types, attribute order and ZCL frame controls are those of
the RTDS Responses of the same use cases (facts, no vector copied); the values are the
device's (wan/gas_meter.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import gbz
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.gbz import Attribute, Zcl

# ZCL clusters (ZigBee Smart Energy 1.4 / GBCS GBZ).
BASIC = 0x0000
PRICE = 0x0700
METERING = gbz.METERING_CLUSTER
MESSAGING = 0x0703
PREPAYMENT = 0x0705
DEVICE_MANAGEMENT = 0x0708

# ZCL frame controls of the RTDS Responses.
TO_SERVER = 0x00
"""Profile-wide, client to server: the GSME's Default Response to a DCC (server) command."""
PLAIN_ATTRIBUTES = gbz.FRAME_CONTROL_PLAIN_RESPONSE
"""Profile-wide, server to client: a Read Attributes Response or a Default Response to a
client command."""
SECRET_ATTRIBUTES = gbz.FRAME_CONTROL_RESPONSE
"""Profile-wide, server to client, default response disabled: an encrypted Read Attributes
Response."""
CLUSTER_COMMAND = 0x09
"""Cluster-specific, server to client, default response disabled."""

READ_ATTRIBUTES_RESPONSE = gbz.READ_ATTRIBUTES_RESPONSE
DEFAULT_RESPONSE = 0x0B
SUCCESS = 0x00

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class GsmeExchange:
    """A GSME or GPF answering a Command: its title, the User's, the Command's counter (which
    the Response repeats, GBCS 7.2.8), Z of the device's and the User's KA keys, the time
    of the reading, and, for a Response to the ACB, (ACB title, Z of device and ACB)."""

    device: bytes
    user: bytes
    counter: int
    z: bytes
    at: datetime
    acb: tuple[bytes, bytes] | None = None
    originator_counter: int | None = None
    """For an Unknown Remote Party (through the ACB, `z` from the KA certificate its request
    carried): the device's supplementary originator counter (GBCS 7.2.10)."""


def respond(ex: GsmeExchange, code: MessageCode, zcls: Sequence[Zcl], *, dated: bool) -> bytes:
    """The MACed Response carrying these ZCL frames; `dated`: the header has the date-time
    of the reading (as the RTDS register reads have it)."""
    if ex.acb is None:
        header = GroupingHeader(
            Cra.RESPONSE, ex.counter, ex.device, ex.user, code, ex.at if dated else None
        )
        z = ex.z
    else:
        acb, z = ex.acb
        header = GroupingHeader(
            Cra.RESPONSE,
            ex.counter,
            ex.device,
            acb,
            code,
            ex.at if dated else None,
            supplementary_remote_party=ex.user,
            supplementary_counter=ex.counter,
            supplementary_originator_counter=ex.originator_counter,
        )
    sealing = None
    if any(f.encrypted for f in zcls):
        # encrypted for the User even through the ACB (GBCS 4.3.5: the supplementary
        # remote party is the recipient of the KDF, with the supplementary originator
        # counter if there is one)
        counter = ex.counter if ex.originator_counter is None else ex.originator_counter
        sealing = gbz.Sealing.of(ex.z, ex.device, ex.user, counter)
    return message(header, gbz.frames(zcls, sealing), z=z)


def attributes(cluster: int, records: Sequence[Attribute], *, encrypted: bool = False) -> Zcl:
    """A Read Attributes Response of `cluster` (all records successful)."""
    control = SECRET_ATTRIBUTES if encrypted else PLAIN_ATTRIBUTES
    return Zcl(
        cluster,
        control,
        READ_ATTRIBUTES_RESPONSE,
        gbz.read_attributes_response(records),
        encrypted,
    )


def default_response(
    cluster: int, command_id: int, *, status: int = SUCCESS, frame_control: int = TO_SERVER
) -> Zcl:
    """The ZCL Default Response (ZCL 2.5.12) to command `command_id` of `cluster`."""
    return Zcl(cluster, frame_control, DEFAULT_RESPONSE, bytes([command_id, status]))


def utc_time(at: datetime) -> int:
    """ZigBee UTCTime: seconds since 2000-01-01 (ZCL 2.6.2.18)."""
    seconds = int((at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds < 0xFFFFFFFF:
        raise InvalidValue(f"{at} is not a ZigBee UTCTime")
    return seconds


# -- commands answered by a Default Response ------------------------------------------------

PUBLISH_CHANGE_OF_TENANCY = 0x00
PUBLISH_CHANGE_OF_SUPPLIER = 0x01
REQUEST_NEW_PASSWORD_RESPONSE = 0x02
UPDATE_SITE_ID = 0x03
SET_EVENT_CONFIGURATION = 0x04
UPDATE_CIN = 0x06
DISPLAY_MESSAGE = 0x00

ACKNOWLEDGED: dict[MessageCode, tuple[int, int]] = {
    MessageCode.GCS07: (MESSAGING, DISPLAY_MESSAGE),
    MessageCode.GCS09: (DEVICE_MANAGEMENT, PUBLISH_CHANGE_OF_TENANCY),
    MessageCode.GCS11: (DEVICE_MANAGEMENT, REQUEST_NEW_PASSWORD_RESPONSE),
    MessageCode.GCS44: (DEVICE_MANAGEMENT, PUBLISH_CHANGE_OF_SUPPLIER),
    MessageCode.GCS41: (DEVICE_MANAGEMENT, UPDATE_SITE_ID),
    MessageCode.GCS36: (DEVICE_MANAGEMENT, UPDATE_CIN),
    MessageCode.GCS20: (DEVICE_MANAGEMENT, SET_EVENT_CONFIGURATION),
}
"""Use cases whose command the GSME/GPF acknowledges with a Default Response: (cluster, the
DCC's command) per command component."""


def acknowledged(ex: GsmeExchange, code: MessageCode, commands: int = 1) -> bytes:
    """The Default Response (success) to each of the `commands` components of the command
    (GCS20 sends one Set Event Configuration per configuration it sets)."""
    cluster, command_id = ACKNOWLEDGED[code]
    if not 1 <= commands <= 0xFF:
        raise InvalidValue(f"{commands} command components")
    return respond(ex, code, [default_response(cluster, command_id)] * commands, dated=False)


START_SAMPLING_RESPONSE = 0x0D
NETWORK_DATA_SAMPLE = 2
"""The sample ID of the network data log (RTDS GCS31/GCS18)."""


def gcs31(ex: GsmeExchange) -> bytes:
    """SRV 14.1 Record Network Data (GAS): the Start Sampling Response with the sample ID."""
    zcl = Zcl(
        METERING, CLUSTER_COMMAND, START_SAMPLING_RESPONSE, uint(NETWORK_DATA_SAMPLE, 2, "little")
    )
    return respond(ex, MessageCode.GCS31, [zcl], dated=False)


# -- plaintext reads -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValveStatus:
    """GCS33 content: the battery's remaining life and the supply (valve) status."""

    battery_days: int
    supply: int
    """ZSE Supply Status: 0 off, 1 armed, 2 on."""


def gcs33(ex: GsmeExchange, status: ValveStatus) -> bytes:
    """SRV 7.4 Read Supply Status on a GSME."""
    zcl = attributes(
        METERING,
        [
            Attribute(0x0205, gbz.UINT16, status.battery_days),  # remaining battery life
            Attribute(0x0014, gbz.ENUM8, status.supply),  # supply status
        ],
    )
    return respond(ex, MessageCode.GCS33, [zcl], dated=False)


def gcs46(ex: GsmeExchange, mprn: str) -> bytes:
    """SRV 6.2.7 Read MPxN on a GSME: the Site ID attribute (the MPRN's ASCII digits)."""
    zcl = attributes(METERING, [Attribute(0x0307, gbz.OCTET_STRING, mprn.encode("ascii"))])
    return respond(ex, MessageCode.GCS46, [zcl], dated=False)


def gcs21j(ex: GsmeExchange, payment_control: int) -> bytes:
    """SRV 6.2.9 Read Payment Mode: the Prepayment cluster's Payment Control Configuration."""
    zcl = attributes(PREPAYMENT, [Attribute(0x0000, gbz.BITMAP16, payment_control)])
    return respond(ex, MessageCode.GCS21J, [zcl], dated=False)


PUBLISH_BILLING_PERIOD = 0x09


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """GCS21k content: the billing calendar the GSME runs (ZSE Publish Billing Period)."""

    issued_at: datetime
    start: datetime
    duration: int
    duration_type: int
    """ZSE duration type (the RTDS GCS25 commands use 0x23, months)."""


def gcs21k(ex: GsmeExchange, period: BillingPeriod) -> bytes:
    """SRV 6.2.3 Read Billing Calendar on a GSME (all periodicities)."""
    zcl = Zcl(
        PRICE,
        CLUSTER_COMMAND,
        PUBLISH_BILLING_PERIOD,
        uint(0, 4)  # provider ID
        + uint(utc_time(period.issued_at), 4, "little")
        + uint(utc_time(period.start), 4, "little")
        + uint(period.duration, 3, "little")
        + bytes([period.duration_type, 0x00]),  # tariff type 0: delivered
    )
    return respond(ex, MessageCode.GCS21K, [zcl], dated=False)


@dataclass(frozen=True, slots=True)
class Identity:
    """GCS21m content: the SMI's manufacturer and model, and the supply states."""

    manufacturer: str
    model: str
    depletion_state: int
    tamper_state: int


def gcs21m(ex: GsmeExchange, identity: Identity) -> bytes:
    """SRV 6.2.4 Read Device Configuration (Identity Exc MPxN) on a GSME."""
    basic = attributes(
        BASIC,
        [
            Attribute(0x0004, gbz.CHARACTER_STRING, identity.manufacturer.encode("ascii")),
            Attribute(0x0005, gbz.CHARACTER_STRING, identity.model.encode("ascii")),
        ],
    )
    metering = attributes(
        METERING,
        [
            Attribute(0x0608, gbz.ENUM8, identity.depletion_state),
            Attribute(0x0607, gbz.ENUM8, identity.tamper_state),
        ],
    )
    return respond(ex, MessageCode.GCS21M, [basic, metering], dated=False)


@dataclass(frozen=True, slots=True)
class GasConfiguration:
    """GCS21a content: calorific value (tenths of MJ/m3) and conversion factor (1/100000),
    with the trailing digits the GCS23 command sets, and the uncontrolled gas flow
    configuration (GCS24)."""

    calorific_value: int
    conversion_factor: int
    flow_threshold: int
    """Uncontrolled flow threshold, m3/h (unit 1, multiplier and divisor 1)."""
    stabilisation_seconds: int
    measurement_seconds: int


CV_TRAILING_DIGIT = 0x10
"""One digit after the decimal point (bits 4-7), as the GCS23 command sets it."""
CF_TRAILING_DIGIT = 0x50
MEGAJOULES_PER_CUBIC_METRE = 0x01
CUBIC_METRES = 0x01


def gcs21a(ex: GsmeExchange, config: GasConfiguration) -> bytes:
    """SRV 6.2.8 Read Device Configuration (Gas)."""
    price = attributes(
        PRICE,
        [
            Attribute(0x0306, gbz.BITMAP8, CV_TRAILING_DIGIT),
            Attribute(0x0305, gbz.ENUM8, MEGAJOULES_PER_CUBIC_METRE),
            Attribute(0x0304, gbz.UINT32, config.calorific_value),
            Attribute(0x0303, gbz.BITMAP8, CF_TRAILING_DIGIT),
            Attribute(0x0302, gbz.UINT32, config.conversion_factor),
        ],
    )
    metering = attributes(
        METERING,
        [
            Attribute(0x0B13, gbz.UINT16, 1),  # uncontrolled flow divisor
            Attribute(0x0B12, gbz.UINT16, 1),  # multiplier
            Attribute(0x0B11, gbz.ENUM8, CUBIC_METRES),
            Attribute(0x0B10, gbz.UINT16, config.flow_threshold),
            Attribute(0x0B14, gbz.UINT8, config.stabilisation_seconds),
            Attribute(0x0B15, gbz.UINT16, config.measurement_seconds),
        ],
    )
    return respond(ex, MessageCode.GCS21A, [price, metering], dated=False)


# -- encrypted register reads (dated: the time of the reading) -------------------------------

DIVISOR = 0x0302
MULTIPLIER = 0x0301
UNIT_OF_MEASURE = 0x0300
LITRES_DIVISOR = 1000
"""The registers are in litres: divisor 1000, multiplier 1, unit m3 (as GCS13a)."""


def _unit_attributes() -> list[Attribute]:
    return [
        Attribute(DIVISOR, gbz.UINT24, LITRES_DIVISOR),
        Attribute(MULTIPLIER, gbz.UINT24, 1),
        Attribute(UNIT_OF_MEASURE, gbz.ENUM8, CUBIC_METRES),
    ]


def gcs13b(ex: GsmeExchange, blocks: Sequence[int]) -> bytes:
    """SRV 4.1.4 Read Instantaneous Import Block Counters: the four block registers
    (Current No Tier Block n Summation Delivered, 0x0700 + n - 1), in litres."""
    records = [Attribute(0x0700 + i, gbz.UINT48, v) for i, v in enumerate(_four(blocks))]
    zcl = attributes(METERING, records + _unit_attributes(), encrypted=True)
    return respond(ex, MessageCode.GCS13B, [zcl], dated=True)


def gcs13c(ex: GsmeExchange, tiers: Sequence[int]) -> bytes:
    """SRV 4.1.2 Read Instantaneous Import TOU Matrices: the four TOU registers (Current Tier
    n Summation Delivered, 0x0100 + 2(n - 1)), in litres."""
    records = [Attribute(0x0100 + 2 * i, gbz.UINT48, v) for i, v in enumerate(_four(tiers))]
    zcl = attributes(METERING, _unit_attributes() + records, encrypted=True)
    return respond(ex, MessageCode.GCS13C, [zcl], dated=True)


def _four(values: Sequence[int]) -> Sequence[int]:
    if len(values) != 4:
        raise InvalidValue("a GSME has four tiers and four blocks")
    return values


PRICE_TRAILING_DIGITS = 0x50
"""Amounts in 1/100000 of the currency (5 digits after the point, bits 4-7), as RTDS."""
POUND_STERLING = 826
"""ISO 4217 numeric code of GBP."""


@dataclass(frozen=True, slots=True)
class PrepaymentRegisters:
    """GCS14 content, in 1/100000 GBP: the meter balance (credit remaining), emergency credit
    remaining, accumulated debt, and the three debt registers (time-based 1 and 2,
    payment-based)."""

    credit: int
    emergency_credit: int
    accumulated_debt: int
    time_debt_1: int
    time_debt_2: int
    payment_debt: int


def _currency() -> Zcl:
    return attributes(
        PRICE,
        [
            Attribute(0x0617, gbz.BITMAP8, PRICE_TRAILING_DIGITS),
            Attribute(0x0616, gbz.UINT16, POUND_STERLING),
        ],
    )


def gcs14(ex: GsmeExchange, values: PrepaymentRegisters) -> bytes:
    """SRV 4.3 Read Instantaneous Prepay Values: the currency in clear, the registers
    encrypted."""
    registers = attributes(
        PREPAYMENT,
        [
            Attribute(0x0005, gbz.INT32, values.accumulated_debt),
            Attribute(0x0002, gbz.INT32, values.emergency_credit),
            Attribute(0x0001, gbz.INT32, values.credit),
            Attribute(0x0231, gbz.UINT32, values.payment_debt),
            Attribute(0x0211, gbz.UINT32, values.time_debt_1),
            Attribute(0x0221, gbz.UINT32, values.time_debt_2),
        ],
        encrypted=True,
    )
    return respond(ex, MessageCode.GCS14, [_currency(), registers], dated=True)


def gcs60a(ex: GsmeExchange, bill_to_date: int, credit: int) -> bytes:
    """SRV 4.18 Read Meter Balance: the bill to date (Metering, UINT32) and the meter balance
    (Prepayment Credit Remaining, INT32), both in 1/100000 GBP."""
    bill = attributes(METERING, [Attribute(0x000A, gbz.UINT32, bill_to_date)])
    balance = attributes(PREPAYMENT, [Attribute(0x0001, gbz.INT32, credit)])
    return respond(ex, MessageCode.GCS60A, [bill, balance], dated=True)


# -- event and alert behaviours (GCS20r) -----------------------------------------------------

REPORT_EVENT_CONFIGURATION = 0x04
SUPPLIER_EVENTS = (
    0x810D, 0x810E, 0x8119, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8168, 0x8183, 0x8184,
    0x81A0, 0x81A1, 0x81A4, 0x81A5, 0x81A6, 0x81A7, 0x81A8, 0x81A9, 0x81AA, 0x81AB, 0x81AC,
    0x81AD, 0x81AE, 0x81AF, 0x81B0, 0x81B1, 0x81B2, 0x81B3, 0x81B4, 0x81B5, 0x81B6, 0x81B9,
    0x81BA, 0x81BC, 0x81BD, 0x81BE, 0x81BF, 0x81C0, 0x81C2, 0x81C3, 0x81C4, 0x81C5, 0x81C6,
)  # fmt: skip
"""The GSME's non-critical events a Supplier configures (DUIS XSD SupplierGSMEAlertsEvents)."""
LOG_EVENT = 0x03
WAN_ALERT = 0x08
HAN_ALERT = 0x10
ALARM = 0x40
"""ZSE Event Configuration bits: log in the general event log, push to the WAN, to the HAN,
raise the (physical) alarm; the RTDS GCS20 commands set them so."""


def gcs20r(ex: GsmeExchange, configuration: dict[int, int]) -> bytes:
    """SRV 6.2.10 Read Event and Alert Behaviours: ZSE Report Event Configuration with each
    configurable event and its configuration, in one command."""
    body = b"\x00\x01" + b"".join(
        uint(event, 2, "little") + bytes([configuration[event]]) for event in SUPPLIER_EVENTS
    )
    zcl = Zcl(DEVICE_MANAGEMENT, 0x01, REPORT_EVENT_CONFIGURATION, body)
    return respond(ex, MessageCode.GCS20R, [zcl], dated=False)
