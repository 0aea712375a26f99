"""Request bodies read into domain values (one function per body the gateway handles)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gbdsp.domain.devices import normalise_postcode
from gbdsp.domain.ids import DeviceId
from gbdsp.duis.namespaces import sr


@dataclass(frozen=True, slots=True)
class InventoryQuery:
    """8.2 Read Inventory: exactly one of these is set (the XSD choice)."""

    device_id: DeviceId | None = None
    mpxn: str | None = None
    uprn: str | None = None
    postcode: str | None = None


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
    return InventoryQuery(postcode=normalise_postcode(postcode.text or "")
                          if postcode is not None else "")
