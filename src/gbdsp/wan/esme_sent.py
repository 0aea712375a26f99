"""The DLMS Access-Requests the DSP sends an ESME (and a CHF, which answers the same DLMS)
for non-critical requests, built from the DUIS values (wan/dsp_commands.py; docs/gbcs.md
"Commands the DSP sends").

Each use case is the list of its GET, SET and ACTION requests, with the COSEM classes,
OBIS codes and attributes of the RTDS 4.5.0 commands of the same use cases (read as facts:
gbcs-parser names each object). A GET of a profile carries the request's ReadLogPeriod as a
selective access by range; a sensitive read (GBCS 10.2.4) is the Get Protected Attributes
ACTION of the collection's Data Protection object (gbcs/esme_commands.py `protected_read`).
Not encoded here (InvalidValue: the device is handed the request's values as before): the
polyphase variants (the emulated ESME is single phase), and the alert behaviour bit-strings
of 6.22.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.dlms_data import (
    Bits,
    Data,
    array,
    boolean,
    date_time,
    double_long_unsigned,
    integer,
    long_unsigned,
    octet_string,
    structure,
)
from gbdsp.gbcs.esme import ACTION, GET, SET, EsmeCode
from gbdsp.gbcs.esme_commands import (
    PROFILE_CLASS,
    Request,
    access_request,
    dated_range,
    protected_read,
    utc_range,
)
from gbdsp.wan import dsp_commands
from gbdsp.wan.dsp_commands import CommandBuilder
from gbdsp.wan.emulator import customer_identification_number
from gbdsp.wan.gbcs_ask import Ask

DATA, REGISTER, EXTENDED_REGISTER = 1, 3, 4
PROFILE, SCHEDULE, SPECIAL_DAYS, ACTIVITY_CALENDAR, SINGLE_ACTION = 7, 10, 11, 20, 22
REGISTER_MONITOR, DISCONNECT_CONTROL, LIMITER = 21, 70, 71
ACCOUNT, CREDIT, CHARGE, DATA_PROTECTION = 111, 112, 113, 30
GBCS_EXTENDED_DATA = 9000
"""COSEM interface classes (Blue Book; 9000: the GBCS Extended Data class)."""
VALUE, SCALER_UNIT, RESET = 2, 3, 1
"""Attribute 2 (value, buffer, entries...), attribute 3 of a register; method 1 (reset)."""


def o(text: str) -> bytes:
    """An OBIS code "A-B:C.D.E.F" as its six octets."""
    a, rest = text.split("-")
    b, rest = rest.split(":")
    c, d, e, f = rest.split(".")
    return bytes(int(x) for x in (a, b, c, d, e, f))


def get(class_id: int, code: str, *members: int) -> list[Request]:
    """A GET of each attribute of one object."""
    return [Request(GET, class_id, o(code), m) for m in members or (VALUE,)]


def gets(class_id: int, *codes: str) -> list[Request]:
    """A GET of attribute 2 of each object."""
    return [Request(GET, class_id, o(c), VALUE) for c in codes]


def set_(class_id: int, code: str, value: Data, member: int = VALUE) -> Request:
    return Request(SET, class_id, o(code), member, value)


def reset(class_id: int, code: str) -> Request:
    """The reset method (1) of an object, with its integer 0 parameter (RTDS)."""
    return Request(ACTION, class_id, o(code), RESET, integer(0))


def profile(ask: Ask, code: str) -> Request:
    """A GET of a profile's buffer for the request's ReadLogPeriod."""
    start, end = ask.period()
    return Request(GET, PROFILE, o(code), VALUE, selection=utc_range(start, end))


FROM_ACB = frozenset(
    {
        EsmeCode.ECS21C,
        EsmeCode.ECS26I,
        EsmeCode.ECS35C,
        EsmeCode.ECS35D,
        EsmeCode.ECS39B,
        EsmeCode.ECS61D,
        EsmeCode.ECS61E,
        EsmeCode.ECS50,
    }
)
"""The use cases whose command the ACB originates for the User (supplementary remote
party), as RTDS 4.5.0 has them: the export reads and settings, the CHF's identity and
logs, the auxiliary controller reads, the CIN (wan/dsp_commands.py `from_acb`)."""


def send(ask: Ask, code: int, requests: Sequence[Request]) -> bytes:
    content = access_request(ask.rid.counter, requests)
    if code in FROM_ACB:
        return dsp_commands.from_acb(ask, code, content)
    return dsp_commands.from_user(ask, code, content)


def fixed(
    code: EsmeCode | MessageCode, *requests: Callable[[Ask], list[Request]]
) -> CommandBuilder:
    """A use case whose requests follow from the request's values by `requests`."""

    def build(ask: Ask) -> bytes:
        return send(ask, code, [r for part in requests for r in part(ask)])

    build.__doc__ = f"The command of {code.title}."
    return build


