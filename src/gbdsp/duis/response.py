"""DUIS Responses: built from replies, valid against the XSD, signed by the caller."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from functools import singledispatch
from xml.sax.saxutils import escape

from lxml import etree

from gbdsp.domain.devices import Device, DeviceType, SmiStatus
from gbdsp.domain.replies import (
    CinReply,
    DeviceResponseReply,
    FutureDatedAlertReply,
    InventoryEntry,
    InventoryReply,
    LocalCommandReply,
    OptInReply,
    Payload,
    PreCommandReply,
    Reply,
    ScheduledMessageReply,
    ScheduleIdReply,
    SchedulesReply,
    WanMatrixReply,
)
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.duis import signature
from gbdsp.duis.namespaces import SR, sr
from gbdsp.duis.signature import SigningKey

SCHEMA_VERSION = "5.4"


def build_response(
    *,
    reply: Reply,
    at: datetime,
    request_id: str | None,
    response_id: str | None = None,
    service_reference: str | None = None,
    srv: str | None = None,
) -> etree._Element:
    """A `sr:Response` (unsigned). With an SRV, the body is a ResponseMessage for it."""
    root = etree.Element(sr("Response"), nsmap={"sr": SR}, schemaVersion=SCHEMA_VERSION)
    header = etree.SubElement(root, sr("Header"))
    if request_id:
        etree.SubElement(header, sr("RequestID")).text = request_id
    if response_id:
        etree.SubElement(header, sr("ResponseID")).text = response_id
    etree.SubElement(header, sr("ResponseCode")).text = reply.code
    etree.SubElement(header, sr("ResponseDateTime")).text = duis_datetime(at)
    message = etree.SubElement(etree.SubElement(root, sr("Body")), sr("ResponseMessage"))
    etree.SubElement(message, sr("ServiceReference")).text = service_reference or "0"
    etree.SubElement(message, sr("ServiceReferenceVariant")).text = srv or "0"
    if reply.payload is not None:
        render(reply.payload, message)
    return root


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def duis_datetime(at: datetime) -> str:
    """UTC with milliseconds and `Z`, as DCC Boxed writes it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


ESME_VARIANT = "A"
"""The SMI of gbdsp holds single-element ESMEs only (variant A, SMETS2 5.x)."""
HAN_VARIANT = "Single Band"
"""The emulated CHs are 2.4 GHz only, as DCC Boxed's (its 8.2 says Single Band)."""
CONNECTIVITY = "Virtual"
"""The SM WAN is emulated: DCC Boxed reports its own CHs as Virtual too."""


@singledispatch
def render(payload: Payload, message: etree._Element) -> None:
    raise TypeError(f"no DUIS rendering for {type(payload).__name__}")


@render.register
def _inventory(payload: InventoryReply, message: etree._Element) -> None:
    """Written as text and parsed once: an 8.2 answer has up to 17 devices of about 16
    elements each, and one lxml parse of the text is several times cheaper than as many
    SubElement calls (bench/wire.py). Every value is escaped; the parser resolves nothing."""
    text = _inventory_text(payload, f' xmlns:sr="{SR}"')
    message.append(etree.fromstring(text, _FRAGMENT_PARSER))


def _inventory_text(payload: InventoryReply, declaration: str = "") -> str:
    """The sr:DSPInventory element, in canonical form (inclusive C14N) if `declaration` is
    empty: no empty elements, text escaped as C14N escapes it."""
    parts = [f"<sr:DSPInventory{declaration}>"]
    show = payload.show_restricted
    for entry in payload.entries:
        status = entry.cpl_status.value if entry.cpl_status else None
        key = (id(entry.device), status, entry.gbcs_version, show)
        known = _DEVICE_TEXT.get(key)
        if known is not None and known[0] is entry.device:
            parts.append(known[1])
            continue
        one = ["<sr:Device>"]
        _device(one, entry, show)
        one.append("</sr:Device>")
        text = "".join(one)
        if len(_DEVICE_TEXT) >= DEVICE_TEXT_SIZE:
            _DEVICE_TEXT.clear()
        _DEVICE_TEXT[key] = (entry.device, text)
        parts.append(text)
    parts.append("</sr:DSPInventory>")
    return "".join(parts)


