import pytest

from gbdsp.duis import schema, xml
from tests.duis_support import read_inventory, request

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">&x;</sr:Request>"""


def test_a_dtd_or_entity_is_refused_before_parsing() -> None:
    with pytest.raises(xml.XmlRejected, match="DTDs and entity declarations are not allowed"):
        xml.parse(XXE)


def test_an_oversize_message_is_refused_by_its_length() -> None:
    with pytest.raises(xml.XmlRejected, match="exceeds the 100-byte limit") as caught:
        xml.parse(b"<a>" + b"x" * 200 + b"</a>", limit=100)
    assert caught.value.too_large


def test_malformed_xml_names_the_problem() -> None:
    with pytest.raises(xml.XmlRejected, match="not well-formed XML"):
        xml.parse(b"<a><b></a>")


def test_a_signed_request_is_valid_duis() -> None:
    assert schema.schema_error(xml.parse(read_inventory(1))) is None


def test_schema_errors_carry_the_line_and_reason() -> None:
    root = request(
        srv="8.2",
        body="<sr:ReadInventory><sr:Colour>red</sr:Colour></sr:ReadInventory>",
        cv=8,
        counter=1,
    )
    problem = schema.schema_error(root)
    assert problem is not None and "Colour" in problem and problem.startswith("line ")


def test_an_inventory_answer_escapes_what_it_writes_as_text() -> None:
    """8.2's DSPInventory is written as text and parsed once (duis/response.py): markup in
    a value comes back as the same characters, never as elements."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from gbdsp.domain.devices import DeviceModel
    from gbdsp.domain.replies import InventoryEntry, InventoryReply, Reply
    from gbdsp.domain.response_codes import ResponseCode
    from gbdsp.duis.namespaces import SR
    from gbdsp.duis.response import build_response
    from tests.factories import esme

    odd = replace(esme(1), model=DeviceModel("A&<", "<sr:X/>", "0001", "0002012F"))
    reply = Reply(ResponseCode.I0, InventoryReply((InventoryEntry(odd, None),), False))
    root = build_response(
        reply=reply, at=datetime(2026, 1, 1, tzinfo=UTC), request_id=None, srv="8.2"
    )
    device = root.find(f".//{{{SR}}}Device")
    assert device is not None
    assert device.findtext(f"{{{SR}}}DeviceManufacturer") == "A&<"
    assert device.findtext(f"{{{SR}}}DeviceModel") == "<sr:X/>"
    assert device.find(f".//{{{SR}}}X") is None
