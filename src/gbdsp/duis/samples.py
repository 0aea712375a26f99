"""Sample DUIS 5.4 requests written by gbdsp (`gbdsp request build`), unsigned.

Every body is written here from the DUIS 5.4 XSD (`data/duis-schema`), not copied from the
DCC Boxed templates (GPL-3.0). One small builder per SRV, declared once in `SAMPLES`: the
SRV, its Command Variant, where its default device comes from, and its fields with their
defaults. The defaults address the `gbdsp demo` fleet (services/demo.py), so a built request
passes the gateway as the DCC Boxed test supplier. `build_request` checks the result against
the XSD, so a field value the schema refuses is named before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from lxml import etree

from gbdsp.domain.devices import DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DCC_ACCESS_CONTROL_BROKER, DeviceId, UserId
from gbdsp.domain.requests import CommandVariant
from gbdsp.domain.srv import catalogue
from gbdsp.duis.namespaces import SR, sr
from gbdsp.duis.schema import schema_error
from gbdsp.duis.smki import TEST_USERS

SCHEMA_VERSION = "5.4"
DEFAULT_USER = UserId.parse(TEST_USERS[0].user_id)
"""The DCC Boxed test supplier (IS and GS): Responsible Supplier of the demo fleet."""
TEMPLATE_PREMISES = 0x00DB_1234_5678_9000
"""The premises the DCC Boxed templates address (00-DB-12-34-56-78-90-xx), which
`gbdsp demo` creates (services/demo.py, docs/demo.md); its electricity MPAN below."""
TEMPLATE_MPAN = "1312345678111"


def template_device(last_octet: int) -> DeviceId:
    return DeviceId(TEMPLATE_PREMISES | last_octet)


Values = Mapping[str, str]
Kind = Literal["text", "eui", "hex", "digits", "datetime"]
Builder = Callable[[etree._Element, DeviceId, Values], None]


@dataclass(frozen=True, slots=True)
class Field:
    """One option of `gbdsp request build SRV` (CLI name `--<name>`)."""

    name: str
    help: str
    default: str | None = None
    """None: optional (left out of the body), unless `default_text` says how it is chosen."""
    choices: tuple[str, ...] = ()
    default_text: str = ""
    """How a default that depends on the SMI or on other fields is chosen (for `list`)."""
    kind: Kind = "text"
    """What `check` accepts (eui: a Device ID)."""

    def check(self, value: str) -> str:
        """The value, normalised, or a clear error naming the option."""
        value = value.strip()
        if self.choices and value not in self.choices:
            raise InvalidValue(f"--{self.name} must be one of: {', '.join(self.choices)}")
        try:
            if self.kind == "eui":
                return str(DeviceId.parse(value))
            if self.kind == "hex":
                return bytes.fromhex(value).hex().upper()
            if self.kind == "digits" and not value.isdigit():
                raise ValueError(value)
            if self.kind == "datetime":
                datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as e:
            raise InvalidValue(f"--{self.name}: not {_KINDS[self.kind]}: {value!r}") from e
        return value

    @property
    def shown_default(self) -> str:
        return self.default_text or (self.default if self.default is not None else "-")


_KINDS: dict[Kind, str] = {
    "text": "text",
    "eui": "a Device ID (8 hex octets joined by -)",
    "hex": "hex octets",
    "digits": "a number",
    "datetime": "an xs:dateTime such as 2026-01-31T00:00:00Z",
}


@dataclass(frozen=True, slots=True)
class Pick:
    """A default device looked up in the SMI: the first (in ID order) of the User's
    devices of one of these types, in the first of these statuses that has one."""

    types: tuple[DeviceType, ...]
    statuses: tuple[SmiStatus, ...]

    def describe(self) -> str:
        types = "/".join(t.value for t in self.types)
        return f"your first {types} that is " + ", else ".join(s.value for s in self.statuses)


NEW_DEVICE = "new"
"""Default device of 12.2: the first template-range ID not yet in the SMI."""

DeviceDefault = DeviceId | Pick | str


@dataclass(frozen=True, slots=True)
class Sample:
    srv: str
    cv: CommandVariant
    build: Builder
    device: DeviceDefault
    """The RequestID target for device SRVs; the body's DeviceID for non-device ones."""
    fields: tuple[Field, ...] = ()

    @property
    def service_reference(self) -> str:
        found = catalogue().get(self.srv)
        assert found is not None, self.srv
        return found.service_reference

    @property
    def name(self) -> str:
        found = catalogue().get(self.srv)
        return found.name if found is not None else self.srv

    @property
    def body_element(self) -> str:
        found = catalogue().get(self.srv)
        assert found is not None, self.srv
        return found.body_element

    def default_device_text(self) -> str:
        if isinstance(self.device, DeviceId):
            return str(self.device)
        if isinstance(self.device, Pick):
            return self.device.describe()
        return "the first free ID from 00-DB-12-34-56-78-90-B0"


