"""Hardened XML parsing for everything that arrives from outside.

No DTD, no entities, no network, no huge trees, and a size limit checked before parsing:
the DCC Boxed signing tool's own tests include an XXE request, and we refuse it the same way.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from gbdsp.domain.errors import GbdspError

MAX_MESSAGE_BYTES = 512 * 1024
"""DUIS messages are small (the largest templates are a few kB); 512 kB leaves room for
CV 5 pre-commands and 17-device inventories while keeping a flood cheap to refuse."""

_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlRejected(GbdspError):
    """Input refused before anything in it is trusted."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.too_large = too_large


_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads: one per thread.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, remove_comments=True, remove_pis=True,
            # DUIS has no mixed content; DCC Boxed drops blank text before signing and
            # checking, so we do too (a pretty-printed signed request then verifies).
            remove_blank_text=True,
        )
        _local.parser = parser
    return parser


def parse(data: bytes, *, limit: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse one message or refuse it with a reason fit for the sender."""
    if len(data) > limit:
        raise XmlRejected(f"message of {len(data)} bytes exceeds the {limit}-byte limit",
                          too_large=True)
    if _DECLARATIONS.search(data):
        raise XmlRejected("DTDs and entity declarations are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise XmlRejected(f"not well-formed XML: {e.msg}") from e
    return root


def serialise(root: etree._Element, *, pretty: bool = False) -> bytes:
    """A message as bytes, with the XML declaration; `pretty` indents it. Indenting adds
    only blank text, which DCC Boxed and `parse` drop before checking a signature, so a
    pretty-printed signed message still verifies."""
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)
    return data if data.endswith(b"\n") else data + b"\n"


def pretty(data: bytes) -> bytes:
    """Indent a message for people; what does not parse is returned as it came."""
    try:
        return serialise(parse(data), pretty=True)
    except XmlRejected:
        return data
