"""The SMKI repository, as the DCC Boxed SMKI service answers it (docs/gbcs.md).

What it holds: the DS and KA certificates of every Type 1 device in the SMI (derived from the
test world, never stored), and the GBCS certificates of the organisations: the registered
Users' and the ACB's. Searches are by device EUI (`CertificateSubjectAltName`) or by
organisation EUI and role (`CertificateSubjectName`, `CertificateRole`); retrieval is by
serial. Every certificate is reported "in use" (status I): the ZAZ1 test certificates have
passed their notAfter, and a test world must not refuse them for it (docs/gbcs.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.party import PartyCertificate
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.gbcs_parties import of_party, read_certificate, registered
from gbdsp.store.store import Store

IN_USE = "I"


@dataclass(frozen=True, slots=True)
class SmkiEntry:
    """One certificate as the SMKI service lists it."""

    certificate: x509.Certificate
    usage: KeyUsage
    device: Eui64 | None
    """The device (CertificateSubjectAltName), or None for an organisation certificate."""
    organisation: Eui64 | None = None
    role: int | None = None
    """The organisation's SMKI role (the certificate subject's OU, hex), e.g. 2 Supplier."""
    status: str = IN_USE

    @property
    def serial(self) -> str:
        return format(self.certificate.serial_number, "x")


class SmkiRepository:
    """Searches and retrievals over the SMI and the organisations' certificates."""

    def __init__(self, store: Store, world: GbcsWorld) -> None:
        self._store = store
        self._world = world

    def device(self, eui: Eui64) -> list[SmkiEntry]:
        """The device's DS and KA certificates; none if it is not a Type 1 device in the SMI."""
        with self._store.read() as tx:
            device = tx.devices.get(DeviceId(eui.value), with_history=False)
        if device is None or device.device_type.is_type2:
            return []  # Type 2 Devices hold no GBCS keys (GBCS 4.2)
        return [
            SmkiEntry(self._world.device_certificate(eui, usage), usage, eui)
            for usage in (KeyUsage.DS, KeyUsage.KA)
        ]

    def organisation(self, eui: Eui64, role: int | None) -> list[SmkiEntry]:
        """The party's certificates (of that role, if given)."""
        with self._store.read() as tx:
            found = of_party(tx, eui.value)
        return [e for e in map(_organisation, found) if role is None or e.role == role]

    def retrieve(self, serial: int) -> SmkiEntry | None:
        found = self._world.device_of_serial(serial)
        if found is not None:
            eui, usage = found
            return next((e for e in self.device(eui) if e.usage is usage), None)
        with self._store.read() as tx:
            row = tx.gbcs_certificates.by_serial(serial)
        return None if row is None else _organisation(read_certificate(row))

    def _organisations(self) -> Iterator[SmkiEntry]:
        """The registered GBCS certificates of Users and the ACB (`gbdsp users add
        --ds-certificate ...`; `gbdsp init` registers the ZAZ1 ones)."""
        with self._store.read() as tx:
            found = registered(tx)
        return (_organisation(c) for c in found)


def _organisation(cert: PartyCertificate) -> SmkiEntry:
    return SmkiEntry(
        cert.certificate,
        cert.kind.usage,
        None,
        Eui64(cert.party),
        organisation_role(cert.certificate),
    )


def organisation_role(cert: x509.Certificate) -> int | None:
    """The SMKI role of an organisation certificate: its subject OU, two hex digits."""
    for attribute in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = attribute.value
        if isinstance(value, str) and len(value) == 2:
            try:
                return int(value, 16)
            except ValueError:
                return None
    return None
