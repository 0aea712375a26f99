"""Every response code gbdsp can emit is one the DUIS 5.4 XSD enumerates."""

import re
from pathlib import Path

from lxml import etree

from gbdsp.duis.schema import MP169_SCHEMA_FILE, SCHEMA_FILE, extend_for_mp169, schema_directory

SOURCES = Path(__file__).resolve().parents[2] / "src" / "gbdsp"
CODE = re.compile(r'"([EIW]\d{1,6})"')


def xsd_codes(name: str = SCHEMA_FILE) -> set[str]:
    tree = etree.parse(str(schema_directory() / name))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    codes = tree.xpath(
        "//xs:simpleType[@name='ResponseCode']//xs:enumeration/@value", namespaces=ns
    )
    return {str(c) for c in codes}


def test_every_code_in_the_source_is_a_duis_response_code() -> None:
    used = {code for path in SOURCES.rglob("*.py") for code in CODE.findall(path.read_text())}
    assert {"I0", "I99", "E40", "E19", "E080201", "E120201"} <= used  # the scan finds them
    assert used - xsd_codes() == {"E169"}  # MP169's dedicated code ...
    assert used - xsd_codes(MP169_SCHEMA_FILE) == set()  # ... is in its schema extension


def test_the_shipped_mp169_schema_is_the_derivation_of_duis_5_4() -> None:
    derived = etree.parse(str(schema_directory() / SCHEMA_FILE))
    extend_for_mp169(derived)
    shipped = etree.parse(str(schema_directory() / MP169_SCHEMA_FILE))
    for comment in shipped.getroot().xpath("comment()")[:1]:
        shipped.getroot().remove(comment)
    assert etree.tostring(shipped, method="c14n") == etree.tostring(derived, method="c14n")


def test_the_response_code_enum_is_the_xsd_enumeration() -> None:
    from gbdsp.domain.response_codes import ResponseCode

    assert {c.value for c in ResponseCode} == xsd_codes(MP169_SCHEMA_FILE)
    assert [c for c in ResponseCode if c.is_success] == [ResponseCode.I0, ResponseCode.I99]
    assert ResponseCode.E19 == "E19"  # compares equal to its XML text
