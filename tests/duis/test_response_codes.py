"""Every response code gbdsp can emit is one the DUIS 5.4 XSD enumerates."""

import re
from pathlib import Path

from lxml import etree

from gbdsp.duis.schema import SCHEMA_FILE, schema_directory

SOURCES = Path(__file__).resolve().parents[2] / "src" / "gbdsp"
CODE = re.compile(r'"([EIW]\d{1,6})"')


def xsd_codes() -> set[str]:
    tree = etree.parse(str(schema_directory() / SCHEMA_FILE))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    codes = tree.xpath("//xs:simpleType[@name='ResponseCode']//xs:enumeration/@value",
                       namespaces=ns)
    return {str(c) for c in codes}


def test_every_code_in_the_source_is_a_duis_response_code() -> None:
    used = {code for path in SOURCES.rglob("*.py") for code in CODE.findall(path.read_text())}
    assert {"I0", "I99", "E40", "E19", "E080201", "E120201"} <= used  # the scan finds them
    assert used - xsd_codes() == set()
