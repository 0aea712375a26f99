import hashlib

import pytest
from lxml import etree

from gbdsp.domain.parties import Certificate
from gbdsp.duis import signature, xml
from gbdsp.duis.namespaces import DS, SR
from gbdsp.duis.smki import TEST_USERS, load_certificate, pki_file
from tests.duis_support import read_inventory

CERTIFICATES = {
    (c.issuer, c.serial): c
    for c in (load_certificate(pki_file(u.certificate_file)) for u in TEST_USERS)
}


def find(issuer: str, serial: int) -> Certificate | None:
    return CERTIFICATES.get((issuer, serial))


def test_our_signature_verifies_and_names_the_signer() -> None:
    certificate = signature.verify(xml.parse(read_inventory(7)), find)
    assert str(certificate.user_id) == "90-B3-D5-1F-30-01-00-00"


def test_a_tampered_body_is_refused() -> None:
    data = read_inventory(7).replace(b"90-A2</sr:DeviceID>", b"90-A0</sr:DeviceID>")
    with pytest.raises(signature.SignatureRejected, match="digest mismatch"):
        signature.verify(xml.parse(data), find)


def test_a_tampered_signature_value_is_refused() -> None:
    root = xml.parse(read_inventory(7))
    value = root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    assert value is not None and value.text
    flipped = value.text[:10] + ("A" if value.text[10] != "A" else "B") + value.text[11:]
    value.text = flipped
    with pytest.raises(signature.SignatureRejected, match="does not verify"):
        signature.verify(root, find)


def test_an_unknown_certificate_is_refused() -> None:
    with pytest.raises(signature.SignatureRejected, match="unknown certificate"):
        signature.verify(xml.parse(read_inventory(7)), lambda issuer, serial: None)


def test_an_unsigned_request_is_refused() -> None:
    root = xml.parse(read_inventory(7))
    root.remove(root[-1])
    with pytest.raises(signature.SignatureRejected, match="no ds:Signature"):
        signature.verify(root, find)


def test_a_transform_outside_the_profile_is_refused() -> None:
    root = xml.parse(read_inventory(7))
    transform = root.find(f".//{{{DS}}}Transform")
    assert transform is not None
    transform.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")
    with pytest.raises(signature.SignatureRejected, match="only transform allowed"):
        signature.verify(root, find)


def test_the_enveloped_transform_keeps_text_after_the_signature() -> None:
    """Removing the Signature must leave its tail text in place (it is the parent's)."""
    root = xml.parse(read_inventory(7))
    sig = root[-1]
    sig.tail = "\n  "
    before = etree.tostring(root)
    digest = signature._digest(root, sig)
    expected_root = xml.parse(before)
    expected_root[-2].tail = (expected_root[-2].tail or "") + "\n  "
    expected_root.remove(expected_root[-1])
    assert digest == hashlib.sha256(etree.tostring(expected_root, method="c14n")).digest()
    assert etree.tostring(root) == before  # the tree is put back as it was


def test_the_signed_message_keeps_its_shape() -> None:
    root = xml.parse(read_inventory(7))
    assert [etree.QName(c).localname for c in root] == ["Header", "Body", "Signature"]
    assert root.nsmap["sr"] == SR
