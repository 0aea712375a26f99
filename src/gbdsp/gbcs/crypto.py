"""GMAC, sensitive-data encryption and ECDSA signatures as GBCS uses them (GBCS 4.3).

- GMAC (GBCS 4.3.4): AES-128-GCM with no plaintext; IV = originator system title || 00000000;
  the tag is truncated to 12 octets.
- Encryption of sensitive data (GBCS 4.3.5, e.g. ECS17b registers): AES-128-GCM with the same
  IV, AAD = the security-control octet 0x31, a 12-octet tag after the ciphertext.
- Signatures (GBCS 4.3.2): ECDSA P-256 with SHA-256, 64 octets r || s (IEEE P1363).
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TAG_LENGTH = 12
ENCRYPTION_SECURITY_CONTROL = 0x31
"""Security control of encrypted-and-authenticated sensitive data (GBCS 4.3.5)."""


def iv(originator: bytes) -> bytes:
    """The GCM IV: originator system title then a 4-octet invocation counter of zeros."""
    return originator + b"\x00\x00\x00\x00"


def gmac(key: bytes, originator: bytes, aad: bytes) -> bytes:
    """The 12-octet GMAC tag of `aad` (GBCS 4.3.4)."""
    return AESGCM(key).encrypt(iv(originator), b"", aad)[:TAG_LENGTH]


def gmac_valid(key: bytes, originator: bytes, aad: bytes, tag: bytes) -> bool:
    return hmac.compare_digest(gmac(key, originator, aad), tag)


def encrypt(key: bytes, originator: bytes, plaintext: bytes) -> bytes:
    """Ciphertext || 12-octet tag of sensitive data (GBCS 4.3.5, AAD 0x31)."""
    sealed = AESGCM(key).encrypt(iv(originator), plaintext, bytes([ENCRYPTION_SECURITY_CONTROL]))
    return sealed[: len(plaintext) + TAG_LENGTH]


def decrypt(key: bytes, originator: bytes, sealed: bytes) -> bytes:
    """Inverse of `encrypt`; raises cryptography's InvalidTag when the tag does not match."""
    if len(sealed) < TAG_LENGTH:
        raise InvalidTag()
    ciphertext, tag = sealed[:-TAG_LENGTH], sealed[-TAG_LENGTH:]
    decryptor = Cipher(
        algorithms.AES(key), modes.GCM(iv(originator), tag, min_tag_length=TAG_LENGTH)
    ).decryptor()
    decryptor.authenticate_additional_data(bytes([ENCRYPTION_SECURITY_CONTROL]))
    return decryptor.update(ciphertext) + decryptor.finalize()


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA-SHA256 over `data`, 64 octets r || s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    if len(signature) != 64:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
