"""Secrets at rest (install codes): Fernet, with a key derived from the data directory's
master key (keystore.py), so a copy of the database alone reveals no code."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from gbdsp.domain.errors import GbdspError


class Sealer:
    def __init__(self, master_secret: bytes) -> None:
        key = hashlib.sha256(b"gbdsp install codes v1:" + master_secret).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: bytes) -> bytes:
        return self._fernet.encrypt(secret)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken as e:
            raise GbdspError("a sealed secret does not open with this master key") from e
