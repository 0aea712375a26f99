"""KDF, GMAC, encryption and signatures against `cryptography` and the GBCS definitions."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.frames import (
    GroupingHeader,
    general_ciphering,
    general_signing,
    mac_key,
    read_length,
    signed_part,
    unwrap_general_ciphering,
)
from gbdsp.gbcs.kdf import derive_key, shared_secret

DEVICE = bytes.fromhex("00db1234567890a0")
USER = bytes.fromhex("90b3d51f30010000")


def _pair() -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]:
    return ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())


def test_shared_secret_is_the_same_from_either_side() -> None:
    a, b = _pair()
    assert shared_secret(a, b.public_key()) == shared_secret(b, a.public_key())


def test_kdf_is_sha256_of_counter_z_and_other_info() -> None:
    z = bytes(range(32))
    expected = hashlib.sha256(
        b"\x00\x00\x00\x01"
        + z
        + bytes.fromhex("60857406080300")
        + DEVICE
        + b"\x09\x02"
        + (1000).to_bytes(8, "big")
        + USER
    ).digest()[:16]
    assert derive_key(z, Cra.RESPONSE, DEVICE, 1000, USER) == expected


def test_kdf_separates_cra_counter_and_direction() -> None:
    z = bytes(32)
    keys = {derive_key(z, cra, DEVICE, 1000, USER) for cra in (1, 2, 3, 4)}
    keys.add(derive_key(z, 2, DEVICE, 1001, USER))
    keys.add(derive_key(z, 2, USER, 1000, DEVICE))
    assert len(keys) == 6


def test_kdf_refuses_short_system_titles() -> None:
    with pytest.raises(InvalidValue):
        derive_key(bytes(32), 2, DEVICE[:7], 1, USER)


def test_gmac_is_the_truncated_gcm_tag_and_detects_changes() -> None:
    key = bytes(range(16))
    aad = b"\x11\x00\x00\x00\x00\x00some apdu"
    tag = crypto.gmac(key, DEVICE, aad)
    assert tag == AESGCM(key).encrypt(DEVICE + bytes(4), b"", aad)[:12]
    assert crypto.gmac_valid(key, DEVICE, aad, tag)
    assert not crypto.gmac_valid(key, DEVICE, aad + b"!", tag)
    assert not crypto.gmac_valid(key, USER, aad, tag)


def test_encryption_round_trips_and_rejects_a_changed_octet() -> None:
    key = bytes(range(16))
    sealed = crypto.encrypt(key, DEVICE, b"register 12345")
    assert len(sealed) == len(b"register 12345") + 12
    assert crypto.decrypt(key, DEVICE, sealed) == b"register 12345"
    tampered = bytes([sealed[0] ^ 1]) + sealed[1:]
    with pytest.raises(InvalidTag):
        crypto.decrypt(key, DEVICE, tampered)


def test_signature_is_p1363_and_verifies_with_cryptography() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signature = crypto.sign(key, b"grouping header and content")
    assert len(signature) == 64
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    key.public_key().verify(der, b"grouping header and content", ec.ECDSA(hashes.SHA256()))
    assert crypto.verify(key.public_key(), b"grouping header and content", signature)
    assert not crypto.verify(key.public_key(), b"grouping header and content!", signature)
    assert not crypto.verify(key.public_key(), b"x", signature[:63])


def _header() -> GroupingHeader:
    return GroupingHeader(Cra.RESPONSE, 1000, DEVICE, USER, 0x0059)


def test_general_signing_layout_and_signature_over_09_to_content() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    apdu = general_signing(_header(), b"\xda\x01\x02", key)
    assert apdu.startswith(
        b"\xdf\x09\x02"
        + (1000).to_bytes(8, "big")
        + b"\x08"
        + DEVICE
        + b"\x08"
        + USER
        + b"\x00\x02\x00\x59\x03\xda\x01\x02\x40"
    )
    assert crypto.verify(key.public_key(), signed_part(_header(), b"\xda\x01\x02"), apdu[-64:])
    assert general_signing(_header(), b"\xda").endswith(b"\x01\xda\x00")


def test_general_ciphering_mac_verifies_with_the_other_partys_key() -> None:
    device, user = _pair()
    apdu = general_signing(_header(), b"\xda" * 200)  # long enough for a 0x81 length
    frame = general_ciphering(_header(), apdu, shared_secret(device, user.public_key()))
    assert frame[7:9] == b"\x81" + bytes([5 + len(apdu) + 12])
    inner, tag = unwrap_general_ciphering(frame)
    assert inner == apdu
    key = mac_key(shared_secret(user, device.public_key()), _header())
    assert crypto.gmac_valid(key, DEVICE, b"\x11\x00\x00\x00\x00\x00" + inner, tag)


def test_lengths_refuse_what_gbcs_frames_do_not_use() -> None:
    assert read_length(b"\x82\x01\x00", 0) == (256, 3)
    with pytest.raises(InvalidValue):
        read_length(b"\x84\x00\x00\x00\x01", 0)
    with pytest.raises(InvalidValue):
        unwrap_general_ciphering(b"\xdf\x09")