def always(*requests: Request) -> Callable[[Ask], list[Request]]:
    return lambda ask: list(requests)


def _text(ask: Ask, name: str) -> str:
    value = ask.text(name)
    if value is None:
        raise InvalidValue(f"no {name}")
    return value.strip()


def _octets(ask: Ask, name: str) -> Data:
    return octet_string(_text(ask, name).encode())


# -- sensitive reads (GBCS 10.2.4): Get Protected Attributes --------------------------------


def protected(
    code: EsmeCode | MessageCode,
    protection: str,
    captured: str,
    *,
    log: bool,
    more: Sequence[str] = (),
) -> CommandBuilder:
    """A sensitive read: of a register collection (class 1), or of a log (class 7) for the
    request's ReadLogPeriod, and of the `more` logs for the same period."""

    def build(ask: Ask) -> bytes:
        unknown = dsp_commands.unknown_party_certificate(ask)
        user, device = _title(ask.rid.originator.value), _title(ask.device.device_id.value)
        period = dated_range(*ask.period())
        selection = {"selection": period} if log else {}
        others = [(PROFILE_CLASS, o(c), period) for c in more]
        content = protected_read(
            user,
            device,
            ask.rid.counter,
            o(protection),
            o(captured),
            captured_class=PROFILE_CLASS if log else DATA,
            more=others,
            **selection,
        )
        if unknown is not None:  # the ACB's, for the Unknown Remote Party
            return dsp_commands.from_acb(ask, code, content, certificate=unknown)
        return dsp_commands.from_user(ask, code, content)

    build.__doc__ = f"The command of {code.title}."
    return build


def _title(value: int) -> bytes:
    return Eui64(value).value.to_bytes(8, "big")


# -- commands (SET, ACTION) ---------------------------------------------------------------


def _message(ask: Ask) -> list[Request]:
    return [set_(DATA, "0-2:96.13.1.255", _octets(ask, "SupplierMessage"))]


def _restriction(ask: Ask) -> list[Request]:
    return [set_(DATA, "0-0:94.44.3.2", date_time(ask.instant("RestrictionDateTime")))]


def _contact(ask: Ask) -> list[Request]:
    """3.4: a SET of the telephone number and of the name, each given, in that order."""
    fields = (("SupplierTelephoneNumber", "0-0:96.13.0.255"), ("SupplierName", "0-0:96.13.1.255"))
    found = [set_(GBCS_EXTENDED_DATA, c, _octets(ask, n)) for n, c in fields if ask.has(n)]
    if not found:
        raise InvalidValue("no supplier name or telephone number")
    return found


def ecs15(ask: Ask) -> bytes:
    """3.3 Clear Event Log: the reset of the ESME event log, or of the ALCS event log."""
    if ask.text("ESMEEventLogType") == "ALCS":
        return send(ask, EsmeCode.ECS15C, [reset(PROFILE, "0-17:99.98.2.255")])
    return send(ask, EsmeCode.ECS15A, [reset(PROFILE, "0-0:99.98.0.255")])


def _mpans(ask: Ask) -> list[Request]:
    """6.20.1: the import MPAN, and the secondary one after it (one octet-string)."""
    text = _text(ask, "ImportMPAN") + (ask.text("SecondaryImportMPAN") or "").strip()
    return [set_(DATA, "0-0:94.44.34.11", octet_string(text.encode()))]


