"""SMKI XML-signing certificates and keys (ECDSA P-256), as the DCC Boxed test PKI ships them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import Certificate
from gbdsp.duis.signature import SigningKey

TEST_PKI = "smki-test"


def load_certificate(pem: bytes) -> Certificate:
    """Read an XML-signing certificate; the User ID is its subject x500UniqueIdentifier."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as e:
        raise InvalidValue(f"not a PEM certificate: {e}") from e
    if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        raise InvalidValue("SMKI XML-signing certificates carry an EC (P-256) key")
    return Certificate(
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        user_id=subject_eui(cert),
        public_key_der=cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def subject_eui(cert: x509.Certificate) -> UserId:
    attrs = cert.subject.get_attributes_for_oid(NameOID.X500_UNIQUE_IDENTIFIER)
    if not attrs:
        raise InvalidValue("certificate subject has no x500UniqueIdentifier (the EUI-64)")
    value = attrs[0].value
    raw = value if isinstance(value, bytes) else value.encode("latin-1")
    if len(raw) == 9 and raw[0] == 0:  # BIT STRING content: unused-bits octet, then 8 octets
        raw = raw[1:]
    if len(raw) != 8:
        raise InvalidValue(f"x500UniqueIdentifier is not an EUI-64 ({len(raw)} octets)")
    return UserId(int.from_bytes(raw, "big"))


def load_private_key(data: bytes) -> ec.EllipticCurvePrivateKey:
    """DER (the DCC Boxed files) or PEM, PKCS#8, P-256."""
    try:
        key = (
            serialization.load_pem_private_key(data, None)
            if data.lstrip().startswith(b"-----")
            else serialization.load_der_private_key(data, None)
        )
    except ValueError as e:
        raise InvalidValue(f"not a private key: {e}") from e
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidValue("SMKI XML-signing keys are EC (P-256)")
    return key


def pki_file(name: str) -> bytes:
    """A file of the public DCC Boxed test PKI shipped in the package (docs/test-pki.md)."""
    return resources.files("gbdsp.data").joinpath(TEST_PKI, name).read_bytes()


def read_file(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InvalidValue(f"cannot read {path}: {e.strerror}") from e


@dataclass(frozen=True, slots=True)
class TestUser:
    """A User of the DCC Boxed test PKI, as `gbdsp init` registers it (docs/test-pki.md).

    `roles` is the SEC reading; domain/world.py gives the DCC Boxed one. `certificate` is
    the XML-signing certificate tool.jar signs this originator's requests with (an
    xml-sign-* file where DCC Boxed has one, else the party's ZAZ1 DS certificate)."""

    user_id: str
    party_id: str
    name: str
    roles: tuple[str, ...]
    acts_for: tuple[str, ...] = ()
    certificate: str = ""

    @property
    def certificate_file(self) -> str:
        return self.certificate or f"xml-sign-{self.user_id.replace('-', '')}-ds.pem"

    @property
    def key_file(self) -> str:
        return self.certificate_file.removesuffix(".pem") + ".key"


def _gbcs_ds(user_id: str) -> str:
    return f"gbcs/{user_id.replace('-', '').lower()}-ds.pem"


TEST_USERS = (
    TestUser("90-B3-D5-1F-30-01-00-00", "BOXED-SUPPLIER", "DCC Boxed test supplier", ("IS", "GS")),
    TestUser(
        "90-B3-D5-1F-30-03-00-00",
        "BOXED-SUPPLIER2",
        "DCC Boxed test supplier 2",
        ("IS", "GS"),
        certificate=_gbcs_ds("90-B3-D5-1F-30-03-00-00"),
    ),
    TestUser(
        "90-B3-D5-1F-30-02-00-00", "BOXED-NETWORK", "DCC Boxed test network operator", ("ED",)
    ),
    TestUser(
        "00-DB-12-34-56-78-00-04",
        "BOXED-AGENT",
        "DCC Boxed test supplier agent",
        ("RSA",),
        acts_for=("90-B3-D5-1F-30-01-00-00",),
    ),
    # The GBCS remote parties: no DUIS role under the SEC; DCC Boxed lets them originate.
    TestUser(
        "90-B3-D5-1F-30-00-00-02",
        "BOXED-ACB",
        "DCC Boxed access control broker",
        (),
        certificate="dsp-xml-sign-90B3D51F30000002-ds.pem",
    ),
    TestUser(
        "90-B3-D5-1F-30-00-00-01",
        "BOXED-RECOVERY",
        "DCC Boxed recovery",
        (),
        certificate=_gbcs_ds("90-B3-D5-1F-30-00-00-01"),
    ),
    TestUser(
        "90-B3-D5-1F-30-00-00-04",
        "BOXED-TCOS",
        "DCC Boxed transitional CoS",
        (),
        certificate=_gbcs_ds("90-B3-D5-1F-30-00-00-04"),
    ),
    TestUser(
        "90-B3-D5-1F-30-00-00-07",
        "BOXED-WAN",
        "DCC Boxed WAN provider",
        (),
        certificate=_gbcs_ds("90-B3-D5-1F-30-00-00-07"),
    ),
    TestUser(
        "90-B3-D5-1F-30-01-00-08",
        "BOXED-LOADCTL",
        "DCC Boxed load controller",
        (),
        certificate=_gbcs_ds("90-B3-D5-1F-30-01-00-08"),
    ),
)
DSP_CERTIFICATE = "dsp-xml-sign-90B3D51F30000002-ds.pem"
DSP_KEY = "dsp-xml-sign-90B3D51F30000002-ds.key"


@functools.cache
def public_test_certificates() -> frozenset[tuple[str, int]]:
    """(issuer, serial) of the shipped public DCC Boxed test Users' XML-signing certificates."""
    found = (load_certificate(pki_file(spec.certificate_file)) for spec in TEST_USERS)
    return frozenset((c.issuer, c.serial) for c in found)


def make_signing_key(key_data: bytes, certificate_pem: bytes) -> SigningKey:
    """The DSP's signing key with its certificate's issuer and serial, checked to match."""
    key = load_private_key(key_data)
    certificate = load_certificate(certificate_pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != certificate.public_key_der:
        raise InvalidValue("the signing key does not belong to the signing certificate")
    return SigningKey(key, certificate.issuer, certificate.serial)


def generate_identity(
    user_id: UserId, issuer_cn: str = "gbdsp-test"
) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A fresh P-256 key and a certificate for it, shaped like an SMKI XML-signing one
    (subject x500UniqueIdentifier = the EUI-64), issued by a local test issuer."""
    import datetime as dt

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID as N

    key = ec.generate_private_key(ec.SECP256R1())
    uid = x509.NameAttribute(
        N.X500_UNIQUE_IDENTIFIER,
        b"\x00" + user_id.value.to_bytes(8, "big"),
        _type=x509.name._ASN1Type.BitString,
    )
    subject = x509.Name([x509.NameAttribute(N.ORGANIZATIONAL_UNIT_NAME, "87"), uid])
    issuer = x509.Name(
        [
            x509.NameAttribute(N.ORGANIZATIONAL_UNIT_NAME, "07"),
            x509.NameAttribute(N.COMMON_NAME, issuer_cn),
        ]
    )
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start.replace(year=2120))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM)


def acb_broker_certificates() -> tuple[bytes, bytes]:
    """The DER key-agreement and digital-signing certificates of the DCC Access Control
    Broker (ZAZ1 test PKI), which 8.6 Service Opt In tells the User to place on the device."""

    def der(name: str) -> bytes:
        cert = x509.load_pem_x509_certificate(pki_file(name))
        return cert.public_bytes(serialization.Encoding.DER)

    return der("gbcs/90b3d51f30000002-ka.pem"), der("gbcs/90b3d51f30000002-ds.pem")
