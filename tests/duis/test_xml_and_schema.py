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