DEVICE_TEXT_SIZE = 16384
_DEVICE_TEXT: dict[tuple[int, str | None, str | None, bool], tuple[Device, str]] = {}
"""Each sr:Device written once: its text is a function of the (immutable) entry and the
Restricted switch alone, and the premises an 8.2 asks for are asked for again. Emptied
when full (a few MB).

Keyed by the `Device` object's identity, not its value: store/hot.py gives the same object
for the same row, and hashing a `Device` (a dataclass of enums, dates and a model) and
comparing it on a hit cost more than writing half its text (bench/wire.py --profile). The
identity is safe because the entry keeps the object alive, so no other object can take its
id; the `is` check refuses any other object with an equal key."""


_FRAGMENT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _device(parts: list[str], entry: InventoryEntry, show_restricted: bool) -> None:
    """One sr:Device of a DSPInventory, in the XSD's element order. IDs, enumerations and
    dates cannot hold markup and are written as they are; free text goes through `_put`."""
    d = entry.device
    parts.append(
        f"<sr:DeviceID>{d.device_id}</sr:DeviceID><sr:DeviceType>{d.device_type.value}"
        "</sr:DeviceType>"
    )
    if d.status:
        parts.append(f"<sr:DeviceStatus>{d.status.value}</sr:DeviceStatus>")
    _put(parts, "DeviceManufacturer", d.model.manufacturer)
    _put(parts, "DeviceModel", d.model.model)
    _put(parts, "SMETSCHTSVersion", d.smets_chts_version)
    _put(parts, "DeviceFirmwareVersion", d.model.firmware_version[:8])
    # DUIS 5.4 Device: the CPL row is per firmware version, so the firmware version's
    # status and the CPL status are the same row's (docs/duis-coverage.md).
    if entry.cpl_status:
        status = entry.cpl_status.value
        parts.append(
            f"<sr:DeviceFirmwareVersionStatus>{status}</sr:DeviceFirmwareVersionStatus>"
            f"<sr:CPLStatus>{status}</sr:CPLStatus>"
        )
    if d.status is SmiStatus.COMMISSIONED and d.status_date is not None:
        parts.append(f"<sr:DateCommissioned>{d.status_date.date()}</sr:DateCommissioned>")
    _put(parts, "ImportMPxN", d.import_mpxn)
    if d.device_type is DeviceType.ESME:
        parts.append(f"<sr:ESMEVariant>{ESME_VARIANT}</sr:ESMEVariant>")
    uprn = d.uprn if d.uprn and int(d.uprn) > 0 else None
    _put(parts, "UPRN", uprn)
    if d.postcode and 6 <= len(d.postcode) <= 8:
        # PropertyFilter needs an AddressIdentifier; the SMI's only premises key is
        # the UPRN (DCC Boxed fills it with an identifier of its own, too).
        parts.append("<sr:PropertyFilter>")
        _put(parts, "PostCode", d.postcode)
        _put(parts, "AddressIdentifier", uprn or str(d.chf_id or d.device_id))
        parts.append("</sr:PropertyFilter>")
    if d.csp_region:
        parts.append(f"<sr:CSPRegion>{d.csp_region.value}</sr:CSPRegion>")
    _put(parts, "DeviceGBCSVersion", entry.gbcs_version)
    if d.device_type is DeviceType.CHF:
        parts.append(
            f"<sr:HANVariant>{HAN_VARIANT}</sr:HANVariant>"
            f"<sr:Connectivity>{CONNECTIVITY}</sr:Connectivity>"
        )
    if show_restricted and d.restricted:
        # Only where it is true: answers about other devices stay plain DUIS 5.4.
        parts.append("<sr:Restricted>true</sr:Restricted>")


def _put(parts: list[str], name: str, text: str | None) -> None:
    """An element with text; none for None and (as C14N has no empty elements) for ""."""
    if text:
        parts.append(f"<sr:{name}>{canonical_text(text)}</sr:{name}>")


def canonical_text(text: str) -> str:
    """Text content escaped as Canonical XML 1.0 writes it (& < > and CR)."""
    if not _MARKUP.search(text):  # IDs and enumerations: as they are
        return text
    return escape(text, {"\r": "&#xD;"})


_MARKUP = re.compile(r"[&<>\r]")


