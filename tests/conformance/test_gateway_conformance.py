"""gbdsp against real DUIS clients: the DCC Boxed templates, signed by the DCC Boxed tool,
sent over HTTP; our answers checked by the same tool."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conformance.boxed import BoxedTool, request_id, validate_54, with_counter
from tests.web.conftest import serve

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.duis.client import response_code, web_service_of
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import create_demo_fleet

XML = {"Content-Type": "application/xml"}
SUPPLIER = "90-B3-D5-1F-30-01-00-00"


@pytest.fixture
def gbdsp_url(store: Store, tmp_path: Path) -> Iterator[str]:
    register_test_users(store)
    create_demo_fleet(store, SystemClock(), premises=3, seed=1)
    with serve(create_app(App(tmp_path, Config(), store), relay=False)) as url:
        yield url


class Counters:
    """Strictly increasing counters, as DCC Boxed clients make them (time-based)."""

    def __init__(self) -> None:
        self.next = time.time_ns() // 1000

    def __call__(self) -> int:
        self.next += 1
        return self.next


def post(url: str, data: bytes) -> httpx.Response:
    return httpx.post(url + web_service_of(data).value, content=data, headers=XML, timeout=30)


def test_every_template_gets_a_sensible_signed_answer(
    gbdsp_url: str, boxed_tool: BoxedTool, templates: list[Path], store: Store
) -> None:
    with store.transaction() as tx:
        registered = {str(u.user_id) for u in tx.users.all() if tx.users.certificates_of(u.user_id)}
    signers = boxed_tool.signing_euis()
    counters = Counters()
    outcomes: Counter[str] = Counter()
    for template in sorted(templates, key=_destructive_last):
        rid = request_id(template.read_bytes())
        if rid.originator not in signers:
            continue  # the tool itself cannot sign these (no key in the jar)
        signed = boxed_tool.sign(with_counter(template.read_bytes(), counters()))
        reply = post(gbdsp_url, signed)
        srv = template.name
        if rid.originator not in registered:
            assert reply.status_code == 403, srv  # signer unknown to this SMKI registry
            assert b"unknown certificate" in reply.content
            outcomes["403 unknown certificate"] += 1
            continue
        if reply.status_code == 501:  # a non-device SRV whose handler has not landed yet
            assert rid.target == "90-B3-D5-1F-30-00-00-02", srv
            outcomes["501 not implemented"] += 1
            continue
        assert reply.status_code == 200, (srv, reply.status_code, reply.content[:300])
        code = response_code(reply.content)
        assert code is not None, srv
        # The demo holds every template device, and the templates are well-formed: no
        # unknown device, no wrong URL or Command Variant, no invalid User.
        assert code not in ("E19", "E13", "E12", "E1", "E3"), (srv, code)
        validate_54(boxed_tool, reply.content)  # tool.jar; its 5.1 schema lacks some 5.4
        assert b"<ds:SignatureValue>" in reply.content  # the tool also passes unsigned ones
        outcomes[code] += 1
    answered = sum(n for code, n in outcomes.items() if code in ("I0", "I99"))
    assert answered >= 0.8 * sum(outcomes.values()), outcomes
    print(dict(outcomes))


# Templates that take the premises out of service (returns, decommission, inventory changes,
# removal from the HAN) go last, as an engineer would run them against one test premises.
DESTRUCTIVE = ("8.3_", "8.4_", "8.14.", "CCS02_8.11", "_8.8.", "8.12.")


def _destructive_last(template: Path) -> tuple[bool, str]:
    return any(mark in template.name for mark in DESTRUCTIVE), template.name


def test_refusals_with_tool_signed_messages(
    gbdsp_url: str, boxed_tool: BoxedTool, templates: list[Path], store: Store
) -> None:
    counters = Counters()
    template = next(t for t in templates if t.name.startswith("8.2_READ_INVENTORY"))
    good = boxed_tool.sign(with_counter(template.read_bytes(), counters()))
    assert response_code(post(gbdsp_url, good).content) == "I0"

    replay = post(gbdsp_url, good)
    assert response_code(replay.content) == "E40"

    fresh = boxed_tool.sign(with_counter(template.read_bytes(), counters()))
    tampered_body = fresh.replace(b"90-A2</sr:DeviceID>", b"90-A0</sr:DeviceID>")
    reply = post(gbdsp_url, tampered_body)
    assert reply.status_code == 403 and b"digest mismatch" in reply.content

    start = fresh.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = b"A" if fresh[start : start + 1] != b"A" else b"B"
    tampered_signature = fresh[:start] + flipped + fresh[start + 1 :]
    reply = post(gbdsp_url, tampered_signature)
    assert reply.status_code == 403 and b"does not verify" in reply.content

    network_operator = next(
        c for c in boxed_tool.certificates() if c.eui == "90-B3-D5-1F-30-02-00-00"
    )
    mismatch = boxed_tool.sign(
        with_counter(template.read_bytes(), counters()), signer_serial=network_operator.serial
    )
    reply = post(gbdsp_url, mismatch)
    assert reply.status_code == 403
    assert b"certificate of 90-B3-D5-1F-30-02-00-00 signs a request from" in reply.content

    # Every DCC Boxed test User is registered (docs/test-worlds.md); the DSP's older
    # (pre-1.4.1) certificate that tool.jar also holds is not.
    with store.read() as tx:
        known = {c.serial for u in tx.users.all() for c in tx.users.certificates_of(u.user_id)}
    unknown = next(c for c in boxed_tool.certificates() if c.has_key and c.serial not in known)
    foreign = boxed_tool.sign(
        with_counter(template.read_bytes(), counters()), signer_serial=unknown.serial
    )
    reply = post(gbdsp_url, foreign)
    assert reply.status_code == 403 and b"unknown certificate" in reply.content

    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + good.split(b"?>", 1)[1]
    )
    reply = httpx.post(gbdsp_url + "/api/v1/serviceD", content=xxe, headers=XML)
    assert reply.status_code == 400 and b"DTD" in reply.content

    oversize = good.replace(b"</sr:Request>", b"<!--" + b"x" * 600_000 + b"--></sr:Request>")
    reply = httpx.post(gbdsp_url + "/api/v1/serviceD", content=oversize, headers=XML)
    assert reply.status_code == 413
