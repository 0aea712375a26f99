"""Hardened XML parsing for everything that arrives from outside.

No DTD, no entities, no network, no huge trees, and a size limit checked before parsing:
the DCC Boxed signing tool's own tests include an XXE request, and we refuse it the same way.

DUIS messages are UTF-8 (every DUIS template, the XSD and every DCC Boxed sample declare it;
docs/security.md): another encoding is refused before parsing, and the parser is then forced
to UTF-8, so the byte check for declarations is exact. A DOCTYPE is also looked for in the
parsed document itself, so no encoding trick can carry one past both checks.
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
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (
    b"\x00\x00\xfe\xff",
    b"\xff\xfe\x00\x00",
    b"\xfe\xff",
    b"\xff\xfe",
    b"+/v",
    b"\xdd\x73\x66\x73",
    b"\x0e\xfe\xff",
)  # UTF-32, -16, -7, -EBCDIC, SCSU
_DECLARED_ENCODING = re.compile(
    rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']"
)
_UTF8_NAMES = {b"utf-8", b"utf8"}


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
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            encoding="utf-8",  # whatever the document says (the encoding check runs first)
            # DUIS has no mixed content; DCC Boxed drops blank text before signing and
            # checking, so we do too (a pretty-printed signed request then verifies).
            remove_blank_text=True,
        )
        _local.parser = parser
    return parser


def parse(data: bytes, *, limit: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse one message or refuse it with a reason fit for the sender."""
    if len(data) > limit:
        raise XmlRejected(
            f"message of {len(data)} bytes exceeds the {limit}-byte limit", too_large=True
        )
    _check_encoding(data)
    if _DECLARATIONS.search(data):
        raise XmlRejected("DTDs and entity declarations are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise XmlRejected(f"not well-formed XML: {e.msg}") from e
    refuse_dtd(root)  # belt and braces: the decoded document, whatever the bytes said
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


def refuse_dtd(root: etree._Element) -> None:
    """Refuse a document that lxml found a DOCTYPE (internal or external DTD) in."""
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected("DTDs and entity declarations are not allowed")


def _check_encoding(data: bytes) -> None:
    """Refuse anything but UTF-8: a byte-order mark of another encoding, a declared
    encoding other than UTF-8, or a NUL byte (UTF-16/32 without a mark)."""
    if not data.startswith(_UTF8_BOM) and data.startswith(_OTHER_BOMS):
        raise XmlRejected(
            "DUIS messages must be UTF-8 (a byte-order mark of another encoding was found)"
        )
    declared = _DECLARED_ENCODING.match(data)
    if declared is not None and declared.group(1).strip().lower() not in _UTF8_NAMES:
        name = declared.group(1)[:40].decode("ascii", "replace")
        raise XmlRejected(f"DUIS messages must be UTF-8 (the document declares {name!r})")
    if b"\x00" in data:
        raise XmlRejected("DUIS messages must be UTF-8 (NUL bytes found: UTF-16 or UTF-32?)")
