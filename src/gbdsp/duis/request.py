"""A DUIS Request, read from an XSD-valid tree into Python values."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.requests import CommandVariant, RequestId
from gbdsp.domain.srv import ServiceReferenceVariant
from gbdsp.duis.namespaces import sr


@dataclass(frozen=True, slots=True)
class DuisRequest:
    request_id: RequestId
    request_id_text: str
    """As sent (clients correlate responses by the exact string)."""
    cv: CommandVariant
    service_reference: str
    srv: ServiceReferenceVariant
    body: etree._Element
    """The one child of sr:Body (the SRV's element or sr:SignedPreCommand)."""
    schema_version: str


class NotARequest(InvalidValue):
    """Well-formed and schema-valid, but not a Request (a Response posted to us, say)."""


def read_request(root: etree._Element) -> DuisRequest:
    """Read the header of a schema-valid message; the XSD has checked every pattern."""
    if root.tag != sr("Request"):
        raise NotARequest(f"expected sr:Request, got {etree.QName(root).localname}")
    header = root.find(sr("Header"))
    body = root.find(sr("Body"))
    assert header is not None and body is not None and len(body) == 1  # XSD-guaranteed
    text = _text(header, "RequestID")
    return DuisRequest(
        request_id=RequestId.parse(text),
        request_id_text=text,
        cv=CommandVariant(int(_text(header, "CommandVariant"))),
        service_reference=_text(header, "ServiceReference"),
        srv=ServiceReferenceVariant(_text(header, "ServiceReferenceVariant")),
        body=body[0],
        schema_version=root.get("schemaVersion", ""),
    )


def _text(parent: etree._Element, name: str) -> str:
    element = parent.find(sr(name))
    return (element.text or "").strip() if element is not None else ""
