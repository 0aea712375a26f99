"""Users register GBCS DS, KA and prepayment KA certificates beside the XML-signing one:
checked (EUI, key usage, P-256), stored in the database, used by the gateway's test world,
served by the SMKI service and `smki export`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64, UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.party import CertificateKind
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.services.gbcs_parties import PartyDirectory
from gbdsp.services.smki import SmkiRepository
from gbdsp.services.users import add_user, register_test_users
from gbdsp.store.store import Store
from tests.gbcs.support import party_certificate as _certificate
from tests.test_cli import Gbdsp

NEW_USER = "90-B3-D5-1F-30-01-00-77"


def _user() -> User:
    return User(UserId.parse(NEW_USER), "NEW-PARTY", "new supplier", frozenset({UserRole.IS}))


def test_test_users_and_the_acb_get_their_zaz1_gbcs_certificates(store: Store) -> None:
    register_test_users(store)
    with store.read() as tx:
        supplier = tx.gbcs_certificates.of_party(0x90B3D51F30010000)
        acb = tx.gbcs_certificates.of_party(ACB.value)
    assert {c.kind for c in supplier} == {k.value for k in CertificateKind}
    assert {c.kind for c in acb} == {"ds", "ka"}


def test_registered_certificates_are_used_and_served(store: Store) -> None:
    eui = Eui64.parse(NEW_USER)
    ds, _ = _certificate(eui.value, signing=True)
    ka, ka_key = _certificate(eui.value, signing=False)
    add_user(store, _user(), None, gbcs=[(CertificateKind.DS, ds), (CertificateKind.KA, ka)])
    world = GbcsWorld(bytes.fromhex("31" * 32)).with_parties(PartyDirectory(store))
    device = Eui64.parse("00-DB-12-34-56-78-90-A0")
    # The device's Z with the User's registered KA key is the one the User computes.
    device_ka = world.device_keys(device).ka.public_key()
    assert world.shared_secret(device, eui) == ka_key.exchange(ec.ECDH(), device_ka)
    entries = SmkiRepository(store, world).organisation(eui, 2)
    assert sorted(e.usage.name for e in entries) == ["DS", "KA"]
    served = SmkiRepository(store, world).retrieve(entries[0].certificate.serial_number)
    assert served is not None and served.organisation == eui
    assert world.party_certificate(eui, KeyUsage.KA, prepayment=True) is None


@pytest.mark.parametrize(
    ("make", "kind", "problem"),
    [
        (
            lambda: _certificate(0x90B3D51F30010000, signing=True)[0],
            CertificateKind.DS,
            "is for 90B3D51F30010000",
        ),
        (
            lambda: _certificate(0x90B3D51F30010077, signing=False)[0],
            CertificateKind.DS,
            "digitalSignature",
        ),
        (
            lambda: _certificate(0x90B3D51F30010077, signing=True)[0],
            CertificateKind.KA,
            "keyAgreement",
        ),
        (
            lambda: _certificate(0x90B3D51F30010077, signing=True, curve=ec.SECP384R1())[0],
            CertificateKind.DS,
            "P-256",
        ),
        (
            lambda: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            CertificateKind.KA,
            "not an X.509 certificate",
        ),
    ],
)
def test_wrong_certificates_are_refused_and_nothing_is_written(
    store: Store, make: object, kind: CertificateKind, problem: str
) -> None:
    good, _ = _certificate(0x90B3D51F30010077, signing=True)
    assert callable(make)
    bad = make()
    others = [(CertificateKind.DS, good)] if kind is not CertificateKind.DS else []
    with pytest.raises(InvalidValue, match=problem):
        add_user(store, _user(), None, gbcs=[*others, (kind, bad)])
    with store.read() as tx:
        assert tx.users.get(UserId.parse(NEW_USER)) is None
        assert tx.gbcs_certificates.of_party(0x90B3D51F30010077) == []


def test_users_add_cli_registers_and_exports_gbcs_certificates(
    tmp_path: Path, database_url: str
) -> None:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    eui = Eui64.parse(NEW_USER).value
    ds, ka = tmp_path / "ds.pem", tmp_path / "ka.pem"
    ds.write_bytes(_certificate(eui, signing=True)[0])
    ka.write_bytes(_certificate(eui, signing=False)[0])
    refused = gbdsp(
        "users",
        "add",
        NEW_USER,
        "--role",
        "IS",
        "--party",
        "P",
        "--name",
        "n",
        "--ds-certificate",
        str(ka),
    )
    assert refused.returncode != 0 and "digitalSignature" in refused.stderr
    added = gbdsp(
        "users",
        "add",
        NEW_USER,
        "--role",
        "IS",
        "--party",
        "P",
        "--name",
        "n",
        "--ds-certificate",
        str(ds),
        "--ka-certificate",
        str(ka),
    )
    assert added.returncode == 0, added.stderr
    assert "GBCS DS, KA certificates" in added.stdout
    exported = gbdsp("smki", "export", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    stem = f"{eui:016x}"
    assert (tmp_path / "out" / f"{stem}-ds.pem").read_bytes() == ds.read_bytes()
    assert (tmp_path / "out" / f"{stem}-ka.pem").read_bytes() == ka.read_bytes()
    assert (tmp_path / "out" / "90b3d51f30000002-ka.pem").is_file()  # the ACB (init)
