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
(InvalidValue: the device is handed the request's values as before): the network data and
the network data log (GCS18) and the alert behaviours (GCS20).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

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
    """The User's command; the ACB's for it (`from_acb`, or the User an Unknown Remote
    Party: its KA certificate in the grouping header)."""
    content = gbz.payload(assemble(zcls))
    unknown = dsp_commands.unknown_party_certificate(ask)
    if from_acb or unknown is not None:
        return dsp_commands.from_acb(ask, code, content, certificate=unknown)
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

CALENDAR = 0x0707
GET_DAY_PROFILES, GET_WEEK_PROFILES, GET_SEASONS, GET_SPECIAL_DAYS = 0x01, 0x02, 0x03, 0x04
GET_CURRENT_PRICE = 0x00
LATEST = 0xFFFFFFFF
"""Issuer Calendar ID: the calendar in force (RTDS GCS21f)."""
LATEST_PREPAYMENT = 0xFFFFFFFE
"""The Issuer Calendar ID RTDS's GCS21b asks (the friendly credit calendar)."""
FRIENDLY_CREDIT = 0x03
"""Calendar Type of the friendly credit calendar (RTDS GCS21b)."""


def _calendar_reads(issuer: int, special_type: int) -> list[Zcl]:
    """The Calendar cluster's reads of day, week, season profiles and special days: provider
    0, the issuer calendar, from day / week 1, every one of them."""
    head = _le(0, 4) + _le(issuer, 4)
    return [
        Zcl(CALENDAR, GET_DAY_PROFILES, head + bytes([1, 0]), frame=CLIENT_TO_SERVER),
        Zcl(CALENDAR, GET_WEEK_PROFILES, head + bytes([1, 0]), frame=CLIENT_TO_SERVER),
        Zcl(CALENDAR, GET_SEASONS, head, frame=CLIENT_TO_SERVER),
        Zcl(
            CALENDAR,
            GET_SPECIAL_DAYS,
            _le(NOW, 4) + bytes([0, special_type]) + head,
            frame=CLIENT_TO_SERVER,
        ),
    ]


gcs21f = fixed(
    MessageCode.GCS21F,
    read(
        PRICE,
        *(0x0203, 0x0202, 0x0100, 0x0101, 0x0102, 0x0615, 0x0400, 0x0401, 0x0402),
        *(0x0403, 0x0410, 0x0420, 0x0430, 0x0440, 0x0616, 0x0617, 0x0301),
    ),
    *_calendar_reads(LATEST, 0),
    Zcl(PRICE, GET_CURRENT_PRICE, b"\x00", frame=CLIENT_TO_SERVER),
)
"""4.11.1: the tariff's attributes (price tiers, block thresholds, standing charge,
currency...), the calendar in force, and the current price."""
gcs21b = fixed(
    MessageCode.GCS21B,
    read(
        PREPAYMENT,
        *(0x0239, 0x0006, 0x0216, 0x0226, 0x0040, 0x0010),
        *(0x0011, 0x0031, 0x0021, 0x0022, 0x0217, 0x0227),
    ),
    read(PRICE, 0x0617),
    *_calendar_reads(LATEST_PREPAYMENT, FRIENDLY_CREDIT),
)
"""4.13: the prepayment configuration, the standing charge, the friendly credit calendar."""

# -- logs ------------------------------------------------------------------------------------

GET_SNAPSHOT, GET_PREPAY_SNAPSHOT = 0x06, 0x07
GET_SAMPLED_DATA, GET_TOP_UP_LOG, GET_DEBT_REPAYMENT_LOG = 0x08, 0x08, 0x0A
DAILY, BILLING_PERIOD, CHANGE_OF_MODE_OR_TARIFF = 0x00000001, 0x00000002, 0x00006008
"""Snapshot Cause bit-maps (RTDS GCS16a/b, GCS15c, GCS15b)."""
LAST_TIME = 0xFFFFFFFE
"""The latest ZigBee UTCTime a request can give (FFFFFFFF means now)."""
TOP_UPS, DEBTS, TIME_DEBTS = 5, 10, 0x02
"""GCS15e reads the 5 top-ups; GCS15d the 10 repayments of the time debts (RTDS)."""
HALF_HOUR = timedelta(minutes=30)


def _seconds(at: datetime) -> int:
    """The ZigBee UTCTime of a request's date-time, the latest one a request can give for
    a date-time beyond it (DUIS's 3000-12-31: RTDS GCS15e's FEFFFFFF)."""
    try:
        return min(utc_time(at), LAST_TIME)
    except InvalidValue:
        return LAST_TIME


def _time(at: datetime) -> bytes:
    return _le(_seconds(at), 4)


def _snapshots(ask: Ask, cluster: int, command: int, cause: int, count: int) -> list[Zcl]:
    """`count` Get (Prepay) Snapshot commands of the ReadLogPeriod, offsets 0 to count-1."""
    start, end = ask.period()
    head = _time(start) + _time(end)
    return [
        Zcl(cluster, command, head + bytes([i]) + _le(cause, 4), frame=CLIENT_TO_SERVER)
        for i in range(count)
    ]


def _daily(ask: Ask) -> list[Zcl]:
    """4.6.1: the 31 daily snapshots of the period."""
    return _snapshots(ask, METERING, GET_SNAPSHOT, DAILY, 31)


def _prepayment_daily(ask: Ask) -> list[Zcl]:
    """4.14: the 31 daily prepayment snapshots of the period."""
    return _snapshots(ask, PREPAYMENT, GET_PREPAY_SNAPSHOT, DAILY, 31)


def _change_of_mode(ask: Ask) -> list[Zcl]:
    """4.4.2: 12 prepayment, then 12 metering snapshots of a change of mode or tariff."""
    prepayment = _snapshots(ask, PREPAYMENT, GET_PREPAY_SNAPSHOT, CHANGE_OF_MODE_OR_TARIFF, 12)
    return prepayment + _snapshots(ask, METERING, GET_SNAPSHOT, CHANGE_OF_MODE_OR_TARIFF, 12)


def _billing(ask: Ask) -> list[Zcl]:
    """4.4.3: 12 metering, then 12 prepayment snapshots of the billing periods."""
    metering = _snapshots(ask, METERING, GET_SNAPSHOT, BILLING_PERIOD, 12)
    return metering + _snapshots(ask, PREPAYMENT, GET_PREPAY_SNAPSHOT, BILLING_PERIOD, 12)


def _profile(ask: Ask) -> list[Zcl]:
    """4.8.1: Get Sampled Data of the consumption profile (sample 0), every half hour of
    the period, both ends included."""
    start, end = ask.period()
    samples = int((end - start) / HALF_HOUR) + 1
    if not 0 < samples <= 0xFFFF:
        raise InvalidValue("not a period of half hours a Get Sampled Data can ask")
    body = _le(0, 2) + _time(start) + b"\x00" + _le(samples, 2)
    return [Zcl(METERING, GET_SAMPLED_DATA, body, frame=CLIENT_TO_SERVER)]


def _daily_consumption(ask: Ask) -> list[Zcl]:
    """4.17: Get Sampled Data of the daily consumption (sample 1), every day of the period,
    both ends included."""
    start, end = ask.period()
    samples = (end - start).days + 1
    if not 0 < samples <= 0xFFFF:
        raise InvalidValue("not a period of days a Get Sampled Data can ask")
    body = _le(1, 2) + _time(start) + b"\x00" + _le(samples, 2)
    return [Zcl(METERING, GET_SAMPLED_DATA, body, frame=CLIENT_TO_SERVER)]


def _top_ups(ask: Ask) -> list[Zcl]:
    """4.4.5: Get Top Up Log from the start of the period (the From Date Time) to its end."""
    start, end = ask.period()
    zcl = Zcl(
        PREPAYMENT,
        GET_TOP_UP_LOG,
        _time(end) + bytes([TOP_UPS]),
        frame=CLIENT_TO_SERVER,
        from_time=_seconds(start),
    )
    return [zcl]


def gcs15d(ask: Ask) -> bytes:
    """4.4.4: Get Debt Repayment Log of the time debts in the period, from the ACB (RTDS)."""
    start, end = ask.period()
    zcl = Zcl(
        PREPAYMENT,
        GET_DEBT_REPAYMENT_LOG,
        _time(end) + bytes([DEBTS, TIME_DEBTS]),
        frame=CLIENT_TO_SERVER,
        from_time=_seconds(start),
    )
    return send(ask, MessageCode.GCS15D, [zcl], from_acb=True)


gcs15b = built(MessageCode.GCS15B, _change_of_mode)
gcs15c = built(MessageCode.GCS15C, _billing)
gcs15e = built(MessageCode.GCS15E, _top_ups)
gcs16a = built(MessageCode.GCS16A, _daily)
gcs16b = built(MessageCode.GCS16B, _prepayment_daily)
gcs17 = built(MessageCode.GCS17, _profile)
gcs61 = built(MessageCode.GCS61, _daily_consumption)

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
