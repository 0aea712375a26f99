"""A running gbdsp (real HTTP, real database) with Users, a CPL, and a receive-response
endpoint, for lifecycle scenarios driven only through signed DUIS."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import (
    Config,
    MailConfig,
    Modification,
    Modifications,
    WanConfig,
    WorldConfig,
)
from gbdsp.delivery.relay import RelayPolicy
from gbdsp.domain.devices import CspRegion, DeviceModel, DeviceType, SmetsVariant
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import generate_identity, load_certificate
from gbdsp.gbcs.party import CertificateKind
from gbdsp.services import operations
from gbdsp.services.users import add_user, register_test_users
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.web.app import create_app
from tests.duis_support import AGENT, NETWORK_OPERATOR, SUPPLIER, signing_key_of
from tests.gbcs.support import party_certificate
from tests.scenarios.duis_client import DuisUser, read_inventory
from tests.web.conftest import serve
from tests.web.test_duis_http import Receiver

GAINING_SUPPLIER = "00-DB-12-34-56-78-0C-01"
MODELS = {
    DeviceType.CHF: DeviceModel("CD01", "0C01", "0003", "00000401"),
    DeviceType.GPF: DeviceModel("CD01", "0C02", "0003", "00000401"),
    DeviceType.ESME: DeviceModel("AB01", "010A030B", "0001", "0002012F"),
    DeviceType.GSME: DeviceModel("AB02", "020B0101", "0001", "00010203"),
    DeviceType.PPMID: DeviceModel("EF01", "0F0A", "0002", "00000105"),
    DeviceType.IHD: DeviceModel("EF01", "0E01", "0001", "00000300"),
}
FAST = RelayPolicy(
    first_retry=timedelta(milliseconds=50),
    max_retry=timedelta(milliseconds=200),
    idle_poll_seconds=0.02,
)


@dataclass
class World:
    store: Store
    config: Config
    mailbox: Mailbox
    url: str
    supplier: DuisUser
    gaining: DuisUser
    agent: DuisUser
    network: DuisUser

    def deliver_hub(self, chf: str, gpf: str, to: str = SUPPLIER, smets: str = "CHTS V1.0") -> None:
        operations.deliver_hub(
            self.store,
            SystemClock(),
            self.config,
            UserId.parse(to),
            DeviceId.parse(chf),
            DeviceId.parse(gpf),
            smets,
            CspRegion.NORTH,
            emulator=DeviceEmulator(self.config.wan),
        )

    def coverage_arrives(self, chf: str) -> None:
        operations.set_coverage(self.store, SystemClock(), DeviceId.parse(chf), True)

    def install_code(self, device: str) -> str:
        """Read off the device's label (whoever holds the device can)."""
        return operations.install_code(DeviceEmulator(self.config.wan), DeviceId.parse(device))

    def inventory(self, device: str, as_user: DuisUser | None = None) -> dict[str, dict[str, str]]:
        """8.2 over DUIS: {device ID: {field: value}} for the premises."""
        user = as_user or self.supplier
        code, _ = user.send("8.2", read_inventory(device), cv=8)
        assert code == "I0", code
        body = user.last_reply
        devices = {}
        for block in re.findall(rb"<sr:Device>(.*?)</sr:Device>", body):
            fields = dict(re.findall(rb"<sr:(\w+)>([^<]*)</sr:\1>", block))
            decoded = {k.decode(): v.decode() for k, v in fields.items()}
            devices[decoded["DeviceID"]] = decoded
        return devices


class Mailbox:
    """A real SMTP server's inbox (aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        self.messages.append(
            (str(message["To"]), str(message["Subject"]), str(message.get_payload()))
        )
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, seconds: float = 10) -> list[tuple[str, str, str]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m[0] == to]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return [m for m in self.messages if m[0] == to]


@pytest.fixture
def smtp() -> Iterator[tuple[MailConfig, Mailbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield MailConfig(host="127.0.0.1", port=port, sender="dcc@gbdsp.test"), mailbox
    controller.stop()


def _config(mp39: bool, mp202: bool, mail: MailConfig) -> Config:
    return Config(
        world=WorldConfig(profile="sec"),  # the SEC's rules, not the DCC Boxed sandbox's
        mail=mail,
        wan=WanConfig(latency_ms_min=5, latency_ms_max=20),
        modifications=Modifications(
            mp39=Modification(enabled=mp39), mp202=Modification(enabled=mp202)
        ),
    )


def _seed_cpl(store: Store) -> None:
    with store.transaction() as tx:
        for dtype, model in MODELS.items():
            for variant in SmetsVariant:
                tx.cpl.put(CplEntry(CplKey(model, dtype, variant)))


def _gaining_supplier(store: Store) -> tuple[SigningKey, ec.EllipticCurvePrivateKey]:
    """A supplier that is not a DCC Boxed test User: its XML-signing key and its GBCS DS
    key, with DS and KA certificates registered as `gbdsp users add` does."""
    uid = UserId.parse(GAINING_SUPPLIER)
    key, pem = generate_identity(uid)
    certificate = load_certificate(pem)
    ds_pem, ds_key = party_certificate(uid.value, signing=True)
    ka_pem, _ = party_certificate(uid.value, signing=False)
    add_user(
        store,
        User(uid, "GAINING", "Gaining Energy", frozenset({UserRole.IS, UserRole.GS})),
        certificate,
        gbcs=[(CertificateKind.DS, ds_pem), (CertificateKind.KA, ka_pem)],
    )
    return SigningKey(key, certificate.issuer, certificate.serial), ds_key


@pytest.fixture(params=[(True, True)], ids=["mods-on"])
def modifications(request: pytest.FixtureRequest) -> tuple[bool, bool]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def world(
    store: Store, tmp_path: Path, modifications: tuple[bool, bool], smtp: tuple[MailConfig, Mailbox]
) -> Iterator[World]:
    config = _config(*modifications, smtp[0])
    register_test_users(store, "sec")
    gaining_key, gaining_ds = _gaining_supplier(store)
    _seed_cpl(store)
    receiver = Receiver()
    with serve(receiver.app()) as receiver_url:
        with store.transaction() as tx:
            for registered in tx.users.all():
                tx.users.set_response_url(registered.user_id, f"{receiver_url}/smartdcc/duis")
        app = App(tmp_path, config, store)
        with serve(create_app(app, relay_policy=FAST)) as url:

            def user(
                uid: str,
                key: SigningKey | None = None,
                ds: ec.EllipticCurvePrivateKey | None = None,
            ) -> DuisUser:
                return DuisUser(uid, key or signing_key_of(uid), url, receiver, ds)

            yield World(
                store,
                config,
                smtp[1],
                url,
                user(SUPPLIER),
                user(GAINING_SUPPLIER, gaining_key, gaining_ds),
                user(AGENT),
                user(NETWORK_OPERATOR),
            )