# -- small helpers ---------------------------------------------------------------------------


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, sr(name))
    if text is not None:
        child.text = text
    return child


def _flag(value: str) -> str:
    return "true" if value.lower() in ("true", "yes", "1") else "false"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _premises_mpan(device: DeviceId) -> str:
    """A 13-digit MPAN of the device's own (stock CHs have none yet): 19 + 11 digits of
    the ID, so two sample installs do not claim the same premises."""
    return f"19{device.value % 10**11:011d}"


# -- builders: one per SRV, each writes the children of the SRV's body element ---------------


def _empty(body: etree._Element, device: DeviceId, values: Values) -> None:
    """Bodies with no content (4.1.1, 11.2, 6.2.x, 7.4 ...): the element alone says it."""


def _log_period(body: etree._Element, device: DeviceId, values: Values) -> None:
    period = _add(body, "ReadLogPeriod")
    _add(period, "StartDateTime", values["start"])
    _add(period, "EndDateTime", values["end"])


def _event_log(body: etree._Element, device: DeviceId, values: Values) -> None:
    _log_period(body, device, values)
    _add(body, "LogToRead", values["log"])


def _read_inventory(body: etree._Element, device: DeviceId, values: Values) -> None:
    # XSD choice: UPRN | DeviceID | MPxN | PropertyFilter (PostCode, AddressIdentifier).
    if values.get("uprn"):
        _add(body, "UPRN", values["uprn"])
    elif values.get("mpxn"):
        _add(body, "MPxN", values["mpxn"])
    elif values.get("postcode"):
        found = _add(body, "PropertyFilter")
        _add(found, "PostCode", values["postcode"])
        _add(found, "AddressIdentifier", values["address"])
    else:
        _add(body, "DeviceID", str(device))


def _prenotification(body: etree._Element, device: DeviceId, values: Values) -> None:
    # The model defaults are the demo CPL's (services/sample_defaults.py fills them).
    missing = [f"--{k}" for k in ("manufacturer", "model") if not values.get(k)]
    if missing:
        raise InvalidValue(f"12.2 needs {' and '.join(missing)}")
    _add(body, "DeviceID", str(device))
    _add(body, "DeviceManufacturer", values["manufacturer"])
    _add(body, "DeviceModel", values["model"])
    _add(body, "DeviceType", values["device-type"])
    for name, key in (("SMETSCHTSVersion", "smets-version"), ("FirmwareVersion", "firmware")):
        if values.get(key):
            _add(body, name, values[key])


def _han_device_log(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "DeviceID", values["add"])
    _add(body, "RequestType", values["request-type"])
    if values["request-type"] == "Add":
        whitelist = _add(body, "AddDeviceToCHFWhitelist")
        _add(whitelist, "JoinTimePeriod", values["join-time"])
        _add(whitelist, "InstallCode", values["install-code"])
        if values.get("mpxn"):
            _add(whitelist, "ImportMPxN", values["mpxn"])