def signed_response(
    *,
    reply: Reply,
    at: datetime,
    request_id: str | None,
    service_reference: str | None,
    srv: str | None,
    signing_key: SigningKey,
) -> bytes:
    """`build_response`, signed and serialised: the synchronous answer to a request.

    Written as text in canonical form, digested and signed as it stands (`signature.
    signed_text`), so no tree is built at all for the answers every request gets (an
    acknowledgement, a refusal, an 8.2 inventory); the bytes are those of the tree path
    (tests/duis). Other payloads take the tree path."""
    if reply.payload is None:
        payload = ""
    elif isinstance(reply.payload, InventoryReply):
        payload = _inventory_text(reply.payload)
    else:
        root = build_response(
            reply=reply, at=at, request_id=request_id, service_reference=service_reference, srv=srv
        )
        signature.sign(root, signing_key)
        return serialise(root)
    parts = [f'<sr:Response xmlns:sr="{SR}" schemaVersion="{SCHEMA_VERSION}"><sr:Header>']
    _put(parts, "RequestID", request_id)
    _put(parts, "ResponseCode", reply.code)
    _put(parts, "ResponseDateTime", duis_datetime(at))
    parts.append("</sr:Header><sr:Body><sr:ResponseMessage>")
    _put(parts, "ServiceReference", service_reference or "0")
    _put(parts, "ServiceReferenceVariant", srv or "0")
    parts.append(payload)
    parts.append("</sr:ResponseMessage></sr:Body></sr:Response>")
    return signature.signed_text("".join(parts).encode(), signing_key)


@render.register
def _wan_matrix(payload: WanMatrixReply, message: etree._Element) -> None:
    matrix = etree.SubElement(message, sr("DSPWANMatrix"))
    request = etree.SubElement(matrix, sr("Request"))
    if payload.uprn is not None:
        _add(request, "UPRN", payload.uprn)
    else:
        partial = etree.SubElement(request, sr("PartialAddress"))
        _add(partial, "PostCode", payload.postcode)
        _add(partial, "AddressIdentifier", payload.address_identifier)
    for line in payload.lines:
        answer = etree.SubElement(matrix, sr("DSPWANMatrixResponse"))
        _add(answer, "CSPRegion", line.region.value)
        _add(answer, "CSPRegionResponseCode", line.code)
        if line.coverage is not None:
            _add(answer, "CoverageAvailability", "true" if line.coverage else "false")
            _add(answer, "WANTechnology", line.technology)
            _add(answer, "ConnectivityLikelihood", line.likelihood)


@render.register
def _opt_in(payload: OptInReply, message: etree._Element) -> None:
    opt_in = etree.SubElement(message, sr("DSPOptIn"))
    _add(opt_in, "DeviceID", payload.device_id)
    if payload.digital_signing_der is not None:
        _add(
            opt_in,
            "DSPBrokerSecurityCredentialsDigitalSigning",
            base64.b64encode(payload.digital_signing_der).decode(),
        )
    _add(
        opt_in,
        "DSPBrokerSecurityCredentialsKeyAgreement",
        base64.b64encode(payload.key_agreement_der).decode(),
    )


@render.register
def _cin(payload: CinReply, message: etree._Element) -> None:
    cin = etree.SubElement(message, sr("CINMessage"))
    _add(cin, "GBCSPayload", base64.b64encode(payload.payload).decode())
    _add(cin, "CustomerIdentificationNumber", payload.cin)


@render.register
def _schedule_id(payload: ScheduleIdReply, message: etree._Element) -> None:
    _add(message, "DSPScheduleID", str(payload.schedule_id))


@render.register
def _schedules(payload: SchedulesReply, message: etree._Element) -> None:
    read = etree.SubElement(message, sr("DSPSchedulesRead"))
    for schedule_id, details in payload.schedules:
        item = etree.SubElement(read, sr("DSPSchedules"))
        _add(item, "DSPScheduleID", str(schedule_id))
        stored = etree.fromstring(details, etree.XMLParser(resolve_entities=False, no_network=True))
        stored.tag = sr("DSPScheduleDetails")  # the sr:DSPSchedule type, as created
        item.append(stored)


@render.register
def _scheduled_message(payload: ScheduledMessageReply, message: etree._Element) -> None:
    scheduled = etree.SubElement(message, sr("DSPScheduledMessage"))
    _add(scheduled, "GBCSPayload", base64.b64encode(payload.payload).decode())
    _add(scheduled, "DSPScheduleID", str(payload.schedule_id))


@render.register
def _future_dated_alert(payload: FutureDatedAlertReply, message: etree._Element) -> None:
    alert = etree.SubElement(message, sr("FutureDatedDeviceAlertMessage"))
    _add(alert, "FutureDatedAlertCode", payload.alert_code)
    _add(alert, "GBCSPayload", base64.b64encode(payload.payload).decode())
    _add(alert, "InstructionNumber", str(payload.instruction))
    _add(alert, "TotalCommandInstructions", str(payload.instructions))


