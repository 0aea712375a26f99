"""Private keys gbdsp generates for test Users, encrypted at rest in the data directory.

Keys are PKCS#8 PEM encrypted with a master key: $GBDSP_MASTER_KEY if set, else a random
one created on first use in `keys/master.key` (mode 0600). The public DCC Boxed test keys
shipped in the package need no protection (they are published); they are the fallback.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import Certificate
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import TEST_USERS, load_certificate, load_private_key, pki_file

MASTER_ENV = "GBDSP_MASTER_KEY"


class KeyStore:
    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "keys"

    def save(
        self, user_id: UserId, key: ec.EllipticCurvePrivateKey, certificate_pem: bytes
    ) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        encrypted = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._master_key()),
        )
        key_path = self.directory / f"{user_id.hex}.key"
        _write_private(key_path, encrypted)
        (self.directory / f"{user_id.hex}.pem").write_bytes(certificate_pem)
        return key_path

    def generated_certificate(self, user_id: UserId) -> Certificate | None:
        """The certificate of a key generated here for the User, if there is one."""
        path = self.directory / f"{user_id.hex}.pem"
        return load_certificate(path.read_bytes()) if path.exists() else None

    def signing_key(self, user_id: UserId) -> SigningKey | None:
        """The User's key: generated here, else the shipped DCC Boxed test key, else None."""
        key_path = self.directory / f"{user_id.hex}.key"
        if key_path.exists():
            try:
                key = serialization.load_pem_private_key(key_path.read_bytes(), self._master_key())
            except ValueError as e:
                raise InvalidValue(f"cannot decrypt {key_path}: wrong master key?") from e
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            cert = load_certificate((self.directory / f"{user_id.hex}.pem").read_bytes())
            return SigningKey(key, cert.issuer, cert.serial)
        for spec in TEST_USERS:
            if spec.user_id == str(user_id):
                cert = load_certificate(pki_file(spec.certificate_file))
                return SigningKey(
                    load_private_key(pki_file(spec.key_file)), cert.issuer, cert.serial
                )
        return None

    def master_secret(self) -> bytes:
        """The secret other things at rest are sealed with (install codes)."""
        return self._master_key()

    def _master_key(self) -> bytes:
        from_env = os.environ.get(MASTER_ENV)
        if from_env:
            return from_env.encode()
        path = self.directory / "master.key"
        if not path.exists():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_private(path, secrets.token_hex(32).encode())
        return path.read_bytes().strip()


def _write_private(path: Path, data: bytes) -> None:
    """Create with mode 0600 from the start (never world-readable, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