def _thresholds(ask: Ask) -> list[Request]:
    """6.12: the two instantaneous power thresholds (W) of the register monitor."""
    low, high = (
        int(_text(ask, n)) for n in ("LowMediumPowerThreshold", "MediumHighPowerThreshold")
    )
    values = array([double_long_unsigned(low), double_long_unsigned(high)])
    return [set_(REGISTER_MONITOR, "0-0:16.0.0.255", values)]


MAXIMUM_DEMAND = (
    ("MaxDemandActivePowerImportValue", "1-0:1.6.0.255"),
    ("MaxDemandConfigTimeActivePowerImportValue", "1-0:1.6.1.255"),
    ("MaxDemandActivePowerExportValue", "1-0:2.6.0.255"),
)
"""6.18.2: the DUIS register named -> its extended register, in the command's order."""


def _maximum_demand(ask: Ask) -> list[Request]:
    found = [reset(EXTENDED_REGISTER, c) for n, c in MAXIMUM_DEMAND if ask.has(n)]
    if not found:
        raise InvalidValue("no maximum demand register to reset")
    return found


def _boost(name: str) -> Callable[[Ask], list[Request]]:
    """7.9 / 7.10: the association of each switch given with the boost button (Add:
    true, Remove: false), switch n at 0-0:94.44.6.n."""
    add = name == "AddToBoostButton"

    def requests(ask: Ask) -> list[Request]:
        found = [] if ask.body is None else ask.body.iter(f"{{*}}{name}")
        indices = sorted({int(e.get("index", "0")) for e in found})
        if not indices or not all(1 <= i <= 5 for i in indices):
            raise InvalidValue(f"no switch 1 to 5 in {name}")
        return [set_(DATA, f"0-0:94.44.6.{i}", boolean(add)) for i in indices]

    return requests


RMS_LIMITERS = ("0-0:17.0.1.255", "0-0:17.0.2.255", "0-0:17.0.3.255", "0-0:17.0.4.255")
"""6.5: the limiters of the RMS extreme over- and under-voltage, sag and swell."""
RMS_SETTINGS = ("ExtremeOverVoltage", "ExtremeUnderVoltage", "VoltageSag", "VoltageSwell")
AVERAGE_PERIOD = "1-0:32.24.0.255"
AVERAGE_OVER, AVERAGE_UNDER = "1-0:32.35.0.4", "1-0:32.31.0.4"
SAG_COUNTER, SWELL_COUNTER = "1-0:32.32.0.4", "1-0:32.36.0.4"
THRESHOLD, PERIOD = 4, 6
"""A limiter's attributes: its threshold, the minimum over- or under-threshold duration."""


def _number(ask: Ask, name: str) -> Data:
    return double_long_unsigned(int(_text(ask, name)))


def _limiters(ask: Ask) -> list[Request]:
    requests = []
    for limiter, name in zip(RMS_LIMITERS, RMS_SETTINGS, strict=True):
        requests.append(set_(LIMITER, limiter, _number(ask, f"RMS{name}Threshold"), THRESHOLD))
        requests.append(set_(LIMITER, limiter, _number(ask, f"RMS{name}MeasurementPeriod"), PERIOD))
    return requests


def ecs29(ask: Ask) -> bytes:
    """6.5 Update Device Configuration (Voltage), single phase: the average RMS period, the
    limiters, the average thresholds, then (ECS29a) the resets of the sag and swell
    counters; without them (ECS29c, RMSVoltageCountersNotReset) the thresholds first."""
    if ask.has("PolyPhaseVoltageSettings"):
        raise InvalidValue("a polyphase ESME is not modelled")
    period = set_(PROFILE, AVERAGE_PERIOD, _number(ask, "AverageRMSVoltageMeasurementPeriod"), 4)
    over = set_(DATA, AVERAGE_OVER, _number(ask, "AverageRMSOverVoltageThreshold"))
    under = set_(DATA, AVERAGE_UNDER, _number(ask, "AverageRMSUnderVoltageThreshold"))
    if ask.has("RMSVoltageCountersNotReset"):
        return send(ask, EsmeCode.ECS29C, [under, over, period, *_limiters(ask)])
    resets = [reset(REGISTER, SAG_COUNTER), reset(REGISTER, SWELL_COUNTER)]
    return send(ask, EsmeCode.ECS29A, [period, *_limiters(ask), over, under, *resets])