@render.register
def _pre_command(payload: PreCommandReply, message: etree._Element) -> None:
    pre = etree.SubElement(message, sr("PreCommand"))
    _add(pre, "GBCSVersion", payload.gbcs_version)
    _add(pre, "GBCSPayload", base64.b64encode(payload.payload).decode())


@render.register
def _local_command(payload: LocalCommandReply, message: etree._Element) -> None:
    local = etree.SubElement(message, sr("LocalCommand"))
    _add(local, "GBCSPayload", base64.b64encode(payload.payload).decode())


@render.register
def _device_response(payload: DeviceResponseReply, message: etree._Element) -> None:
    _add(message, "GBCSPayload", base64.b64encode(payload.payload).decode())


def _add(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, sr(name)).text = text


DEVICE_REMOVED_ALERT = "N999"
"""DCC alert code for 'device removed from inventory'. The XSD enumerates AD1, N1-N65, N999
without meanings; which N code the DCC uses is not public, so we send N999
(docs/housekeeping.md)."""


def build_device_removed_alert(device_id: str, at: datetime) -> etree._Element:
    """A DCC alert telling a User that a device left the SMI (housekeeping, AC 7.2)."""
    root = etree.Element(sr("Response"), nsmap={"sr": SR}, schemaVersion=SCHEMA_VERSION)
    header = etree.SubElement(root, sr("Header"))
    etree.SubElement(header, sr("ResponseCode")).text = ResponseCode.I0
    etree.SubElement(header, sr("ResponseDateTime")).text = duis_datetime(at)
    message = etree.SubElement(etree.SubElement(root, sr("Body")), sr("DCCAlertMessage"))
    etree.SubElement(message, sr("DCCAlertCode")).text = DEVICE_REMOVED_ALERT
    event = etree.SubElement(
        etree.SubElement(message, sr("DCCAlert")), sr("DeviceStatusChangeEvent")
    )
    etree.SubElement(event, sr("DeviceID")).text = device_id
    change = etree.SubElement(event, sr("DeviceStatusChange"))
    etree.SubElement(change, sr("DeviceRemovedFromInventory"))
    return root


def build_device_alert(alert_code: str, payload: bytes, at: datetime) -> etree._Element:
    """A device alert as DUIS carries it to a User (AlertCode + the device's payload)."""
    root = etree.Element(sr("Response"), nsmap={"sr": SR}, schemaVersion=SCHEMA_VERSION)
    header = etree.SubElement(root, sr("Header"))
    etree.SubElement(header, sr("ResponseCode")).text = ResponseCode.I0
    etree.SubElement(header, sr("ResponseDateTime")).text = duis_datetime(at)
    message = etree.SubElement(etree.SubElement(root, sr("Body")), sr("DeviceAlertMessage"))
    etree.SubElement(message, sr("AlertCode")).text = alert_code.upper()
    etree.SubElement(message, sr("GBCSPayload")).text = base64.b64encode(payload).decode()
    return root


HAN_LOG_RESULT_ALERT = "N24"
"""DCC alert after an 8.11 Update HAN Device Log has been carried out by the CHF."""


def build_han_log_result_alert(request_id: str, at: datetime) -> etree._Element:
    """The N24 DCCAlertMessage: which 8.11 request the CHF's Device Log change answers."""
    root = etree.Element(sr("Response"), nsmap={"sr": SR}, schemaVersion=SCHEMA_VERSION)
    header = etree.SubElement(root, sr("Header"))
    etree.SubElement(header, sr("RequestID")).text = request_id
    etree.SubElement(header, sr("ResponseCode")).text = ResponseCode.I0
    etree.SubElement(header, sr("ResponseDateTime")).text = duis_datetime(at)
    message = etree.SubElement(etree.SubElement(root, sr("Body")), sr("DCCAlertMessage"))
    etree.SubElement(message, sr("DCCAlertCode")).text = HAN_LOG_RESULT_ALERT
    result = etree.SubElement(
        etree.SubElement(message, sr("DCCAlert")), sr("UpdateHANDeviceLogResult")
    )
    etree.SubElement(result, sr("UpdateHANDeviceLogServiceRequestID")).text = request_id
    return root
