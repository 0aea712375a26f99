"""A small DUIS client for people at a terminal: sign a request, send it, read the answer."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import ds, sr
from gbdsp.duis.request import read_request
from gbdsp.duis.signature import SigningKey, sign


def sign_request(
    data: bytes, find_key: Callable[[UserId], SigningKey | None], counter: int | None
) -> bytes:
    """Sign as the originator in the RequestID (like the DCC Boxed tool), replacing any old
    signature; with `counter`, set the RequestID counter first."""
    root = xml.parse(data)
    if root.tag != sr("Request"):
        raise InvalidValue("only sr:Request messages are signed by this command")
    old = root.find(ds("Signature"))
    if old is not None:
        root.remove(old)
    request_id = root.find(f"{sr('Header')}/{sr('RequestID')}")
    if request_id is None or not request_id.text:
        raise InvalidValue("the request has no sr:Header/sr:RequestID")
    originator, target, _ = request_id.text.strip().split(":")
    if counter is not None:
        request_id.text = f"{originator}:{target}:{counter}"
    key = find_key(UserId.parse(originator))
    if key is None:
        raise InvalidValue(
            f"no signing key for {originator} (register it with `gbdsp users add --generate-key`)"
        )
    sign(root, key)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def web_service_of(data: bytes) -> WebService:
    """Where a request goes: its Command Variant decides (DCC Boxed URLs)."""
    request = read_request(xml.parse(data))
    service = request.cv.web_service
    if service is None:
        raise InvalidValue(f"Command Variant {request.cv.value} is not sent by Users")
    return service


def response_code(data: bytes) -> str | None:
    try:
        root = xml.parse(data)
    except xml.XmlRejected:
        return None
    return root.findtext(f"{sr('Header')}/{sr('ResponseCode')}")
