"""The GBZ commands the DSP sends a GSME (and a GPF, which answers from its copy of the
GSME's data) for non-critical requests, built from the DUIS values (wan/dsp_commands.py;
docs/gbcs.md "Commands the DSP sends").

A GBZ command payload (GBCS 11.2) is profile 01 09 and one component per ZCL command, the
client's: a Read Attributes of the cluster's attributes (profile-wide, frame control 00),
a cluster-specific command to the server (01), or a command of the Messaging and Device
Management clusters as the RTDS commands send it (09, default response disabled). The
clusters, attribute identifiers, command identifiers and field layouts are those of the
RTDS 4.5.0 commands of the same use cases (facts, as gbcs-parser names them); the Issuer
Event ID of a command is the time it is sent (RTDS: its "now"). Not encoded here
(InvalidValue: the device is handed the request's values as before): the log reads (GCS15b
to GCS18, GCS61), the tariff and prepayment configuration reads (GCS21b, GCS21f), and the alert
behaviours (GCS20).
"""

from __future__ import annotations

from collections.abc import Callable

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import gbz
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.gsme_commands import CLIENT_TO_SERVER, SERVER_TO_CLIENT, Zcl, assemble, utc_time
from gbdsp.wan import dsp_commands
from gbdsp.wan.dsp_commands import CommandBuilder
from gbdsp.wan.emulator import customer_identification_number
from gbdsp.wan.gbcs_ask import Ask

BASIC, PRICE, METERING, MESSAGING, PREPAYMENT, DEVICE_MANAGEMENT = (
    0x0000,
    0x0700,
    0x0702,
    0x0703,
    0x0705,
    0x0708,
)
"""ZigBee clusters (ZCL, ZSE 1.2)."""
READ_ATTRIBUTES = 0x00
PROFILE_WIDE = 0x00
"""ZCL frame control of a Read Attributes: profile-wide, client to server."""
DISPLAY_MESSAGE = 0x00
PUBLISH_CHANGE_OF_TENANCY, PUBLISH_CHANGE_OF_SUPPLIER = 0x00, 0x01
REQUEST_NEW_PASSWORD_RESPONSE, UPDATE_SITE_ID, GET_EVENT_CONFIGURATION = 0x02, 0x03, 0x05
START_SAMPLING, UPDATE_CIN = 0x07, 0x06
GET_BILLING_PERIOD = 0x0B
"""ZSE command identifiers (to the client's server: Metering, Price; the Messaging and
Device Management commands as RTDS sends them)."""
NOW = 0
"""A ZSE time of 0: at once."""
FOREVER = 0xFFFF
PIN = 0x02
"""Password Type of the privacy PIN (RTDS GCS11)."""
TENANCY_CHANGE_CONTROL = 0x00000200
SUPPLIER_CHANGE_CONTROL = 0x00001800
"""The Proposed Tenancy / Provider Change Control bits RTDS's GCS09 and GCS44 carry."""
ALL_EVENTS = 0x81FF
"""GCS20r's Get Event Configuration of every event (RTDS)."""
NETWORK_SAMPLING = (0, 360, 41)
"""GCS31 Start Sampling: sample type, interval (s) and number of samples (RTDS)."""


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def _string(text: str) -> bytes:
    """A ZCL octet string: its length, then its octets."""
    data = text.encode()
    if len(data) > 0xFE:
        raise InvalidValue("a ZCL string has at most 254 octets")
    return bytes([len(data)]) + data


def read(cluster: int, *attributes: int) -> Zcl:
    """A Read Attributes of `attributes` (little-endian identifiers, ZCL 2.5.1)."""
    body = b"".join(_le(a, 2) for a in attributes)
    return Zcl(cluster, READ_ATTRIBUTES, body, frame=PROFILE_WIDE)


def send(ask: Ask, code: MessageCode, zcls: list[Zcl], *, from_acb: bool = False) -> bytes:
    content = gbz.payload(assemble(zcls))
    if from_acb:
        return dsp_commands.from_acb(ask, code, content)
    return dsp_commands.from_user(ask, code, content)


def fixed(code: MessageCode, *zcls: Zcl) -> CommandBuilder:
    """A use case whose command is always the same."""

    def build(ask: Ask) -> bytes:
        return send(ask, code, list(zcls))

    build.__doc__ = f"The command of {code.title}."
    return build


def built(code: MessageCode, make: Callable[[Ask], list[Zcl]]) -> CommandBuilder:
    def build(ask: Ask) -> bytes:
        return send(ask, code, make(ask))

    build.__doc__ = f"The command of {code.title}."
    return build


def _text(ask: Ask, name: str) -> str:
    value = ask.text(name)
    if value is None:
        raise InvalidValue(f"no {name}")
    return value.strip()


def _event(ask: Ask) -> bytes:
    """The Issuer Event ID: the ZigBee UTC time of sending."""
    return _le(utc_time(ask.at), 4)


# -- reads -------------------------------------------------------------------------------

