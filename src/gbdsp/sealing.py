"""Secrets at rest (install codes, the GBCS world secret): Fernet, with a key derived from the
data directory's master key (keystore.py) and the purpose, so a copy of the database or of
the data directory without the master key reveals no secret."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from gbdsp.domain.errors import GbdspError


class Sealer:
    def __init__(self, master_secret: bytes, purpose: bytes = b"install codes") -> None:
        key = hashlib.sha256(b"gbdsp " + purpose + b" v1:" + master_secret).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: bytes) -> bytes:
        return self._fernet.encrypt(secret)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken as e:
            raise GbdspError("a sealed secret does not open with this master key") from e
