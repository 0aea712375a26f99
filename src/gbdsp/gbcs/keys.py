"""Device key pairs derived from the world secret and the EUI-64, so nothing is stored per
device: a fleet of millions needs one 32-octet secret (docs/gbcs.md).

scalar = (HMAC-SHA512(world secret, label || usage || EUI-64) mod (n - 1)) + 1 on P-256, i.e. a
uniformly distributed private key (the 512-bit draw makes the modular bias negligible,
FIPS 186-5 A.4.1 "extra random bits"). The label is versioned so a change of scheme never
silently re-uses a key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
LABEL = b"gbdsp gbcs device key v1:"
WORLD_SECRET_LENGTH = 32


class KeyUsage(Enum):
    """The two key pairs every GBCS party holds (GBCS 4.2)."""

    DS = "ds"
    """Digital signing."""
    KA = "ka"
    """Key agreement."""


def derive_scalar(world_secret: bytes, purpose: bytes, subject: bytes) -> int:
    if len(world_secret) < WORLD_SECRET_LENGTH:
        raise InvalidValue("the GBCS world secret is at least 32 octets")
    draw = hmac.new(world_secret, LABEL + purpose + b":" + subject, hashlib.sha512).digest()
    return int.from_bytes(draw, "big") % (P256_ORDER - 1) + 1


def device_key(world_secret: bytes, eui: bytes, usage: KeyUsage) -> ec.EllipticCurvePrivateKey:
    """The device's DS or KA private key (P-256)."""
    if len(eui) != 8:
        raise InvalidValue("a device ID is 8 octets (EUI-64)")
    return ec.derive_private_key(
        derive_scalar(world_secret, usage.value.encode(), eui), ec.SECP256R1()
    )


def issuing_authority_key(world_secret: bytes) -> ec.EllipticCurvePrivateKey:
    """The test world's Device issuing authority key (signs the device certificates)."""
    return ec.derive_private_key(
        derive_scalar(world_secret, b"issuing-authority", b""), ec.SECP256R1()
    )


@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """A device's two private keys."""

    ds: ec.EllipticCurvePrivateKey
    ka: ec.EllipticCurvePrivateKey

    @classmethod
    def derive(cls, world_secret: bytes, eui: bytes) -> DeviceKeys:
        return cls(
            device_key(world_secret, eui, KeyUsage.DS), device_key(world_secret, eui, KeyUsage.KA)
        )