def _ch_install(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "DeviceID", str(device))
    _add(body, "CHFInstallType", values["install-type"])
    _add(body, "MPxN", values.get("mpxn") or _premises_mpan(device))
    _add(body, "AerialInstall", _flag(values["aerial"]))
    _add(body, "CHFLocation", values["location"])


def _ch_install_no_wan(body: etree._Element, device: DeviceId, values: Values) -> None:
    _ch_install(body, device, values)
    _add(body, "PremiseType", values["premise-type"])
    for check in (
        "MetalObstructionCheck",
        "ConnectivityObstructionCheck",
        "SharedObstructionCheck",
    ):
        _add(body, check, "false")


def _ch_fault_return(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "DeviceID", str(device))
    _add(body, "CHFFaultReturnType", values["return-type"])
    _add(body, "OtherDeviceID", values["gpf"])
    _add(body, "CHFConnectionMethod", values["connection"])
    _add(body, "CHFFaultReason", values["reason"])


def _ch_no_fault_return(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "DeviceID", str(device))
    _add(body, "CHFNoFaultReturnType", values["return-type"])


def _device_only(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "DeviceID", str(device))


def _import_mpxn(body: etree._Element, device: DeviceId, values: Values) -> None:
    # XSD choice: ImportMPANs (electricity, 13 digits) | ImportMPRN (gas, up to 10).
    mpxn = values["mpxn"]
    if len(mpxn) == 13:
        _add(_add(body, "ImportMPANs"), "ImportMPAN", mpxn)
    else:
        _add(body, "ImportMPRN", mpxn)


def _join(body: etree._Element, device: DeviceId, values: Values) -> None:
    _add(body, "OtherDeviceID", values["other"])


# -- the table -------------------------------------------------------------------------------

CV1, CV8 = CommandVariant.COMMAND, CommandVariant.NON_DEVICE
ESME, GSME, CHF = template_device(0xA0), template_device(0xA1), template_device(0xA2)
STOCK_CHF = Pick((DeviceType.CHF,), (SmiStatus.PENDING,))
RETURNABLE_CHF = Pick((DeviceType.CHF,), (SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.PENDING))
LEFT_METER = Pick(
    (DeviceType.ESME, DeviceType.GSME), (SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.PENDING)
)

START = Field(
    "start",
    "Start of the log period (xs:dateTime, UTC).",
    default_text="24 hours before now",
    kind="datetime",
)
END = Field("end", "End of the log period (xs:dateTime, UTC).", default_text="now", kind="datetime")
INSTALL = (
    Field(
        "mpxn",
        "MPxN of the premises.",
        default_text="19 + the last 11 digits of the CHF ID",
        kind="digits",
    ),
    Field("aerial", "Aerial installed.", "false", ("true", "false")),
    Field(
        "location",
        "Where the CH is.",
        "Indoors on external wall",
        ("Outside Premises", "Indoors on external wall", "Deep indoors", "Basement or Cellar"),
    ),
)
RETURN_TYPES = (
    "No Fault Return (general)",
    "No Fault Return (non-dom opt out)",
    "No Fault Return (dual supplier HAN variant replacement)",
    "No Fault Return (SM WAN variant replacement requested by DCC)",
    "Lost or Stolen Hub",
)


def _read(
    srv: str, device: DeviceId = ESME, build: Builder = _empty, fields: tuple[Field, ...] = ()
) -> Sample:
    return Sample(srv, CV1, build, device, fields)