MD_SCRIPT = "0-0:10.128.100.255"
"""The script table whose scripts 1 and 2 start and end the maximum demand configurable
time period (RTDS ECS37)."""
EVERY_DAY = Bits("1111111")
EVERY_YEAR_FROM = octet_string(bytes([0, 0, 1, 0xFF, 0xFF]))
FOR_EVER = octet_string(b"\xff" * 5)
"""The schedule entries' validity: every day of the week, from 1 January of no year, no
end (RTDS ECS37)."""


def _time_of_day(text: str) -> bytes:
    """A DUIS xs:time ("17:00:00.00Z") as a COSEM time: hour, minute, second, hundredths."""
    hours, minutes, rest = text.strip().rstrip("Z").split(":")
    seconds, _, hundredths = rest.partition(".")
    values = (int(hours), int(minutes), int(seconds), int((hundredths or "0")[:2].ljust(2, "0")))
    if not (values[0] < 24 and values[1] < 60 and values[2] < 60):
        raise InvalidValue(f"not a time of day: {text!r}")
    return bytes(values)


def _md_period(ask: Ask) -> list[Request]:
    """6.18.1: the schedule of the configurable time period, an entry starting it (script
    1) at StartTime and one ending it (script 2) at EndTime, every day."""
    entries = [
        structure(
            long_unsigned(index),
            boolean(True),
            octet_string(o(MD_SCRIPT)),
            long_unsigned(index + 1),
            octet_string(_time_of_day(_text(ask, name))),
            long_unsigned(0xFFFF),
            EVERY_DAY,
            Bits(""),
            EVERY_YEAR_FROM,
            FOR_EVER,
        )
        for index, name in enumerate(("StartTime", "EndTime"))
    ]
    return [set_(SCHEDULE, "0-0:12.0.0.255", array(entries))]


ecs37 = fixed(EsmeCode.ECS37, _md_period)
ecs10 = fixed(EsmeCode.ECS10, _message)
ecs12 = fixed(EsmeCode.ECS12, _restriction)
ecs14 = fixed(EsmeCode.ECS14, always(set_(DATA, "0-0:94.44.3.1", octet_string(b""))))
ecs16 = fixed(EsmeCode.ECS16, _contact)
ecs28b = fixed(EsmeCode.ECS28B, always(reset(REGISTER, "0-0:94.44.42.255")))
ecs29e = fixed(
    EsmeCode.ECS29E, always(reset(REGISTER, SAG_COUNTER), reset(REGISTER, SWELL_COUNTER))
)
ecs34 = fixed(EsmeCode.ECS34, _thresholds)
ecs39a = fixed(EsmeCode.ECS39A, _mpans)
ecs39b = fixed(
    EsmeCode.ECS39B,
    lambda ask: [set_(DATA, "1-0:0.0.2.255", _octets(ask, "ExportMPAN"))],
)
ecs57 = fixed(EsmeCode.ECS57, _maximum_demand)


def ecs62(ask: Ask) -> bytes:
    """7.9 / 7.10 Add or Remove Auxiliary Load to/from Boost Button."""
    name = "AddToBoostButton" if ask.has("AddToBoostButton") else "RemoveFromBoostButton"
    return send(ask, EsmeCode.ECS62, _boost(name)(ask))


# -- reads (GET) ---------------------------------------------------------------------------

