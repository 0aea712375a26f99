"""The GBCS test world of a data directory: its sealed secret, the device keys and
certificates derived from it, and the shipped DCC Boxed (ZAZ1) keys of the Users and the ACB.

The world secret (32 random octets) is created on first use in `keys/gbcs-world.sealed`,
sealed with the data directory's master key (keystore.py, sealing.py). Every device's DS and
KA key pairs and certificates follow from it and the Device ID (gbcs/keys.py,
gbcs/certificates.py), so nothing is stored per device (docs/gbcs.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import GbdspError
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs.certificates import (
    device_certificate,
    issuing_authority_certificate,
    read_device_serial,
)
from gbdsp.gbcs.kdf import shared_secret
from gbdsp.gbcs.keys import WORLD_SECRET_LENGTH, DeviceKeys, KeyUsage
from gbdsp.keystore import KeyStore
from gbdsp.sealing import Sealer

WORLD_FILE = "gbcs-world.sealed"
SEAL_PURPOSE = b"gbcs world"
PARTY_KEYS = ("smki-test", "gbcs")
"""Package data: the ZAZ1 GBCS certificates and keys of the test Users and the ACB."""
ACB = Eui64.parse("90-B3-D5-1F-30-00-00-02")
"""The Access Control Broker of the DCC Boxed test PKI (its KA key MACs device commands)."""


def open_world(data_dir: Path) -> GbcsWorld:
    """The world of `data_dir`, creating and sealing its secret on first use."""
    keys = KeyStore(data_dir)
    sealer = Sealer(keys.master_secret(), SEAL_PURPOSE)
    path = keys.directory / WORLD_FILE
    if not path.exists():
        _create_once(path, sealer.seal(secrets.token_bytes(WORLD_SECRET_LENGTH)))
    secret = sealer.open(path.read_bytes())
    if len(secret) != WORLD_SECRET_LENGTH:
        raise GbdspError(f"{path} does not hold a GBCS world secret")
    return GbcsWorld(secret)


def _create_once(path: Path, sealed: bytes) -> None:
    """Write `sealed` (mode 0600) unless another process got there first: its secret wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(sealed)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()


PartyLookup = Callable[[Eui64, KeyUsage, bool], x509.Certificate | None]
"""(party, usage, prepayment) -> the party's registered GBCS certificate, or None."""


def shipped_party(party: Eui64, usage: KeyUsage, prepayment: bool) -> x509.Certificate | None:
    """The shipped ZAZ1 certificates (a world with no database: bench, unit tests)."""
    return PARTIES.certificate(party, usage, prepayment=prepayment)


class GbcsWorld:
    """Device keys and certificates of one test world (derived, cached per device), and the
    remote parties' certificates it MACs and verifies with (`parties`)."""

    def __init__(self, secret: bytes, parties: PartyLookup = shipped_party) -> None:
        self._secret = secret
        self._parties = parties
        self.device_keys = lru_cache(maxsize=8192)(self._derive)
        self._z = lru_cache(maxsize=8192)(self._shared_secret)

    def with_parties(self, parties: PartyLookup) -> GbcsWorld:
        """The same world, resolving parties' certificates with `parties` (the database)."""
        return GbcsWorld(self._secret, parties)

    def party_certificate(
        self, party: Eui64, usage: KeyUsage, *, prepayment: bool = False
    ) -> x509.Certificate | None:
        return self._parties(party, usage, prepayment)

    def _derive(self, device: Eui64) -> DeviceKeys:
        return DeviceKeys.derive(self._secret, device.value.to_bytes(8, "big"))

    def device_certificate(self, device: Eui64, usage: KeyUsage) -> x509.Certificate:
        keys = self.device_keys(device)
        key = keys.ds if usage is KeyUsage.DS else keys.ka
        return device_certificate(
            self._secret, device.value.to_bytes(8, "big"), usage, key.public_key()
        )

    def device_of_serial(self, serial: int) -> tuple[Eui64, KeyUsage] | None:
        """The device and key a certificate serial of this world names, or None."""
        found = read_device_serial(self._secret, serial)
        return None if found is None else (Eui64(int.from_bytes(found[0], "big")), found[1])

    def authority_certificate(self) -> x509.Certificate:
        return issuing_authority_certificate(self._secret)

    def shared_secret(self, device: Eui64, party: Eui64, *, prepayment: bool = False) -> bytes:
        """Z of the device's KA key and the party's registered KA certificate (cached by
        the certificate's serial, so a replaced certificate is used at once)."""
        cert = self.party_certificate(party, KeyUsage.KA, prepayment=prepayment)
        if cert is None:
            raise GbdspError(f"no GBCS KA certificate for {party}")
        return self._z(device, party, prepayment, cert.serial_number)

    def _shared_secret(self, device: Eui64, party: Eui64, prepayment: bool, serial: int) -> bytes:
        cert = self.party_certificate(party, KeyUsage.KA, prepayment=prepayment)
        assert cert is not None and cert.serial_number == serial
        public = cert.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        return shared_secret(self.device_keys(device).ka, public)


@dataclass(frozen=True, slots=True)
class PartyKeyFile:
    """One shipped certificate (and its private key) of a remote party."""

    party: Eui64
    usage: KeyUsage
    prepayment: bool

    @property
    def stem(self) -> str:
        return f"{self.party.hex.lower()}-{'pp-' if self.prepayment else ''}{self.usage.value}"


class PartyKeys:
    """The DCC Boxed ZAZ1 GBCS keys shipped under gbdsp/data/smki-test/gbcs (public test
    material: docs/test-pki.md)."""

    def _dir(self) -> resources.abc.Traversable:
        return resources.files("gbdsp.data").joinpath(*PARTY_KEYS)

    def files(self) -> list[PartyKeyFile]:
        found = []
        for entry in self._dir().iterdir():
            name = entry.name
            if not name.endswith(".pem"):
                continue
            eui, *rest = name.removesuffix(".pem").split("-")
            found.append(PartyKeyFile(Eui64.parse(eui), KeyUsage(rest[-1]), rest[0] == "pp"))
        return sorted(found, key=lambda f: f.stem)

    def certificate_pem(self, f: PartyKeyFile) -> bytes:
        return self._dir().joinpath(f.stem + ".pem").read_bytes()

    def private_key_pem(self, f: PartyKeyFile) -> bytes:
        return self._dir().joinpath(f.stem + ".key").read_bytes()

    def certificate(
        self, party: Eui64, usage: KeyUsage, *, prepayment: bool = False
    ) -> x509.Certificate | None:
        return _certificate(PartyKeyFile(party, usage, prepayment).stem)

    def private_key(
        self, party: Eui64, usage: KeyUsage, *, prepayment: bool = False
    ) -> ec.EllipticCurvePrivateKey | None:
        entry = self._dir().joinpath(PartyKeyFile(party, usage, prepayment).stem + ".key")
        if not entry.is_file():
            return None
        key = serialization.load_pem_private_key(entry.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key


@lru_cache(maxsize=64)
def _certificate(stem: str) -> x509.Certificate | None:
    entry = resources.files("gbdsp.data").joinpath(*PARTY_KEYS, stem + ".pem")
    return x509.load_pem_x509_certificate(entry.read_bytes()) if entry.is_file() else None


PARTIES = PartyKeys()