SAMPLES: dict[str, Sample] = {
    s.srv: s
    for s in (
        Sample(
            "8.2",
            CV8,
            _read_inventory,
            CHF,
            (
                Field("mpxn", "Find the premises by MPxN instead of --device.", kind="digits"),
                Field("uprn", "Find the premises by UPRN instead of --device.", kind="digits"),
                Field("postcode", "Find the premises by postcode (with --address) instead."),
                Field("address", "Address identifier with --postcode.", "1"),
            ),
        ),
        _read("4.1.1"),
        _read("11.2"),
        Sample(
            "12.2",
            CV8,
            _prenotification,
            NEW_DEVICE,
            (
                Field(
                    "device-type",
                    "Type of the new device.",
                    "ESME",
                    ("ESME", "GSME", "HCALCS", "PPMID", "IHD", "CAD"),
                ),
                Field(
                    "manufacturer",
                    "Manufacturer ID (hex).",
                    default_text="the demo CPL model of --device-type",
                ),
                Field(
                    "model", "Model ID (hex).", default_text="the demo CPL model of --device-type"
                ),
                Field(
                    "firmware",
                    "Firmware version (hex).",
                    default_text="the demo CPL model of --device-type",
                ),
                Field(
                    "smets-version",
                    "SMETS/CHTS version.",
                    default_text="that of the demo fleet (SMETS V1.58; CHTS V1.0 for a hub)",
                ),
            ),
        ),
        Sample(
            "8.11",
            CV1,
            _han_device_log,
            CHF,
            (
                Field(
                    "add",
                    "The device to add to (or remove from) the CHF's Device Log.",
                    str(template_device(0x98)),
                    kind="eui",
                ),
                Field("request-type", "Add or Remove.", "Add", ("Add", "Remove")),
                Field(
                    "install-code",
                    "The install code (hex, 6 to 16 octets).",
                    default_text="the device's own (`gbdsp wan install-code`)",
                    kind="hex",
                ),
                Field("join-time", "Join time period in seconds (1-3600).", "3600", kind="digits"),
                Field("mpxn", "Import MPxN of a meter being added.", kind="digits"),
            ),
        ),
        Sample(
            "8.14.1",
            CV8,
            _ch_install,
            STOCK_CHF,
            (
                Field(
                    "install-type",
                    "Kind of install.",
                    "New CHF Install",
                    ("New CHF Install", "Replacement CHF Install"),
                ),
                *INSTALL,
            ),
        ),
        Sample(
            "8.14.2",
            CV8,
            _ch_install_no_wan,
            STOCK_CHF,
            (
                Field(
                    "install-type",
                    "Kind of install.",
                    "CHF Install - no SM WAN",
                    ("New CHF Install", "Replacement CHF Install", "CHF Install - no SM WAN"),
                ),
                *INSTALL,
                Field(
                    "premise-type",
                    "Kind of premises.",
                    "Detached / Semi Detached",
                    (
                        "Detached / Semi Detached",
                        "Terraced",
                        "Low Rise Apartment (MDU <= 5 floors)",
                        "High Rise Apartment (MDU > 5 floors)",
                    ),
                ),
            ),
        ),
        Sample(
            "8.14.3",
            CV8,
            _ch_fault_return,
            RETURNABLE_CHF,
            (
                Field(
                    "return-type",
                    "When the fault was found.",
                    "Fault identified post installation",
                    (
                        "Fault identified prior to installation",
                        "Fault identified post installation",
                    ),
                ),
                Field(
                    "gpf",
                    "The CH's GPF (OtherDeviceID).",
                    default_text="the GPF of the CHF",
                    kind="eui",
                ),
                Field(
                    "connection",
                    "How the CH was connected.",
                    "Hot-shoe",
                    ("Hot-shoe", "Cradle", "ESME"),
                ),
                Field(
                    "reason",
                    "The fault.",
                    "SM WAN Fault",
                    (
                        "Damaged case",
                        "Damaged Connector",
                        "Illegal interference or missing seals",
                        "Environmental conditions exceeded",
                        "SM WAN Fault",
                        "SMHAN Interface Fault",
                        "LED Fault",
                        "Aerial fault",
                        "Manufacturing defect",
                    ),
                ),
            ),
        ),
        Sample(
            "8.14.4",
            CV8,
            _ch_no_fault_return,
            RETURNABLE_CHF,
            (Field("return-type", "Why it goes back.", RETURN_TYPES[0], RETURN_TYPES),),
        ),
        Sample("8.3", CV8, _device_only, LEFT_METER),
        Sample(
            "6.20.1",
            CV1,
            _import_mpxn,
            ESME,
            (
                Field(
                    "mpxn",
                    "The MPAN (13 digits) or, for a GSME, the MPRN (up to 10 digits).",
                    TEMPLATE_MPAN,
                    kind="digits",
                ),
            ),
        ),
        _read("6.2.4"),
        _read("6.2.7"),
        _read("4.18"),
        _read("4.11.1"),
        _read("7.4"),
        _read("8.9", CHF),
        _read("4.8.1", build=_log_period, fields=(START, END)),
        _read("4.17", build=_log_period, fields=(START, END)),
        _read("4.6.1", build=_log_period, fields=(START, END)),
        _read(
            "6.13",
            build=_event_log,
            fields=(
                START,
                END,
                Field(
                    "log",
                    "Which log.",
                    "Event",
                    ("Event", "ALCSEvent", "PowerEvent", "Security", "GSMEEvent", "GSMESecurity"),
                ),
            ),
        ),
        Sample(
            "8.7.2",
            CV1,
            _join,
            ESME,
            (
                Field(
                    "other",
                    "The device to join (a Type 1 device on the same CHF).",
                    str(template_device(0xA4)),
                    kind="eui",
                ),
            ),
        ),
    )
}
"""Every buildable SRV. Defaults target the template premises of `gbdsp demo`
(00-DB-12-34-56-78-90-xx); lifecycle SRVs that need a device in a given state look one up
(`Pick`), since the template premises is fully installed."""