ecs17a = fixed(
    EsmeCode.ECS17A,
    always(
        *get(REGISTER, "1-0:2.8.0.255", VALUE, SCALER_UNIT),
        *get(REGISTER, "1-0:4.8.0.255", VALUE, SCALER_UNIT),
    ),
)
ecs17c = fixed(EsmeCode.ECS17C, always(*gets(DATA, "0-0:94.44.34.20")))
ecs18a = fixed(
    EsmeCode.ECS18A,
    always(*gets(DATA, "0-0:94.44.5.2"), *get(EXTENDED_REGISTER, "1-0:2.6.0.255", 2, 3, 5)),
)
ecs18b = fixed(
    EsmeCode.ECS18B,
    always(
        *gets(DATA, "0-0:94.44.5.0", "0-0:94.44.5.1"),
        *get(EXTENDED_REGISTER, "1-0:1.6.0.255", 2, 3, 5),
        *get(EXTENDED_REGISTER, "1-0:1.6.1.255", 2, 3, 5),
        *gets(SCHEDULE, "0-0:12.0.0.255"),
    ),
)
ecs20a = fixed(EsmeCode.ECS20A, lambda ask: [profile(ask, "0-0:98.1.4.255")])
ecs20d = fixed(EsmeCode.ECS20D, lambda ask: [profile(ask, "0-0:98.1.5.255")])
ecs21c = fixed(EsmeCode.ECS21C, lambda ask: [profile(ask, "0-0:98.1.10.255")])
ecs22a = fixed(EsmeCode.ECS22A, lambda ask: [profile(ask, "0-0:99.1.1.255")])
ecs22c = fixed(EsmeCode.ECS22C, lambda ask: [profile(ask, "0-0:99.1.2.255")])


def _network(ask: Ask) -> list[Request]:
    """4.10, single phase: the sag and swell counters, the average RMS voltage profile of
    the period and its capture period."""
    return [
        *get(REGISTER, SAG_COUNTER, VALUE, SCALER_UNIT),
        *get(REGISTER, SWELL_COUNTER, VALUE, SCALER_UNIT),
        profile(ask, AVERAGE_PERIOD),
        *get(PROFILE, AVERAGE_PERIOD, 4),
    ]


ecs23 = fixed(EsmeCode.ECS23, _network)
SWITCHING_TABLE, SECONDARY_TABLE = "0-0:13.0.0.255", "0-0:13.0.1.255"
SEASONS, WEEKS, DAYS = 3, 4, 5
"""Activity Calendar attributes: the active season, week and day profile tables."""
UNIT_CHARGE_ACTIVE = 5
ecs24 = fixed(
    EsmeCode.ECS24,
    always(
        *get(REGISTER, "0-0:94.44.1.7", VALUE, SCALER_UNIT),
        *get(ACTIVITY_CALENDAR, SWITCHING_TABLE, SEASONS, WEEKS, DAYS),
        *gets(SPECIAL_DAYS, "0-0:11.0.0.255"),
        *gets(REGISTER_MONITOR, *(f"0-0:16.0.{n}.255" for n in range(11, 19))),
        *gets(GBCS_EXTENDED_DATA, "0-0:94.44.2.0"),
        *get(CHARGE, "0-0:19.20.4.255", UNIT_CHARGE_ACTIVE),
        *get(CHARGE, "0-0:19.20.0.255", UNIT_CHARGE_ACTIVE),
    ),
)
ecs24b = fixed(
    EsmeCode.ECS24B,
    always(
        *get(CHARGE, "0-0:19.20.5.255", UNIT_CHARGE_ACTIVE),
        *get(REGISTER, "0-0:94.44.1.8", VALUE, SCALER_UNIT),
        *gets(SPECIAL_DAYS, "0-0:11.0.1.255"),
        *get(ACTIVITY_CALENDAR, SECONDARY_TABLE, SEASONS, WEEKS, DAYS),
    ),
)


def ecs25r(ask: Ask) -> bytes:
    """6.2.10 Read Event and Alert Behaviours: the supplier's four bit-strings (ECS25r1) or
    the network operator's two (ECS25r2), as the Response (wan/esme_configuration.py)."""
    if ask.device.network_operator == ask.rid.originator:
        return send(ask, EsmeCode.ECS25R2, gets(DATA, "0-33:97.98.15.255", "0-33:97.98.18.255"))
    supplier = (f"0-30:97.98.{n}.255" for n in range(15, 19))
    return send(ask, EsmeCode.ECS25R1, gets(DATA, *supplier))


