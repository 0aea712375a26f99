"""X.509 device certificates in the shape of GB SMKI Device Certificates (SMKI Certificate
Policy / GBCS 4.2), minted by the test world's issuing authority.

Shape (as in the RTDS device certificates and what `@smartdcc/dccboxed-keystore`
`certificateMetadata.ts` parses): version 3, 16-octet serial, ecdsa-with-SHA256, empty
subject, notAfter 9999-12-31 23:59:59Z (device certificates do not expire), extensions:
keyUsage (critical; digitalSignature or keyAgreement), subjectKeyIdentifier (8 octets),
subjectAltName (critical) otherName id-on-hardwareModuleName {hwType, hwSerialNum = EUI-64},
certificatePolicies (critical; the GB device certificate policy), authorityKeyIdentifier.
Signatures are deterministic (RFC 6979), so the same world mints the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from gbdsp.gbcs.keys import KeyUsage, issuing_authority_key

HARDWARE_MODULE_NAME = ObjectIdentifier("1.3.6.1.5.5.7.8.4")
"""id-on-hardwareModuleName (RFC 4108), the SAN otherName that carries the device's EUI-64."""
HW_TYPE = bytes.fromhex("060d2a863a0001848fb90f01020201")
"""DER of the hwType OID 1.2.826.0.1.8641679.1.2.2.1, the one of the RTDS device
certificates (we reuse it: gbdsp has no OID arc of its own)."""
DEVICE_POLICY = ObjectIdentifier("1.2.826.0.1.1800000.1.2.1.4")
"""The GB SMKI Device Certificate Policy OID found in the RTDS device certificates."""
NOT_BEFORE = datetime(2015, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
ISSUER_ROLE = "07"
"""Organisation role code of an issuing authority (SMKI; dccboxed-keystore role 7)."""


def key_identifier(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """8 octets: the leftmost 64 bits of SHA-1 of the subject public key (RFC 5280 4.2.1.2)."""
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return hashlib.sha1(point).digest()[:8]


def issuer_name(world_secret: bytes) -> x509.Name:
    tag = hmac.new(world_secret, b"gbdsp issuing authority name", hashlib.sha256).hexdigest()
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"GBDSP-{tag[:4].upper()}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ISSUER_ROLE),
        ]
    )


def issuing_authority_certificate(world_secret: bytes) -> x509.Certificate:
    """The self-signed certificate of the test world's issuing authority."""
    key = issuing_authority_key(world_secret)
    name = issuer_name(world_secret)
    ski = key_identifier(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial(world_secret, b"issuing-authority"))
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(ski), critical=False)
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def device_certificate(
    world_secret: bytes, eui: bytes, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey
) -> x509.Certificate:
    """The DS or KA certificate of device `eui`, signed by the issuing authority."""
    authority = issuing_authority_key(world_secret)
    other_name = x509.OtherName(HARDWARE_MODULE_NAME, b"\x30\x19" + HW_TYPE + b"\x04\x08" + eui)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(issuer_name(world_secret))
        .public_key(public_key)
        .serial_number(device_serial(world_secret, eui, usage))
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(
            _key_usage(digital_signature=usage is KeyUsage.DS, key_agreement=usage is KeyUsage.KA),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier(key_identifier(public_key)), critical=False)
        .add_extension(x509.SubjectAlternativeName([other_name]), critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(DEVICE_POLICY, None)]), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier(key_identifier(authority.public_key()), None, None),
            critical=False,
        )
        .sign(authority, hashes.SHA256(), ecdsa_deterministic=True)
    )


def certificate_eui(cert: x509.Certificate) -> bytes:
    """The EUI-64 in a device certificate's hardwareModuleName (inverse of the SAN above)."""
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    for name in san.get_values_for_type(x509.OtherName):
        if name.type_id == HARDWARE_MODULE_NAME and name.value.startswith(b"\x30\x19" + HW_TYPE):
            return name.value[-8:]
    raise ValueError("no hardwareModuleName in the certificate")


DEVICE_SERIAL_MARK = 0x4D
"""First octet of a device certificate serial (it then names usage and EUI, see below)."""
_USAGE_CODES = {KeyUsage.DS: 0x01, KeyUsage.KA: 0x02}


def device_serial(world_secret: bytes, eui: bytes, usage: KeyUsage) -> int:
    """16 octets: 4D || usage (01 DS, 02 KA) || EUI-64 || 6-octet HMAC tag of the world.

    The SMKI repository service answers `retrievecertificate` by serial alone, so a device
    serial must say which device and key it is without a stored index; the tag keeps other
    worlds' (or made-up) serials from matching."""
    tag = hmac.new(
        world_secret, b"gbdsp device serial:" + usage.value.encode() + eui, hashlib.sha256
    ).digest()[:6]
    return int.from_bytes(bytes([DEVICE_SERIAL_MARK, _USAGE_CODES[usage]]) + eui + tag, "big")


def read_device_serial(world_secret: bytes, serial: int) -> tuple[bytes, KeyUsage] | None:
    """(EUI-64, usage) of a serial `device_serial` made in this world, or None."""
    if not 0 < serial < 1 << 128:
        return None
    raw = serial.to_bytes(16, "big")
    usage = next((u for u, code in _USAGE_CODES.items() if code == raw[1]), None)
    if raw[0] != DEVICE_SERIAL_MARK or usage is None:
        return None
    eui = raw[2:10]
    return (eui, usage) if device_serial(world_secret, eui, usage) == serial else None


def _serial(world_secret: bytes, subject: bytes) -> int:
    """16 octets, positive, never zero (SMKI serials are 16 octets)."""
    draw = hmac.new(world_secret, b"gbdsp certificate serial:" + subject, hashlib.sha256).digest()
    return int.from_bytes(draw[:16], "big") >> 1 | 1 << 126


def _key_usage(
    *, digital_signature: bool = False, key_agreement: bool = False, cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=cert_sign,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def certification_request(
    eui: bytes, usage: KeyUsage, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateSigningRequest:
    """A device's PKCS #10 Certification Request (CS02c), in the shape of the RTDS one: empty
    subject, the key's SubjectPublicKeyInfo, an extension request of keyUsage (critical) and
    the hardwareModuleName subjectAltName (critical), signed with the key itself (proof of
    possession; deterministic, RFC 6979)."""
    other_name = x509.OtherName(HARDWARE_MODULE_NAME, b"\x30\x19" + HW_TYPE + b"\x04\x08" + eui)
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(
            _key_usage(digital_signature=usage is KeyUsage.DS, key_agreement=usage is KeyUsage.KA),
            critical=True,
        )
        .add_extension(x509.SubjectAlternativeName([other_name]), critical=True)
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )
