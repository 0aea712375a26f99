"""Request bodies read into domain values (domain/service_requests.py): one function per
body the gateway handles. The XSD has already checked each body's shape."""

from __future__ import annotations

import base64

from lxml import etree

from gbdsp.domain.devices import normalise_postcode
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.service_requests import (
    FirmwareUpdate,
    HanDeviceLogUpdate,
    InventoryQuery,
    InventoryUpdate,
    Prenotification,
    WanMatrixQuery,
)
from gbdsp.duis.namespaces import sr


def read_inventory_query(body: etree._Element) -> InventoryQuery:
    child = body[0]
    name = etree.QName(child).localname
    text = (child.text or "").strip()
    if name == "DeviceID":
        return InventoryQuery(device_id=DeviceId.parse(text))
    if name == "MPxN":
        return InventoryQuery(mpxn=text)
    if name == "UPRN":
        return InventoryQuery(uprn=str(int(text)))
    postcode = child.find(sr("PostCode"))
    return InventoryQuery(
        postcode=normalise_postcode(postcode.text or "") if postcode is not None else ""
    )


def _text(parent: etree._Element, name: str) -> str | None:
    element = parent.find(sr(name))
    return (element.text or "").strip() if element is not None else None


def _required(parent: etree._Element, name: str) -> str:
    value = _text(parent, name)
    assert value is not None, f"XSD guarantees sr:{name}"
    return value


def prenotification(body: etree._Element) -> Prenotification:
    gpf = _text(body, "AssociatedGPFDeviceID")
    return Prenotification(
        device_id=DeviceId.parse(_required(body, "DeviceID")),
        manufacturer=_required(body, "DeviceManufacturer"),
        model=_required(body, "DeviceModel"),
        device_type=_required(body, "DeviceType"),
        smets_chts_version=_text(body, "SMETSCHTSVersion"),
        firmware_version=_text(body, "FirmwareVersion"),
        associated_gpf=DeviceId.parse(gpf) if gpf else None,
    )


def device_id_of(body: etree._Element) -> DeviceId:
    """The sr:DeviceID child (8.3, 8.4, 8.14.x and others name their device this way)."""
    return DeviceId.parse(_required(body, "DeviceID"))


def han_device_log_update(body: etree._Element) -> HanDeviceLogUpdate:
    whitelist = body.find(sr("AddDeviceToCHFWhitelist"))
    code = _text(whitelist, "InstallCode") if whitelist is not None else None
    return HanDeviceLogUpdate(
        device_id=DeviceId.parse(_required(body, "DeviceID")),
        add=_required(body, "RequestType") == "Add",
        install_code=bytes.fromhex(code) if code else None,
        import_mpxn=_text(whitelist, "ImportMPxN") if whitelist is not None else None,
    )


def other_device_id(body: etree._Element) -> DeviceId:
    """8.7.x / 8.8.x: the device to join or unjoin."""
    return DeviceId.parse(_required(body, "OtherDeviceID"))


def import_mpxn(body: etree._Element) -> str:
    """6.20.1 SetDeviceConfigurationImportMPxN: the MPAN (or the MPRN for gas)."""
    mpans = body.find(sr("ImportMPANs"))
    if mpans is not None:
        return _required(mpans, "ImportMPAN")
    return _required(body, "ImportMPRN")


def inventory_update(body: etree._Element) -> InventoryUpdate:
    device_id = DeviceId.parse(_required(body, "DeviceID"))
    choice = body[1]
    name = etree.QName(choice).localname
    if name in ("UpdateDeviceStatusExceptCH", "UpdateDeviceStatusCH"):
        return InventoryUpdate(device_id, status=(choice.text or "").strip())
    if name == "DeleteDevice":
        return InventoryUpdate(device_id, delete=True)
    if name == "UpdateMPxN":
        return InventoryUpdate(device_id, import_mpxn=_text(choice, "ImportMPxN"))
    return InventoryUpdate(
        device_id,
        firmware_version=_text(choice, "FirmwareVersion"),
        smets_chts_version=_text(choice, "SMETSCHTSVersion"),
    )


def firmware_update(body: etree._Element) -> FirmwareUpdate:
    ids = _required(body, "DeviceIDList").split(",")
    image = base64.b64decode(_required(body, "FirmwareImage"))  # base64Binary: XSD-checked
    return FirmwareUpdate(
        _required(body, "FirmwareVersion"), tuple(DeviceId.parse(i) for i in ids), image
    )


def ch_install_mpxn(body: etree._Element) -> str | None:
    """8.14.1 / 8.14.2: the MPxN of the premises the CH was installed at."""
    return _text(body, "MPxN")


def wan_matrix_query(body: etree._Element) -> WanMatrixQuery:
    uprn = _text(body, "UPRN")
    if uprn is not None:
        return WanMatrixQuery(str(int(uprn)), None, None)
    partial = body.find(sr("PartialAddress"))
    assert partial is not None, "XSD choice: UPRN or PartialAddress"
    return WanMatrixQuery(
        None, _required(partial, "PostCode"), _required(partial, "AddressIdentifier")
    )


def original_request_id(body: etree._Element) -> str:
    """8.13 ReturnLocalCommandResponse: the request whose local command this answers."""
    return _required(body, "OriginalRequestID")