ecs26a = fixed(
    EsmeCode.ECS26A,
    always(
        *get(CHARGE, "0-0:19.20.1.255", 5),
        *gets(SPECIAL_DAYS, "0-0:11.0.2.255"),
        *get(CHARGE, "0-0:19.20.1.255", 8, 5),
        *get(CHARGE, "0-0:19.20.2.255", 5, 8, 5),
        *get(CHARGE, "0-0:19.20.3.255", 13),
        *gets(GBCS_EXTENDED_DATA, "0-0:94.44.2.10"),
        *gets(REGISTER_MONITOR, "0-0:16.0.1.255"),
        *gets(GBCS_EXTENDED_DATA, "0-0:94.44.2.20"),
        *get(ACCOUNT, "0-0:19.0.0.255", 16, 18, 19),
        *get(CREDIT, "0-0:19.10.1.255", 9, 10),
        *gets(SCHEDULE, "0-0:12.0.1.255"),
        *get(ACCOUNT, "0-0:19.0.0.255", 11),
    ),
)
ecs26b = fixed(
    EsmeCode.ECS26B,
    always(
        *(r for c in RMS_LIMITERS for r in get(LIMITER, c, THRESHOLD, PERIOD)),
        *gets(DATA, AVERAGE_OVER, AVERAGE_UNDER),
    ),
)
ecs26c = fixed(
    EsmeCode.ECS26C, always(*gets(DATA, "0-0:94.44.0.0", "0-0:94.44.0.2", "0-0:94.44.0.1"))
)
ecs26d = fixed(EsmeCode.ECS26D, always(*get(SINGLE_ACTION, "0-0:15.0.0.255", 4)))
IDENTITY = ("0-0:96.1.1.255", "0-0:96.1.2.255", "0-0:96.1.4.255", "0-0:96.1.6.255")
"""Device ID, meter variant, model, manufacturer (Data objects, COSEM 0-0:96.1.x)."""
ecs26e = fixed(EsmeCode.ECS26E, always(*gets(DATA, *IDENTITY, "0-0:94.44.0.4")))
ecs26i = fixed(EsmeCode.ECS26I, always(*gets(DATA, IDENTITY[0], *IDENTITY[2:])))
ecs26f = fixed(EsmeCode.ECS26F, always(*gets(REGISTER_MONITOR, "0-0:16.0.0.255")))
ecs26j = fixed(EsmeCode.ECS26J, always(*gets(ACCOUNT, "0-0:19.0.0.255")))
ecs27 = fixed(
    EsmeCode.ECS27,
    always(
        *gets(GBCS_EXTENDED_DATA, "0-0:94.44.0.3"),
        *get(REGISTER, "0-0:94.44.42.255", VALUE, SCALER_UNIT),
        *get(LIMITER, "0-0:17.0.0.255", 4, 6, 7),
    ),
)

LOGS = {
    "Event": (EsmeCode.ECS35A, EsmeCode.ECS35C, "0-0:99.98.0.255"),
    "Security": (EsmeCode.ECS35B, EsmeCode.ECS35D, "0-0:99.98.1.255"),
    "PowerEvent": (EsmeCode.ECS35E, EsmeCode.ECS35E, "0-0:99.98.4.255"),
    "ALCSEvent": (EsmeCode.ECS35F, EsmeCode.ECS35F, "0-17:99.98.2.255"),
}
"""6.13 LogToRead -> (ESME use case, CHF use case, the log), as the Responses choose."""


def ecs35(ask: Ask) -> bytes:
    """6.13 Read Event or Security Log: the log's entries of the period."""
    esme_code, chf_code, log = LOGS.get(ask.text("LogToRead") or "Event", LOGS["Event"])
    code = chf_code if ask.device.device_type.name == "CHF" else esme_code
    return send(ask, code, [profile(ask, log)])


