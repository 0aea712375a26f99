"""Derived device keys, SMKI-shaped device certificates, and the sealed world secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import GbdspError, InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs.certificates import (
    DEVICE_POLICY,
    NOT_AFTER,
    certificate_eui,
    device_certificate,
    issuing_authority_certificate,
)
from gbdsp.gbcs.keys import DeviceKeys, KeyUsage, device_key
from gbdsp.gbcs_world import ACB, PARTIES, open_world
from gbdsp.keystore import MASTER_ENV

WORLD = bytes(range(32))
EUI = bytes.fromhex("00db1234567890a0")


def _public(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def test_device_keys_are_deterministic_and_distinct() -> None:
    a, b = DeviceKeys.derive(WORLD, EUI), DeviceKeys.derive(WORLD, EUI)
    assert _public(a.ds) == _public(b.ds) and _public(a.ka) == _public(b.ka)
    others = {
        _public(a.ds),
        _public(a.ka),
        _public(device_key(WORLD, bytes.fromhex("00db1234567890a1"), KeyUsage.DS)),
        _public(device_key(bytes(reversed(WORLD)), EUI, KeyUsage.DS)),
    }
    assert len(others) == 4


def test_short_world_secret_refused() -> None:
    with pytest.raises(InvalidValue):
        device_key(b"short", EUI, KeyUsage.DS)


@pytest.mark.parametrize("usage", list(KeyUsage))
def test_device_certificate_has_the_smki_device_shape(usage: KeyUsage) -> None:
    key = device_key(WORLD, EUI, usage)
    cert = device_certificate(WORLD, EUI, usage, key.public_key())
    authority = issuing_authority_certificate(WORLD)
    authority_key = authority.public_key()
    assert isinstance(authority_key, ec.EllipticCurvePublicKey)
    authority_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    assert cert.signature_algorithm_oid == x509.SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert cert.subject == x509.Name([]) and cert.issuer == authority.subject
    assert cert.not_valid_after_utc == NOT_AFTER
    assert certificate_eui(cert) == EUI
    usage_ext = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage_ext.critical
    assert usage_ext.value.digital_signature is (usage is KeyUsage.DS)
    assert usage_ext.value.key_agreement is (usage is KeyUsage.KA)
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).critical
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier for p in policies] == [DEVICE_POLICY]
    assert len(cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest) == 8
    assert cert.serial_number.bit_length() <= 128
    # Deterministic: the same world mints the same certificate.
    assert device_certificate(WORLD, EUI, usage, key.public_key()) == cert


def test_world_secret_is_sealed_and_reopens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MASTER_ENV, raising=False)
    world = open_world(tmp_path)
    sealed = tmp_path / "keys" / "gbcs-world.sealed"
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    device = Eui64.parse("00-DB-12-34-56-78-90-A0")
    again = open_world(tmp_path)
    assert _public(again.device_keys(device).ka) == _public(world.device_keys(device).ka)
    assert open_world(tmp_path / "other").device_certificate(
        device, KeyUsage.KA
    ) != world.device_certificate(device, KeyUsage.KA)
    monkeypatch.setenv(MASTER_ENV, "another master key")
    with pytest.raises(GbdspError):
        open_world(tmp_path)


def test_shipped_party_keys_match_their_certificates() -> None:
    files = PARTIES.files()
    assert {f.party for f in files} >= {ACB, Eui64.parse("90-B3-D5-1F-30-01-00-00")}
    for f in files:
        key = PARTIES.private_key(f.party, f.usage, prepayment=f.prepayment)
        cert = PARTIES.certificate(f.party, f.usage, prepayment=f.prepayment)
        assert key is not None and cert is not None
        assert _public(key) == cert.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
