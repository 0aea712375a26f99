"""DUIS XML signatures: enveloped, ECDSA P-256 with SHA-256, found by issuer and serial.

Profile (reference/duis-xml.md section 4): `SignedInfo` canonicalised with exclusive C14N,
signed with ecdsa-sha256 (raw r||s, RFC 4051); one `Reference URI=""` whose only transform
is enveloped-signature, so the digest is over Canonical XML 1.0 (inclusive, the default
when a node-set leaves the transforms) of the document without the Signature element.
Anything else in a signature is refused: we verify exactly this profile, nothing looser.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from lxml import etree

from gbdsp.domain.errors import GbdspError
from gbdsp.domain.parties import Certificate
from gbdsp.duis.namespaces import DS, ECDSA_SHA256, ENVELOPED, EXC_C14N, SHA256, ds

_COORDINATE = 32  # P-256
_MAX_SERIAL_DIGITS = 49
"""RFC 5280 4.1.2.2: a serial number is at most 20 octets, so at most 49 decimal digits.
Checked before int(): Python refuses to convert strings of more than 4,300 digits."""
_SERIAL = re.compile(r"0*([0-9]+)")


class SignatureRejected(GbdspError):
    """The signature is missing, malformed, outside the profile, or does not verify."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with the issuer and serial of its certificate (for KeyInfo)."""

    key: ec.EllipticCurvePrivateKey
    issuer: str
    serial: int