def sample(srv: str) -> Sample:
    found = SAMPLES.get(srv)
    if found is None:
        raise InvalidValue(f"no sample for SRV {srv!r}; buildable: {', '.join(SAMPLES)}")
    return found


def resolve(chosen: Sample, given: Mapping[str, str | None], now: datetime) -> dict[str, str]:
    """The field values of a request: those given (checked), else the static defaults;
    log periods default to the 24 hours before `now`. A field the SRV does not take is
    refused by name. SMI-dependent defaults (`default_text` without `default`) stay unset
    for the caller to fill."""
    names = {f.name for f in chosen.fields}
    stray = sorted(name for name, value in given.items() if value is not None and name not in names)
    if stray:
        takes = ", ".join(f"--{n}" for n in sorted(names)) or "no fields"
        raise InvalidValue(
            f"{chosen.srv} takes no {', '.join('--' + n for n in stray)} (it takes {takes})"
        )
    values = {"start": _iso(now - timedelta(days=1)), "end": _iso(now)}
    values = {k: v for k, v in values.items() if k in names}
    for f in chosen.fields:
        value = given.get(f.name)
        if value is not None:
            values[f.name] = f.check(value)
        elif f.default is not None:
            values[f.name] = f.default
    if (
        chosen.srv == "8.2"
        and sum(1 for k in ("mpxn", "uprn", "postcode") if given.get(k) is not None) > 1
    ):
        raise InvalidValue(
            "8.2 finds a premises by one key: give one of --mpxn, --uprn, --postcode (or --device)"
        )
    return values


def build_request(
    srv: str, user: UserId, device: DeviceId, values: Values, counter: int
) -> etree._Element:
    """The unsigned sr:Request for `srv`, checked against the DUIS 5.4 XSD."""
    chosen = sample(srv)
    target = DCC_ACCESS_CONTROL_BROKER if chosen.cv is CV8 else device
    root = etree.Element(sr("Request"), nsmap={"sr": SR}, schemaVersion=SCHEMA_VERSION)
    header = _add(root, "Header")
    _add(header, "RequestID", f"{user}:{target}:{counter}")
    _add(header, "CommandVariant", str(chosen.cv.value))
    _add(header, "ServiceReference", chosen.service_reference)
    _add(header, "ServiceReferenceVariant", srv)
    body = _add(_add(root, "Body"), chosen.body_element)
    chosen.build(body, device, values)
    error = schema_error(root)
    if error is not None:
        raise InvalidValue(f"{srv}: a field does not fit the DUIS 5.4 schema ({error})")
    return root
