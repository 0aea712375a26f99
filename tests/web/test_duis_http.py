"""DUIS over real HTTP: the three endpoints, and responses pushed to a real receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.delivery.relay import RelayPolicy
from gbdsp.domain.ids import UserId
from gbdsp.duis import signature, xml
from gbdsp.duis.namespaces import SR
from gbdsp.duis.smki import DSP_CERTIFICATE, load_certificate, pki_file
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import ESME, SUPPLIER, read_firmware, read_inventory
from tests.web.conftest import serve

XML = {"Content-Type": "application/xml"}
DSP_CERT = load_certificate(pki_file(DSP_CERTIFICATE))
FAST = RelayPolicy(
    first_retry=timedelta(milliseconds=50),
    max_retry=timedelta(milliseconds=200),
    idle_poll_seconds=0.05,
)


@dataclass
class Receiver:
    """A User's receive-response endpoint that can be down for a while."""

    refuse_first: int = 0
    received: list[bytes] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def duis(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                if self.refused < self.refuse_first:
                    self.refused += 1
                    return Response(status_code=503)
                self.received.append(body)
            return Response(status_code=204)

        return Starlette(routes=[Route("/smartdcc/duis", duis, methods=["POST"])])

    def wait_for(self, count: int, seconds: float = 10) -> list[bytes]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        return list(self.received)


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Receiver:
    return Receiver(refuse_first=getattr(request, "param", 0))


@pytest.fixture
def gbdsp_url(store: Store, tmp_path: Path, receiver: Receiver) -> Iterator[str]:
    register_test_users(store)
    create_demo_fleet(store, SystemClock(), premises=2, seed=1)
    with serve(receiver.app()) as receiver_url:
        with store.transaction() as tx:
            tx.users.set_response_url(UserId.parse(SUPPLIER), f"{receiver_url}/smartdcc/duis")
        with serve(create_app(App(tmp_path, Config(), store), relay_policy=FAST)) as url:
            yield url


def counter() -> int:
    return time.time_ns() // 1000


def code(body: bytes) -> str:
    root = xml.parse(body)
    signature.verify(root, lambda i, s: DSP_CERT)
    return root.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode") or ""


def test_read_inventory_over_http(gbdsp_url: str) -> None:
    reply = httpx.post(
        f"{gbdsp_url}/api/v1/serviceD", content=read_inventory(counter()), headers=XML
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    assert code(reply.content) == "I0"


def test_device_response_is_pushed_once_to_the_user(gbdsp_url: str, receiver: Receiver) -> None:
    sent = counter()
    reply = httpx.post(f"{gbdsp_url}/api/v1/serviceS", content=read_firmware(sent), headers=XML)
    assert code(reply.content) == "I99"
    received = receiver.wait_for(1)
    assert len(received) == 1
    assert code(received[0]) == "I0"
    assert f"<sr:ResponseID>{ESME}:{SUPPLIER}:{sent}</sr:ResponseID>".encode() in received[0]
    time.sleep(0.3)
    assert len(receiver.received) == 1  # never twice


@pytest.mark.parametrize("receiver", [3], indirect=True)
def test_a_receiver_that_is_down_gets_everything_once_back(
    gbdsp_url: str, receiver: Receiver
) -> None:
    counters = [counter() + n for n in range(5)]
    for c in counters:
        reply = httpx.post(f"{gbdsp_url}/api/v1/serviceS", content=read_firmware(c), headers=XML)
        assert code(reply.content) == "I99"
    received = receiver.wait_for(5)
    assert receiver.refused == 3
    ids = sorted(
        int(b.split(b"<sr:ResponseID>")[1].split(b"<")[0].rsplit(b":", 1)[1]) for b in received
    )
    assert ids == counters


def test_wrong_content_type_and_method(gbdsp_url: str) -> None:
    reply = httpx.post(
        f"{gbdsp_url}/api/v1/serviceD",
        content=read_inventory(counter()),
        headers={"Content-Type": "text/plain"},
    )
    assert reply.status_code == 415
    assert httpx.get(f"{gbdsp_url}/api/v1/serviceD").status_code == 405


def test_oversize_body_is_refused_without_reading_it_all(gbdsp_url: str) -> None:
    reply = httpx.post(
        f"{gbdsp_url}/api/v1/serviceD", content=b"<a>" + b"x" * 1_000_000, headers=XML
    )
    assert reply.status_code == 413


def test_metrics_count_duis_outcomes(gbdsp_url: str) -> None:
    httpx.post(f"{gbdsp_url}/api/v1/serviceD", content=read_inventory(counter()), headers=XML)
    httpx.post(f"{gbdsp_url}/api/v1/serviceD", content=b"junk", headers=XML)
    body = httpx.get(f"{gbdsp_url}/metrics").text
    assert 'gbdsp_duis_outcomes_total{code="I0",stage="handler"} 1.0' in body
    assert 'gbdsp_duis_outcomes_total{code="400",stage="parse"} 1.0' in body
