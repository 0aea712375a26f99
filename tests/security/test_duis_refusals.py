"""Findings 6 and 7, DUIS side: hostile input gets a precise refusal, never a 500, is
audited and counted, and nothing in a refused request is processed."""

from __future__ import annotations

import pytest
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.signature import SignatureRejected
from gbdsp.gateway.outcomes import Outcome, Stage
from gbdsp.gateway.pipeline import HttpReply
from gbdsp.store.store import Store
from tests.conftest import PostgresServer
from tests.duis_support import read_inventory
from tests.scenarios.duis_client import join
from tests.security.world import ESME, D, S, World, code_of

XXE = '<!DOCTYPE sr:Request [<!ENTITY e SYSTEM "file:///etc/hostname">]>'


def with_doctype(signed: bytes, encoding: str, codec: str, *, declare: bool = True) -> bytes:
    """A signed request re-encoded, with a DTD declaring an external entity (the DTD is
    outside what the signature covers, so the signature still verifies)."""
    text = signed.decode("utf-8").split("?>", 1)[1]
    head = f'<?xml version="1.0" encoding="{encoding}"?>' if declare else ""
    return (head + XXE + text).encode(codec)


def utf7_with_encoded_markup(signed: bytes) -> bytes:
    """UTF-7 whose '<' of the DOCTYPE is written +ADw- (no literal '<!DOCTYPE' in bytes)."""
    text = signed.decode("utf-8").split("?>", 1)[1]
    return (
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY e '
        b'SYSTEM "file:///etc/hostname"+AD4-+AF0-+AD4-' + text.encode("ascii")
    )


def assert_refused_and_recorded(world: World, reply: HttpReply, status: int, words: bytes) -> None:
    assert (reply.status, reply.content_type) == (status, "text/plain")
    assert words in reply.body
    outcome = world.outcomes[-1]
    assert (outcome.http_status, outcome.code) == (status, str(status))
    with world.store.read() as tx:
        last = tx.audit.recent(1)[0]
    assert (last.direction, last.outcome) == ("request", str(status))


ENCODINGS = {
    "UTF-16 with BOM": ("UTF-16", "utf-16", True),
    "UTF-16LE no BOM": ("UTF-16LE", "utf-16-le", True),
    "UTF-16BE no BOM": ("UTF-16BE", "utf-16-be", True),
    "UTF-16LE undeclared": ("", "utf-16-le", False),
    "UTF-32 with BOM": ("UTF-32", "utf-32", True),
    "UTF-32BE no BOM": ("UTF-32BE", "utf-32-be", True),
    "UTF-7": ("UTF-7", "utf-7", True),
    "EBCDIC cp500": ("cp500", "cp500", True),
    "UTF-8 with BOM": ("UTF-8", "utf-8-sig", True),
}


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_a_signed_request_with_a_dtd_is_refused_in_any_encoding(world: World, name: str) -> None:
    encoding, codec, declare = ENCODINGS[name]
    original = read_inventory(500)
    reply = world.gateway.handle(D, with_doctype(original, encoding, codec, declare=declare))
    assert reply.status == 400 and reply.content_type == "text/plain"
    assert_refused_and_recorded(world, reply, 400, b"")
    assert world.outcomes[-1].stage is Stage.PARSE
    # Nothing was processed: the counter of the refused request is still free.
    assert code_of(world.gateway.handle(D, original)) == "I0"


def test_utf7_with_encoded_markup_is_refused(world: World) -> None:
    reply = world.gateway.handle(D, utf7_with_encoded_markup(read_inventory(501)))
    assert_refused_and_recorded(world, reply, 400, b"must be UTF-8")


def test_the_decoded_tree_is_checked_for_a_doctype_too() -> None:
    """The second guard, on documents a permissive parser decoded from UTF-16 and UTF-32:
    whatever the bytes looked like, a DOCTYPE in the tree is refused."""
    permissive = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for codec in ("utf-16", "utf-32", "utf-16-be"):
        data = (
            '<?xml version="1.0" encoding="'
            + codec.upper()
            + '"?>'
            + XXE.replace("sr:Request", "x")
            + "<x/>"
        ).encode(codec)
        assert not xml._DECLARATIONS.search(data)  # invisible to the byte check
        with pytest.raises(xml.XmlRejected, match="DTD"):
            xml.refuse_dtd(etree.fromstring(data, permissive))
    xml.refuse_dtd(etree.fromstring(b"<x/>", permissive))  # no DTD: no refusal


