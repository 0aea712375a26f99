"""The synchronous answer written as canonical text and signed without a tree
(`response.signed_response`) is the answer the tree path builds, byte for byte but for
the ECDSA signature value (randomised), and it verifies."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.products import CplStatus
from gbdsp.domain.replies import InventoryEntry, InventoryReply, Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.duis import response, schema, signature, xml
from gbdsp.duis.smki import DSP_CERTIFICATE, load_certificate, pki_file
from tests.duis_support import dsp_signing_key
from tests.factories import esme

AT = datetime(2026, 3, 2, 9, 30, 1, 250_000, tzinfo=UTC)
DSP = load_certificate(pki_file(DSP_CERTIFICATE))
VALUE = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")


def _entries() -> tuple[InventoryEntry, ...]:
    plain = esme(1, SmiStatus.COMMISSIONED, import_mpxn="1312345678111", postcode="M22 4TT")
    odd = replace(
        esme(2, SmiStatus.PENDING, uprn="0"),
        model=DeviceModel("A&<", "B>\r", "0001", "0002012F"),
        restricted=True,
    )
    chf = replace(esme(3), device_type=DeviceType.CHF, smets_chts_version="")
    return (
        InventoryEntry(plain, CplStatus.ACTIVE, "3.2"),
        InventoryEntry(odd, None),
        InventoryEntry(chf, CplStatus.WITHDRAWN, "3.2"),
    )


REPLIES = {
    "an 8.2 inventory": (Reply(ResponseCode.I0, InventoryReply(_entries(), False)), "8.2"),
    "an acknowledgement": (Reply(ResponseCode.I99, reason="sent"), "4.1.1"),
    "a refusal": (Reply(ResponseCode.E4, reason="not yours"), "11.2"),
}


@pytest.mark.parametrize("name", sorted(REPLIES))
@pytest.mark.parametrize("request_id", ["90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:7", None])
def test_the_text_answer_is_the_tree_answer(name: str, request_id: str | None) -> None:
    reply, srv = REPLIES[name]
    fields = dict(reply=reply, at=AT, request_id=request_id, service_reference="8.2", srv=srv)
    key = dsp_signing_key()
    tree = response.build_response(**fields)  # type: ignore[arg-type]
    signature.sign(tree, key)
    by_tree = response.serialise(tree)
    by_text = response.signed_response(**fields, signing_key=key)  # type: ignore[arg-type]
    # A CR is written &#xD; as C14N writes it, where lxml's serialiser writes &#13;
    same_cr = by_tree.replace(b"&#13;", b"&#xD;")
    assert VALUE.sub(b"", by_text) == VALUE.sub(b"", same_cr)
    root = xml.parse(by_text)
    assert schema.schema_error(root) is None
    assert signature.verify(root, lambda i, s: DSP if (i, s) == (DSP.issuer, DSP.serial) else None)


def test_a_text_answer_altered_after_signing_does_not_verify() -> None:
    reply, srv = REPLIES["an 8.2 inventory"]
    signed = response.signed_response(
        reply=reply,
        at=AT,
        request_id=None,
        service_reference="8.2",
        srv=srv,
        signing_key=dsp_signing_key(),
    )
    altered = signed.replace(b"Commissioned", b"Suspended", 1)
    with pytest.raises(signature.SignatureRejected, match="digest"):
        signature.verify(xml.parse(altered), lambda i, s: DSP)
