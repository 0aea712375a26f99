"""The one relay serves every channel of the one outbox: a DUIS message reaches its User's
endpoint over HTTP, a CSP notice the emulated CSP, a mail a real SMTP server; each once,
and nothing is lost while a receiver is down."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from gbdsp.clock import ManualClock
from gbdsp.config import MailConfig
from gbdsp.delivery import http
from gbdsp.delivery.http import AiohttpPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.outbox import Channel, CspNotice, Mail
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.outbox_repositories import DuisMessage
from gbdsp.store.store import Store
from tests.factories import SUPPLIER
from tests.scenarios.conftest import Mailbox
from tests.web.conftest import serve
from tests.web.test_duis_http import Receiver

DEVICE = DeviceId.parse("FF-DB-12-34-56-78-90-A0")
POLICY = RelayPolicy(first_retry=timedelta(milliseconds=50), idle_poll_seconds=0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Smtp:
    """A real SMTP server on loopback that can be started late (down until then)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def config(self) -> MailConfig:
        return MailConfig(host="127.0.0.1", port=self.port, sender="dcc@gbdsp.test")

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    yield server
    server.stop()


@pytest.fixture
def receiver(store: Store) -> Iterator[Receiver]:
    receiver = Receiver()
    register_test_users(store)
    with serve(receiver.app()) as url:
        set_response_url(store, SUPPLIER, f"{url}/smartdcc/duis")
        yield receiver


def rounds(store: Store, clock: ManualClock, mail: MailConfig, count: int = 1) -> list[int]:
    """What `count` rounds of one relay tried, round by round."""

    async def run() -> list[int]:
        async with http.session() as session:
            relay = Relay(store, clock, AiohttpPoster(session, POLICY), POLICY, mail=mail)
            return [await relay.deliver_once() for _ in range(count)]

    return asyncio.run(run())


def test_one_round_delivers_each_channel_and_the_next_finds_nothing(
    store: Store, clock: ManualClock, receiver: Receiver, smtp: Smtp
) -> None:
    smtp.start()
    now = clock.now()
    with store.transaction() as tx:
        tx.outbox.add(DuisMessage("r1", SUPPLIER, b"<signed/>", now))
        tx.outbox.add_mail(Mail("ops@b.test", "[gbdsp] hello", "a notice"), now)
        tx.outbox.add_csp_notice(CspNotice(DEVICE, True), now)
    assert rounds(store, clock, smtp.config, count=2) == [3, 0]
    assert receiver.received == [b"<signed/>"]
    assert [(to, s, body.strip()) for to, s, body in smtp.mailbox.messages] == [
        ("ops@b.test", "[gbdsp] hello", "a notice")
    ]
    with store.read() as tx:
        assert tx.wan.restricted_indicator(DEVICE) == (True, now)
        assert tx.outbox.pending() == 0


def test_mail_waits_while_the_smtp_server_is_down_then_goes_once(
    store: Store, clock: ManualClock, smtp: Smtp
) -> None:
    with store.transaction() as tx:
        for n in range(3):
            tx.outbox.add_mail(Mail(f"user{n}@b.test", "[gbdsp] due soon", "answer"), clock.now())
    assert rounds(store, clock, smtp.config) == [0]  # refused: nothing is lost
    with store.read() as tx:
        assert tx.outbox.pending(Channel.MAIL) == 3
    smtp.start()
    assert rounds(store, clock, smtp.config) == [0]  # not before its retry (30 s)
    clock.advance(timedelta(seconds=30))
    assert rounds(store, clock, smtp.config, count=2) == [3, 0]
    assert sorted(to for to, _, _ in smtp.mailbox.messages) == [f"user{n}@b.test" for n in range(3)]
    with store.read() as tx:
        assert tx.outbox.pending() == 0


def test_two_relays_racing_send_each_mail_once(
    store: Store, clock: ManualClock, smtp: Smtp
) -> None:
    smtp.start()
    with store.transaction() as tx:
        for n in range(40):
            tx.outbox.add_mail(Mail("ops@b.test", f"[gbdsp] {n}", "x"), clock.now())

    async def race() -> None:
        async with http.session() as session:
            post = AiohttpPoster(session, POLICY)
            relays = [Relay(store, clock, post, POLICY, mail=smtp.config) for _ in range(2)]
            while any(await asyncio.gather(*(r.deliver_once() for r in relays))):
                pass

    asyncio.run(race())
    subjects = [subject for _, subject, _ in smtp.mailbox.messages]
    assert sorted(subjects) == sorted(f"[gbdsp] {n}" for n in range(40))
