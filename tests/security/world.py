"""A small world for the security tests: the DCC Boxed Users and template premises, an
Other User with its own key and certificate, a gateway, and helpers to read outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import Party, User, UserRole
from gbdsp.domain.requests import WebService
from gbdsp.duis import schema, signature, xml
from gbdsp.duis.namespaces import SR
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import DSP_CERTIFICATE, generate_identity, load_certificate, pki_file
from gbdsp.gateway.outcomes import Outcome
from gbdsp.gateway.pipeline import Gateway, HttpReply
from gbdsp.services.users import add_user, register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import SUPPLIER, dsp_signing_key, request

D, S, T = WebService.NON_DEVICE, WebService.SEND_COMMAND, WebService.TRANSFORM
OU = "00-DB-12-34-56-78-00-07"
DSP_CERT = load_certificate(pki_file(DSP_CERTIFICATE))


def template(octet: int) -> str:
    """A device of the DCC Boxed template premises (worlds/demo.py)."""
    return f"00-DB-12-34-56-78-90-{octet:02X}"


CHF, ESME, PPMID_JOINED, PPMID_WAITING, SUPPLIER_CAD = (
    template(0xA2),
    template(0xA0),
    template(0xA4),
    template(0x98),
    template(0x9C),
)
OU_CAD = "00-DB-12-34-56-78-91-C0"
"""The Other User's own CAD (pre-notified by it in the tests that need it)."""


@dataclass
class World:
    store: Store
    clock: ManualClock
    gateway: Gateway
    ou_key: SigningKey
    outcomes: list[Outcome] = field(default_factory=list)
    counter: int = 100

    def send(
        self,
        web_service: WebService,
        srv: str,
        body: str,
        *,
        cv: int,
        target: str | None = None,
        originator: str = OU,
    ) -> HttpReply:
        """Sign as `originator` (the OU with its own key, else a DCC Boxed test User)."""
        self.counter += 1
        root = request(
            srv=srv,
            body=body,
            cv=cv,
            counter=self.counter,
            originator=originator,
            **({"target": target} if target else {}),
        )
        return self.gateway.handle(web_service, self.sign(root, originator))

    def sign(self, root: etree._Element, originator: str = OU) -> bytes:
        if originator == OU:
            signature.sign(root, self.ou_key)
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        from tests.duis_support import signed

        return signed(root)


def code_of(reply: HttpReply) -> str:
    """The ResponseCode of a signed DUIS response (checked valid and signed by the DSP)."""
    assert reply.status == 200, reply.body
    root = xml.parse(reply.body)
    assert schema.schema_error(root) is None
    signature.verify(
        root, lambda i, s: DSP_CERT if (i, s) == (DSP_CERT.issuer, DSP_CERT.serial) else None
    )
    found = root.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode")
    assert found is not None
    return found


def build_world(store: Store, clock: ManualClock) -> World:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=2, seed=1)
    from gbdsp.services.users import set_response_url

    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/duis")
    uid = UserId.parse(OU)
    key, pem = generate_identity(uid)
    certificate = load_certificate(pem)
    add_user(
        store,
        User(
            uid,
            "OTHER-USER",
            "A CAD provider",
            frozenset({UserRole.OU}),
            response_url="http://127.0.0.1:9/duis",
        ),
        certificate,
        clock.now(),
    )
    with store.transaction() as tx:
        tx.users.ensure_party(Party("OTHER-USER", "A CAD provider"))
    outcomes: list[Outcome] = []
    gateway = Gateway(store, clock, dsp_signing_key(), on_outcome=outcomes.append)
    issuer = x509.load_pem_x509_certificate(pem).issuer.rfc4514_string()
    return World(store, clock, gateway, SigningKey(key, issuer, certificate.serial), outcomes)


def certificate_pem(
    user_id: str, not_before: datetime, not_after: datetime
) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A key and an SMKI-shaped XML-signing certificate valid only from/to these dates."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    uid = x509.NameAttribute(
        NameOID.X500_UNIQUE_IDENTIFIER,
        b"\x00" + UserId.parse(user_id).value.to_bytes(8, "big"),
        _type=x509.name._ASN1Type.BitString,
    )
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "87"), uid])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gbdsp-security-test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)