def test_utf8_declared_in_any_spelling_is_accepted() -> None:
    for head in (
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b"<?xml version='1.0' encoding='utf8'?>",
        b'\xef\xbb\xbf<?xml version="1.0"?>',
        b"",
    ):
        assert etree.QName(xml.parse(head + b"<x>\xc3\xa9</x>")).localname == "x"


def test_a_serial_number_of_thousands_of_digits_is_refused_precisely(world: World) -> None:
    signed = read_inventory(502)
    start = signed.index(b"<ds:X509SerialNumber>") + len(b"<ds:X509SerialNumber>")
    end = signed.index(b"</ds:X509SerialNumber>")
    for digits in (b"9" * 5000, b"1" * 50, b"0" * 4400 + b"7"):
        reply = world.gateway.handle(D, signed[:start] + digits + signed[end:])
        expected = b"digits" if digits.lstrip(b"0").__len__() > 49 else b"unknown certificate"
        assert_refused_and_recorded(world, reply, 403, expected)
        assert world.outcomes[-1].stage is Stage.SIGNATURE


def test_leading_zeros_of_a_serial_do_not_count() -> None:
    from gbdsp.duis.signature import _read_profile

    root = xml.parse(read_inventory(503))
    serial = root.find(".//{http://www.w3.org/2000/09/xmldsig#}X509SerialNumber")
    assert serial is not None and serial.text is not None
    original = int(serial.text)
    serial.text = "0" * 5000 + serial.text
    assert _read_profile(root[-1])[3] == original
    serial.text = "١٢٣"  # Arabic-Indic digits: str.isdigit() says yes, DUIS says no
    with pytest.raises(SignatureRejected, match="decimal"):
        _read_profile(root[-1])


def test_join_with_itself_is_refused_and_writes_nothing(world: World) -> None:
    from tests.duis_support import SUPPLIER

    with world.store.read() as tx:
        before = sorted(tx.wan.joined_with(DeviceId.parse(ESME)))
        queued = tx.outbox.pending()
    for srv in ("8.7.2", "8.8.2"):
        body = (
            join(ESME)
            if srv == "8.7.2"
            else join(ESME).replace("JoinServiceNonCritical", "UnjoinServiceNonCritical")
        )
        reply = world.send(S, srv, body, cv=1, target=ESME, originator=SUPPLIER)
        assert code_of(reply) == "E11"
    with world.store.read() as tx:
        assert sorted(tx.wan.joined_with(DeviceId.parse(ESME))) == before
        assert tx.outbox.pending() == queued


def test_a_fault_of_ours_is_a_counted_and_audited_500_not_a_crash(world: World) -> None:
    """A real fault, no mock: the DSP's signing key is on the wrong curve (P-384), so
    signing the response fails after the request was decided."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from gbdsp.duis.signature import SigningKey
    from gbdsp.gateway.pipeline import Gateway

    broken = Gateway(
        world.store,
        world.clock,
        SigningKey(ec.generate_private_key(ec.SECP384R1()), "CN=x", 1),
        on_outcome=world.outcomes.append,
    )
    reply = broken.handle(WebService.NON_DEVICE, read_inventory(504))
    assert_refused_and_recorded(world, reply, 500, b"internal error")
    assert world.outcomes[-1].stage is Stage.INTERNAL


def test_the_database_gone_is_a_counted_503(
    postgres: PostgresServer | None, clock: ManualClock
) -> None:
    """A real outage: the PostgreSQL database is dropped under a running gateway."""
    if postgres is None:
        pytest.skip("PostgreSQL not available (GBDSP_TEST_POSTGRES=auto)")
    url = postgres.create()
    store = Store.open(url, migrate_schema=True)
    try:
        from gbdsp.gateway.pipeline import Gateway
        from gbdsp.services.users import register_test_users
        from tests.duis_support import dsp_signing_key

        register_test_users(store)
        outcomes: list[Outcome] = []
        gateway = Gateway(store, clock, dsp_signing_key(), on_outcome=outcomes.append)
        postgres.drop(url)
        reply = gateway.handle(WebService.NON_DEVICE, read_inventory(1))
        assert (reply.status, reply.content_type) == (503, "text/plain")
        assert b"database is unavailable" in reply.body
        assert (outcomes[-1].stage, outcomes[-1].code) == (Stage.INTERNAL, "503")
    finally:
        store.close()
        postgres.drop(url)
