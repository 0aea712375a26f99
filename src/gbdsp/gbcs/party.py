"""GBCS certificates of remote parties (Users, the ACB): what each kind must be, checked
before one is registered (GBCS 4.2; SMKI Organisation Certificates).

An organisation certificate names its party in the subject x500UniqueIdentifier (the
EUI-64, as a BIT STRING), carries a P-256 key, and has exactly the key usage of its kind:
digitalSignature for DS (the User signs critical pre-commands with it), keyAgreement for
KA and the prepayment KA (devices MAC Responses to the User with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs.keys import KeyUsage


class CertificateKind(Enum):
    DS = "ds"
    KA = "ka"
    PREPAYMENT_KA = "pp-ka"

    @property
    def usage(self) -> KeyUsage:
        return KeyUsage.DS if self is CertificateKind.DS else KeyUsage.KA

    @classmethod
    def of(cls, usage: KeyUsage, *, prepayment: bool = False) -> CertificateKind:
        if usage is KeyUsage.DS:
            return cls.DS
        return cls.PREPAYMENT_KA if prepayment else cls.KA


@dataclass(frozen=True, slots=True)
class PartyCertificate:
    party: int
    """The EUI-64 as an integer."""
    kind: CertificateKind
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # checked when registered
        return key


def load(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER."""
    try:
        if data.lstrip().startswith(b"-----"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as e:
        raise InvalidValue(f"not an X.509 certificate: {e}") from e


def check(cert: x509.Certificate, party: int, kind: CertificateKind) -> PartyCertificate:
    """The certificate as `kind` of `party`, or InvalidValue saying what is wrong."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise InvalidValue("a GBCS certificate carries a P-256 (secp256r1) key")
    found = subject_eui(cert)
    if found != party:
        raise InvalidValue(f"the certificate is for {found:016X}, not {party:016X}")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as e:
        raise InvalidValue("the certificate has no keyUsage") from e
    signing, agreement = usage.digital_signature, usage.key_agreement
    if kind is CertificateKind.DS and not (signing and not agreement):
        raise InvalidValue("a DS certificate has keyUsage digitalSignature (only)")
    if kind is not CertificateKind.DS and not (agreement and not signing):
        raise InvalidValue("a KA certificate has keyUsage keyAgreement (only)")
    return PartyCertificate(party, kind, cert)


def subject_eui(cert: x509.Certificate) -> int:
    """The EUI-64 of the subject's x500UniqueIdentifier (a BIT STRING of 64 bits)."""
    attrs = cert.subject.get_attributes_for_oid(NameOID.X500_UNIQUE_IDENTIFIER)
    if not attrs:
        raise InvalidValue("the certificate subject has no x500UniqueIdentifier (EUI-64)")
    value = attrs[0].value
    raw = value if isinstance(value, bytes) else value.encode("latin-1")
    if len(raw) == 9 and raw[0] == 0:  # BIT STRING content: unused-bits octet, 8 octets
        raw = raw[1:]
    if len(raw) != 8:
        raise InvalidValue(f"x500UniqueIdentifier is not an EUI-64 ({len(raw)} octets)")
    return int.from_bytes(raw, "big")


def self_signed(
    party: int, kind: CertificateKind, key: ec.EllipticCurvePrivateKey, at: datetime
) -> x509.Certificate:
    """A self-signed test certificate of `party` for `kind`, valid from a day before `at` for
    ten days: what `check` accepts, for test Users (tests, bench/) that mint their own GBCS
    keys instead of the shipped ZAZ1 ones. Not an SMKI certificate (no Organisation CA)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "02"),
            x509.NameAttribute(
                NameOID.X500_UNIQUE_IDENTIFIER,
                b"\x00" + party.to_bytes(8, "big"),
                _type=x509.name._ASN1Type.BitString,
            ),
        ]
    )
    signing = kind is CertificateKind.DS
    usage = x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not signing,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - timedelta(days=1))
        .not_valid_after(at + timedelta(days=9))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
