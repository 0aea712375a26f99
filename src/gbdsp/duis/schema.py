"""The DUIS 5.4 XML Schema, compiled from the copy shipped in the package."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

SCHEMA_FILE = "DUIS Schema V5.4.xsd"


def schema_directory() -> Path:
    return Path(str(resources.files("gbdsp.data").joinpath("duis-schema")))


def compile_schema() -> etree.XMLSchema:
    """About 20 ms: done once per thread that validates (see `validator`)."""
    directory = schema_directory()
    document = etree.parse(str(directory / SCHEMA_FILE), etree.XMLParser(no_network=True))
    # The import `MMC Schema V5.4.xsd` has spaces, which libxml2 does not resolve: point
    # every import at the shipped file by its percent-encoded file URI.
    for imported in document.getroot().iter("{http://www.w3.org/2001/XMLSchema}import"):
        location = imported.get("schemaLocation")
        if location:
            imported.set("schemaLocation", (directory / unquote(location)).as_uri())
    return etree.XMLSchema(document)


_local = threading.local()


def validator() -> etree.XMLSchema:
    """This thread's compiled schema (lxml validators are not shared between threads)."""
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        schema = compile_schema()
        _local.schema = schema
    return schema


def schema_error(root: etree._Element) -> str | None:
    """None if `root` is valid DUIS, else the first error, with its line."""
    schema = validator()
    if schema.validate(root):
        return None
    error = schema.error_log[0]
    return f"line {error.line}: {error.message}"