def verify(
    root: etree._Element, find_certificate: Callable[[str, int], Certificate | None]
) -> Certificate:
    """Check the enveloped signature of `root`; return the certificate that made it."""
    signature = root[-1] if len(root) else None
    if signature is None or signature.tag != ds("Signature"):
        raise SignatureRejected("no ds:Signature as the last child of the message")
    signed_info, value, issuer, serial, digest = _read_profile(signature)
    certificate = find_certificate(issuer, serial)
    if certificate is None:
        raise SignatureRejected(f"unknown certificate: issuer {issuer}, serial {serial}")
    if _digest(root, signature) != digest:
        raise SignatureRejected("digest mismatch: the message was altered after signing")
    public_key = _public_key(certificate.public_key_der)
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    try:
        public_key.verify(_der(value), canonical, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise SignatureRejected("signature value does not verify") from e
    return certificate


@functools.lru_cache(maxsize=4096)
def _public_key(der: bytes) -> ec.EllipticCurvePublicKey:
    """The key of a certificate, decoded once per certificate rather than per message (a
    pure function of the DER bytes, so caching it changes nothing but the cost)."""
    public_key = serialization.load_der_public_key(der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    return public_key


def sign(root: etree._Element, signing_key: SigningKey) -> None:
    """Append an enveloped signature to `root` (which must not have one)."""
    digest = base64.b64encode(_digest(root, None)).decode()
    signature = etree.SubElement(root, ds("Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=ECDSA_SHA256)
    reference = etree.SubElement(signed_info, ds("Reference"), URI="")
    transforms = etree.SubElement(reference, ds("Transforms"))
    etree.SubElement(transforms, ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, ds("DigestValue")).text = digest
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    der = signing_key.key.sign(canonical, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")
    etree.SubElement(signature, ds("SignatureValue")).text = base64.b64encode(raw).decode()
    key_info = etree.SubElement(signature, ds("KeyInfo"))
    issuer_serial = etree.SubElement(
        etree.SubElement(key_info, ds("X509Data")), ds("X509IssuerSerial")
    )
    etree.SubElement(issuer_serial, ds("X509IssuerName")).text = signing_key.issuer
    etree.SubElement(issuer_serial, ds("X509SerialNumber")).text = str(signing_key.serial)


def signed_text(canonical: bytes, signing_key: SigningKey) -> bytes:
    """A serialised document with its enveloped signature, from the document in canonical
    form (inclusive C14N, as `_digest` computes it, and no Signature yet): the bytes `sign`
    then `etree.tostring` with an XML declaration give, built without a tree. The caller
    vouches that `canonical` is canonical (duis/response.py writes it so)."""
    digest = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
    der = signing_key.key.sign(_signed_info(digest, True).encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = base64.b64encode(r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big"))
    issuer = signing_key.issuer.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    element = (
        f'<ds:Signature xmlns:ds="{DS}">{_signed_info(digest, False)}'
        f"<ds:SignatureValue>{raw.decode()}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>"
        f"<ds:X509IssuerSerial><ds:X509IssuerName>{issuer}</ds:X509IssuerName>"
        f"<ds:X509SerialNumber>{signing_key.serial}</ds:X509SerialNumber>"
        "</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo></ds:Signature>"
    )
    close = canonical.rindex(b"</")
    return (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        + canonical[:close]
        + element.encode()
        + canonical[close:]
    )


def _signed_info(digest: str, canonical: bool) -> str:
    """The SignedInfo `sign` builds: as exclusive C14N writes it (what is signed: ds
    declared on it, no empty elements), or as lxml serialises it inside the Signature."""

    def empty(tag: str, algorithm: str) -> str:
        end = f"></ds:{tag}>" if canonical else "/>"
        return f'<ds:{tag} Algorithm="{algorithm}"{end}'

    return (
        ("<ds:SignedInfo" + (f' xmlns:ds="{DS}">' if canonical else ">"))
        + empty("CanonicalizationMethod", EXC_C14N)
        + empty("SignatureMethod", ECDSA_SHA256)
        + '<ds:Reference URI=""><ds:Transforms>'
        + empty("Transform", ENVELOPED)
        + "</ds:Transforms>"
        + empty("DigestMethod", SHA256)
        + f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    )


def _read_profile(signature: etree._Element) -> tuple[etree._Element, bytes, str, int, bytes]:
    """Pull the parts out of a signature, refusing anything outside the DUIS profile."""

    def one(parent: etree._Element, path: str) -> etree._Element:
        found = parent.findall(path, {"ds": DS})
        if len(found) != 1:
            raise SignatureRejected(f"signature needs exactly one {path}")
        return found[0]

    signed_info = one(signature, "ds:SignedInfo")
    algorithms = {
        "ds:CanonicalizationMethod": EXC_C14N,
        "ds:SignatureMethod": ECDSA_SHA256,
        "ds:Reference/ds:DigestMethod": SHA256,
    }
    for path, expected in algorithms.items():
        if one(signed_info, path).get("Algorithm") != expected:
            raise SignatureRejected(f"{path} must be {expected}")
    reference = one(signed_info, "ds:Reference")
    if reference.get("URI") != "":
        raise SignatureRejected('the Reference must be URI="" (the whole message)')
    transforms = reference.findall("ds:Transforms/ds:Transform", {"ds": DS})
    if [t.get("Algorithm") for t in transforms] != [ENVELOPED]:
        raise SignatureRejected("the only transform allowed is enveloped-signature")
    digest = _base64(one(reference, "ds:DigestValue").text, "DigestValue")
    value = _base64(one(signature, "ds:SignatureValue").text, "SignatureValue")
    issuer_serial = one(signature, "ds:KeyInfo/ds:X509Data/ds:X509IssuerSerial")
    issuer = (one(issuer_serial, "ds:X509IssuerName").text or "").strip()
    serial_text = (one(issuer_serial, "ds:X509SerialNumber").text or "").strip()
    serial = _SERIAL.fullmatch(serial_text)
    if serial is None:
        raise SignatureRejected("X509SerialNumber must be a decimal integer")
    if len(serial.group(1)) > _MAX_SERIAL_DIGITS:
        raise SignatureRejected(
            f"X509SerialNumber has {len(serial.group(1))} digits; a "
            f"certificate serial has at most {_MAX_SERIAL_DIGITS} "
            "(RFC 5280: 20 octets)"
        )
    return signed_info, value, issuer, int(serial.group(1)), digest


def _digest(root: etree._Element, signature: etree._Element | None) -> bytes:
    """SHA-256 of inclusive C14N of the message without its Signature (enveloped transform).

    The Signature is taken out and put back, keeping its tail text where the transform
    leaves it (the tail is a separate text node of the parent, not part of the Signature).
    """
    if signature is None:
        return hashlib.sha256(etree.tostring(root, method="c14n")).digest()
    index = root.index(signature)
    tail, signature.tail = signature.tail, None
    previous = signature.getprevious()
    root.remove(signature)
    saved_tail = previous.tail if previous is not None else root.text
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            root.text = (root.text or "") + tail
    try:
        return hashlib.sha256(etree.tostring(root, method="c14n")).digest()
    finally:
        if previous is not None:
            previous.tail = saved_tail
        else:
            root.text = saved_tail
        root.insert(index, signature)
        signature.tail = tail


def _base64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise SignatureRejected(f"{what} is not base64") from e


def _der(raw: bytes) -> bytes:
    if len(raw) != 2 * _COORDINATE:
        raise SignatureRejected(f"SignatureValue must be 64 octets (r||s), got {len(raw)}")
    return encode_dss_signature(
        int.from_bytes(raw[:_COORDINATE], "big"), int.from_bytes(raw[_COORDINATE:], "big")
    )