ecs40 = fixed(EsmeCode.ECS40, always(*gets(DATA, "0-0:94.44.34.11", "1-0:0.0.2.255")))
ecs45 = fixed(EsmeCode.ECS45, always(*get(DISCONNECT_CONTROL, "0-0:96.3.10.255", 3)))
ecs52 = fixed(MessageCode.ECS52, always(*gets(DATA, "0-0:0.2.1.255")))
DESCRIPTIONS = tuple(f"0-0:94.44.0.{n}" for n in range(11, 16))
HCALCS = tuple(f"0-0:94.44.0.{n}" for n in range(21, 26))
CONTROLLERS = tuple(f"0-0:94.44.0.{n}" for n in range(31, 36))
"""The five switches' descriptions, paired HCALCSs, auxiliary controller states."""
CALENDAR = (*gets(SPECIAL_DAYS, "0-0:11.0.3.255"), *gets(SCHEDULE, "0-0:12.0.2.255"))
ecs61a = fixed(
    EsmeCode.ECS61A,
    always(
        *gets(DATA, *DESCRIPTIONS, *HCALCS),
        *CALENDAR,
        *(r for n in range(1, 6) for r in get(DISCONNECT_CONTROL, f"0-{n}:96.3.10.255")),
    ),
)


def ecs61c(ask: Ask) -> bytes:
    """7.11 Read Boost Button Details: the boost button state, its log of the period, and
    the switches' association with it."""
    boost = [profile(ask, "0-0:99.98.20.255")]
    associations = gets(DATA, *(f"0-0:94.44.6.{n}" for n in range(1, 6)))
    return send(ask, EsmeCode.ECS61C, [*gets(DATA, "0-0:94.44.7.255"), *boost, *associations])


ecs61d = fixed(EsmeCode.ECS61D, always(*gets(DATA, *DESCRIPTIONS), *CALENDAR))
ecs61e = fixed(EsmeCode.ECS61E, always(*gets(DATA, *HCALCS, *CONTROLLERS)))


def _cin(ask: Ask) -> list[Request]:
    """9.1: the CIN the DCC gives the ESME to show (wan/emulator.py)."""
    cin = customer_identification_number(ask.seed, ask.device.device_id)
    return [set_(DATA, "0-3:96.13.1.255", octet_string(cin.encode()))]


ecs50 = fixed(EsmeCode.ECS50, _cin)
ecs82 = fixed(EsmeCode.ECS82, always(*gets(CREDIT, "0-0:19.10.0.255")))

# -- sensitive reads -------------------------------------------------------------------------

ecs17b = protected(MessageCode.ECS17B, "0-0:43.2.8.255", "0-0:94.44.34.10", log=False)
ecs17d = protected(EsmeCode.ECS17D, "0-0:43.2.9.255", "0-0:94.44.34.1", log=False)
ecs17e = protected(EsmeCode.ECS17E, "0-0:43.2.10.255", "0-0:94.44.34.2", log=False)
ecs19 = protected(EsmeCode.ECS19, "0-0:43.2.1.255", "0-0:94.44.34.30", log=False)
ecs20b = protected(EsmeCode.ECS20B, "0-0:43.2.3.255", "0-0:98.1.2.255", log=True)
ecs20c = protected(
    EsmeCode.ECS20C, "0-0:43.2.2.255", "0-0:98.1.0.255", log=True, more=["0-0:98.1.1.255"]
)
"""4.4.3: the billing data log and the billing calendar triggered prepayment log."""
ecs21a = protected(EsmeCode.ECS21A, "0-0:43.2.5.255", "0-0:98.1.9.255", log=True)
ecs21b = protected(EsmeCode.ECS21B, "0-0:43.2.6.255", "0-0:98.1.8.255", log=True)
ecs22b = protected(EsmeCode.ECS22B, "0-0:43.2.7.255", "0-0:99.1.0.255", log=True)
ecs66 = protected(EsmeCode.ECS66, "0-0:43.2.4.255", "0-0:99.1.3.255", log=True)
