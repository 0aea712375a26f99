"""The DUIS 5.4 XML Schema, compiled from the copy shipped in the package."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

SCHEMA_FILE = "DUIS Schema V5.4.xsd"


def extend_for_mp169(document: etree._ElementTree) -> None:
    """Derive `DUIS Schema V5.4-MP169.xsd` from 5.4 (docs/restricted-mode.md): one more
    ResponseCode, and `Restricted` (boolean, optional) as the last child of an inventory
    Device. Requests are unchanged, so a 5.4 client keeps working."""
    root = document.getroot()
    codes = root.find(f"{XS}simpleType[@name='ResponseCode']/{XS}restriction")
    device = root.find(f"{XS}complexType[@name='Device']/{XS}sequence")
    assert codes is not None and device is not None, "not the DUIS 5.4 schema"
    etree.SubElement(codes, f"{XS}enumeration", value="E169")
    etree.SubElement(device, f"{XS}element", name="Restricted", type="xs:boolean", minOccurs="0")


def schema_directory() -> Path:
    return Path(str(resources.files("gbdsp.data").joinpath("duis-schema")))


XS = "{http://www.w3.org/2001/XMLSchema}"
MP169_SCHEMA_FILE = "DUIS Schema V5.4-MP169.xsd"


def compile_schema(mp169: bool = False) -> etree.XMLSchema:
    """About 20 ms: done once per thread that validates (see `validator`). With `mp169`,
    the MP169 extension: ResponseCode E169 and an optional Device/Restricted."""
    directory = schema_directory()
    document = etree.parse(str(directory / SCHEMA_FILE), etree.XMLParser(no_network=True))
    if mp169:
        extend_for_mp169(document)
    # The import `MMC Schema V5.4.xsd` has spaces, which libxml2 does not resolve: point
    # every import at the shipped file by its percent-encoded file URI.
    for imported in document.getroot().iter("{http://www.w3.org/2001/XMLSchema}import"):
        location = imported.get("schemaLocation")
        if location:
            imported.set("schemaLocation", (directory / unquote(location)).as_uri())
    return etree.XMLSchema(document)


_local = threading.local()


def validator(mp169: bool = False) -> etree.XMLSchema:
    """This thread's compiled schema (lxml validators are not shared between threads)."""
    name = "schema_mp169" if mp169 else "schema"
    schema: etree.XMLSchema | None = getattr(_local, name, None)
    if schema is None:
        schema = compile_schema(mp169)
        setattr(_local, name, schema)
    return schema


def schema_error(root: etree._Element, mp169: bool = False) -> str | None:
    """None if `root` is valid DUIS (or, with `mp169`, DUIS with the MP169 extension),
    else the first error, with its line."""
    schema = validator(mp169)
    if schema.validate(root):
        return None
    error = schema.error_log[0]
    return f"line {error.line}: {error.message}"