UNITS = (0x0302, 0x0301, 0x0300)
"""Metering divisor, multiplier, unit of measure."""
gcs13a = fixed(MessageCode.GCS13A, read(METERING, *UNITS, 0x0000))
gcs13b = fixed(MessageCode.GCS13B, read(METERING, 0x0700, 0x0701, 0x0702, 0x0703, *UNITS))
gcs13c = fixed(MessageCode.GCS13C, read(METERING, *UNITS, 0x0100, 0x0102, 0x0104, 0x0106))
gcs14 = fixed(
    MessageCode.GCS14,
    read(PRICE, 0x0617, 0x0616),
    read(PREPAYMENT, 0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221),
)
gcs60a = fixed(MessageCode.GCS60A, read(METERING, 0x0A00), read(PREPAYMENT, 0x0001))
gcs38 = fixed(MessageCode.GCS38, read(METERING, 0x0206))
gcs21m = fixed(MessageCode.GCS21M, read(BASIC, 0x0004, 0x0005), read(METERING, 0x0608, 0x0607))
gcs46 = fixed(MessageCode.GCS46, read(METERING, 0x0307))
gcs21a = fixed(
    MessageCode.GCS21A,
    read(PRICE, 0x0306, 0x0305, 0x0304, 0x0303, 0x0302),
    read(METERING, 0x0B13, 0x0B12, 0x0B11, 0x0B10, 0x0B14, 0x0B15),
)
gcs21j = fixed(MessageCode.GCS21J, read(PREPAYMENT, 0x0000))
gcs33 = fixed(MessageCode.GCS33, read(METERING, 0x0205, 0x0014))
gcs20r = fixed(
    MessageCode.GCS20R,
    Zcl(DEVICE_MANAGEMENT, GET_EVENT_CONFIGURATION, _le(ALL_EVENTS, 2), frame=SERVER_TO_CLIENT),
)
gcs21k = fixed(
    MessageCode.GCS21K,
    Zcl(
        PRICE,
        GET_BILLING_PERIOD,
        _le(NOW, 4) + _le(0xFFFFFFFF, 4) + bytes([1, 0]),  # any issuer event, 1, tariff 0
        frame=CLIENT_TO_SERVER,
    ),
)

# -- commands ------------------------------------------------------------------------------


def _message(ask: Ask) -> list[Zcl]:
    """3.1: Display Message, its ID the time of sending, now, for ever."""
    body = _event(ask) + b"\x00" + _le(NOW, 4) + _le(FOREVER, 2)
    body += _string(_text(ask, "SupplierMessage"))
    return [Zcl(MESSAGING, DISPLAY_MESSAGE, body, frame=SERVER_TO_CLIENT)]


def _tenancy(ask: Ask) -> list[Zcl]:
    """3.2 on a GPF: Publish Change of Tenancy at the restriction date-time."""
    at = utc_time(ask.instant("RestrictionDateTime"))
    body = _le(0, 4) + _event(ask) + b"\x00" + _le(at, 4) + _le(TENANCY_CHANGE_CONTROL, 4)
    return [Zcl(DEVICE_MANAGEMENT, PUBLISH_CHANGE_OF_TENANCY, body, frame=SERVER_TO_CLIENT)]


def _supplier(ask: Ask) -> list[Zcl]:
    """3.4: Publish Change of Supplier with the supplier's name and telephone number."""
    if not (ask.has("SupplierName") and ask.has("SupplierTelephoneNumber")):
        raise InvalidValue("the command of one contact detail alone is not encoded")
    body = _le(0, 4) + _event(ask) + b"\x00" + _le(0, 4) + _le(NOW, 4)
    body += _le(SUPPLIER_CHANGE_CONTROL, 4) + _string(_text(ask, "SupplierName"))
    body += _string(_text(ask, "SupplierTelephoneNumber"))
    return [Zcl(DEVICE_MANAGEMENT, PUBLISH_CHANGE_OF_SUPPLIER, body, frame=SERVER_TO_CLIENT)]


def _pin(ask: Ask) -> list[Zcl]:
    """3.5: Request New Password Response, an empty privacy PIN, now."""
    body = _event(ask) + _le(NOW, 4) + _le(0, 2) + bytes([PIN]) + _string("")
    return [Zcl(DEVICE_MANAGEMENT, REQUEST_NEW_PASSWORD_RESPONSE, body, frame=SERVER_TO_CLIENT)]


def _mprn(ask: Ask) -> list[Zcl]:
    """6.20.1: Update Site ID, the MPRN, now."""
    body = _event(ask) + _le(NOW, 4) + _le(0, 4) + _string(_text(ask, "ImportMPRN"))
    return [Zcl(DEVICE_MANAGEMENT, UPDATE_SITE_ID, body, frame=SERVER_TO_CLIENT)]


def gcs31(ask: Ask) -> bytes:
    """14.1 Record Network Data (GAS): Start Sampling, from the ACB for the User."""
    kind, interval, samples = NETWORK_SAMPLING
    body = _event(ask) + _le(NOW, 4) + bytes([kind]) + _le(interval, 2) + _le(samples, 2)
    zcl = Zcl(METERING, START_SAMPLING, body, frame=CLIENT_TO_SERVER)
    return send(ask, MessageCode.GCS31, [zcl], from_acb=True)


def gcs36(ask: Ask) -> bytes:
    """9.1: Update CIN, the CIN the DCC gives the GSME (wan/emulator.py), from the ACB."""
    cin = customer_identification_number(ask.seed, ask.device.device_id)
    body = _event(ask) + _le(NOW, 4) + _le(0, 4) + _string(cin)
    zcl = Zcl(DEVICE_MANAGEMENT, UPDATE_CIN, body, frame=SERVER_TO_CLIENT)
    return send(ask, MessageCode.GCS36, [zcl], from_acb=True)


gcs07 = built(MessageCode.GCS07, _message)
gcs09 = built(MessageCode.GCS09, _tenancy)
gcs44 = built(MessageCode.GCS44, _supplier)
gcs11 = built(MessageCode.GCS11, _pin)
gcs41 = built(MessageCode.GCS41, _mprn)
