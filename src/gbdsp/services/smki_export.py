"""Export the test world's GBCS certificates (and, for test tools, private keys) to a
directory, in the layout `gbcs-decode.js` and other DCC Boxed-style tools read:
`EUI-ds.pem`, `EUI-ka.pem`, `EUI-pp-ka.pem` (EUI as 16 lower-case hex digits) and
`EUI-*.key` (PKCS#8 PEM) with `private=True`. See docs/gbcs.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.ids import Eui64
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.party import PartyCertificate
from gbdsp.gbcs_world import PARTIES, GbcsWorld
from gbdsp.services.gbcs_parties import registered
from gbdsp.store.store import Store

AUTHORITY_FILE = "issuing-authority.pem"


@dataclass
class ExportReport:
    devices: int = 0
    parties: int = 0
    files: int = 0
    users_without_keys: list[Eui64] = field(default_factory=list)


def export(store: Store, world: GbcsWorld, directory: Path, *, private: bool) -> ExportReport:
    """Every Type 1 device of the SMI and every registered GBCS certificate of a User or the
    ACB (with `private`, the shipped ZAZ1 private keys of those that have one)."""
    directory.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    _write(directory / AUTHORITY_FILE, _pem(world.authority_certificate()), report)
    with store.read() as tx:
        user_ids = {Eui64(u.user_id.value) for u in tx.users.all()}
        parties = registered(tx)
        for device in tx.devices.iter_all():
            if device.device_type.is_type2:
                continue  # Type 2 Devices hold no GBCS keys (GBCS 4.2)
            _export_device(world, Eui64(device.device_id.value), directory, private, report)
    _export_parties(parties, directory, private, report)
    with_keys = {Eui64(c.party) for c in parties}
    report.users_without_keys = sorted(user_ids - with_keys)
    return report


def _export_device(
    world: GbcsWorld, eui: Eui64, directory: Path, private: bool, report: ExportReport
) -> None:
    stem = eui.hex.lower()
    keys = world.device_keys(eui)
    for usage, key in ((KeyUsage.DS, keys.ds), (KeyUsage.KA, keys.ka)):
        _write(
            directory / f"{stem}-{usage.value}.pem",
            _pem(world.device_certificate(eui, usage)),
            report,
        )
        if private:
            _write(directory / f"{stem}-{usage.value}.key", _key_pem(key), report, secret=True)
    report.devices += 1


def _export_parties(
    registered: list[PartyCertificate], directory: Path, private: bool, report: ExportReport
) -> None:
    shipped = {f.stem: f for f in PARTIES.files()}
    for cert in registered:
        stem = f"{Eui64(cert.party).hex.lower()}-{cert.kind.value}"
        _write(directory / f"{stem}.pem", _pem(cert.certificate), report)
        f = shipped.get(stem)
        if (
            private
            and f is not None
            and PARTIES.certificate(f.party, f.usage, prepayment=f.prepayment) == cert.certificate
        ):
            _write(directory / f"{stem}.key", PARTIES.private_key_pem(f), report, secret=True)
    report.parties = len({c.party for c in registered})


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, report: ExportReport, *, secret: bool = False) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temporary, path)
    report.files += 1
