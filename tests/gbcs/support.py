"""What several GBCS test modules share: the test world and gateway over the demo fleet,
and GBCS party certificates for Users the tests make up (the ZAZ1 Users have theirs in the
package), shaped as the SMKI Organisation Certificates gbdsp checks (gbcs/party.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import UserId
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs import party
from gbdsp.gbcs.party import CertificateKind
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import NETWORK_OPERATOR, SUPPLIER, dsp_signing_key

WORLD = GbcsWorld(bytes.fromhex("c1" * 32))


def demo_gateway(store: Store, clock: ManualClock) -> Gateway:
    """A gateway over the DCC Boxed test Users and the demo fleet's template devices,
    answering in real GBCS with WORLD's device keys; the supplier's and the network
    operator's pushes are queued."""
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    with store.transaction() as tx:
        for user in (SUPPLIER, NETWORK_OPERATOR):
            tx.users.set_response_url(UserId.parse(user), "http://127.0.0.1:9/duis")
    return Gateway(store, clock, dsp_signing_key(), gbcs=WORLD)


def party_certificate(
    eui: int, *, signing: bool, curve: ec.EllipticCurve | None = None
) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """A self-signed DS (`signing`) or KA certificate of party `eui`, PEM, and its key."""
    key = ec.generate_private_key(curve or ec.SECP256R1())
    kind = CertificateKind.DS if signing else CertificateKind.KA
    cert = party.self_signed(eui, kind, key, datetime.now(UTC))
    return cert.public_bytes(serialization.Encoding.PEM), key


def unknown_remote_party(eui: int, directory: Path) -> str:
    """A new KA certificate of party `eui`, as an Unknown Remote Party's request carries it
    (base64 DER, for KAPublicSecurityCredentials); its private key goes in `directory` as
    gbcs-decode.js reads it (EUI-ka.key), so the decoder can decrypt what is sealed for it."""
    pem, key = party_certificate(eui, signing=False)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{eui:016x}-ka.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()
