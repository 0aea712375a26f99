"""The GBCS key derivation (GBCS 4.3.3: ECC CDH, then the NIST SP 800-56A one-step KDF).

Z = ECDH(one party's KA private key, the other's KA public key) is the same whichever side
computes it. The 16-octet AES key is `SHA-256(00000001 || Z || otherInfo)[:16]`, where
otherInfo = AlgorithmID (60 85 74 06 08 03 00) || originator system title || 09 || CRA flag
|| originator counter (8) || recipient system title.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue

ALGORITHM_ID = bytes.fromhex("60857406080300")
"""The AlgorithmID of GBCS 4.3.3.2 (id for AES-128-GCM key derivation)."""


def shared_secret(
    private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey
) -> bytes:
    """Z of the ECC CDH primitive (GBCS 4.3.3.1); 32 octets on P-256."""
    return private_key.exchange(ec.ECDH(), public_key)


def derive_key(z: bytes, cra: int, originator: bytes, counter: int, recipient: bytes) -> bytes:
    """The AES-128 key of one message (MAC or encryption, chosen by `cra`: 1-3 or 4)."""
    if len(originator) != 8 or len(recipient) != 8:
        raise InvalidValue("GBCS system titles are 8 octets (EUI-64)")
    other_info = (
        ALGORITHM_ID + originator + b"\x09" + bytes([cra]) + counter.to_bytes(8, "big") + recipient
    )
    return hashlib.sha256(b"\x00\x00\x00\x01" + z + other_info).digest()[:16]
