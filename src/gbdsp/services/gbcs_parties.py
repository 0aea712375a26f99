"""The registered GBCS certificates of Users and the ACB, as the gateway's test world reads
them: from the database, kept for `ttl` seconds (one lookup a minute per party and kind, not
one per device response), so `gbdsp users add --ka-certificate` shows up soon."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from cryptography import x509

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs import party as gbcs_party
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.party import CertificateKind, PartyCertificate
from gbdsp.gbcs_world import ACB, PARTIES
from gbdsp.store.gbcs_repositories import GbcsCertificateRow
from gbdsp.store.store import Store, Transaction


class PartyDirectory:
    """A `gbcs_world.PartyLookup` over the database."""

    def __init__(self, store: Store, ttl: float = 60.0) -> None:
        self._store = store
        self._ttl = ttl
        self._entries: dict[tuple[int, CertificateKind], tuple[float, x509.Certificate | None]]
        self._entries = {}
        self._lock = threading.Lock()

    def __call__(self, party: Eui64, usage: KeyUsage, prepayment: bool) -> x509.Certificate | None:
        key = (party.value, CertificateKind.of(usage, prepayment=prepayment))
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        with self._store.read() as tx:
            found = tx.gbcs_certificates.get(key[0], key[1].value)
        cert = None if found is None else gbcs_party.load(found.der)
        with self._lock:
            self._entries[key] = (now, cert)
        return cert


def checked(party: Eui64, given: Iterable[tuple[CertificateKind, bytes]]) -> list[PartyCertificate]:
    """Each (kind, PEM or DER) as a certificate of `party`, checked (gbcs/party.py)."""
    found = []
    for kind, data in given:
        try:
            found.append(gbcs_party.check(gbcs_party.load(data), party.value, kind))
        except InvalidValue as e:
            raise InvalidValue(f"{kind.value} certificate: {e}") from e
    return found


def register_shipped(tx: Transaction, parties: Iterable[Eui64]) -> int:
    """Register the shipped ZAZ1 GBCS certificates of `parties` and the ACB; how many."""
    wanted = {p.value for p in parties} | {ACB.value}
    count = 0
    for f in PARTIES.files():
        if f.party.value not in wanted:
            continue
        cert = gbcs_party.load(PARTIES.certificate_pem(f))
        kind = CertificateKind.of(f.usage, prepayment=f.prepayment)
        store_certificate(tx, gbcs_party.check(cert, f.party.value, kind))
        count += 1
    return count


def store_certificate(tx: Transaction, cert: PartyCertificate) -> None:
    tx.gbcs_certificates.put(
        GbcsCertificateRow(cert.party, cert.kind.value, cert.der), cert.certificate.serial_number
    )


def read_certificate(row: GbcsCertificateRow) -> PartyCertificate:
    """A stored row as a certificate (checked when it was registered)."""
    return PartyCertificate(row.party, CertificateKind(row.kind), gbcs_party.load(row.der))


def of_party(tx: Transaction, party: int) -> list[PartyCertificate]:
    return [read_certificate(r) for r in tx.gbcs_certificates.of_party(party)]


def registered(tx: Transaction) -> list[PartyCertificate]:
    return [read_certificate(r) for r in tx.gbcs_certificates.all()]
