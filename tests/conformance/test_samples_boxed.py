"""Our sample requests as a DCC Boxed user sends them: signed by the DCC Boxed tool (which
also checks them against its own copy of the DUIS schema), answered by gbdsp, the answer
accepted by the same tool."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conformance.boxed import BoxedTool, validate_54
from tests.test_request_cli import EXPECTED
from tests.web.conftest import serve

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.duis import samples, xml
from gbdsp.duis.client import response_code, web_service_of
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.web.app import create_app
from gbdsp.worlds import sample_defaults
from gbdsp.worlds.demo import create_demo_fleet


@pytest.fixture
def gbdsp_url(store: Store, tmp_path: Path) -> Iterator[str]:
    register_test_users(store)
    create_demo_fleet(store, SystemClock(), premises=300, seed=1)  # `gbdsp demo` defaults
    with serve(create_app(App(tmp_path, Config(), store), relay=False)) as url:
        yield url


def test_every_sample_signed_by_the_boxed_tool_is_answered(
    gbdsp_url: str, boxed_tool: BoxedTool, store: Store
) -> None:
    for srv, expected in EXPECTED.items():
        chosen = samples.sample(srv)
        values = sample_defaults.prepare(chosen, {}, datetime.now(UTC))
        device = sample_defaults.complete(
            store, DeviceEmulator(), chosen, samples.DEFAULT_USER, None, values
        )
        built = samples.build_request(srv, samples.DEFAULT_USER, device, values, 1)
        # The tool overwrites the counter with its clock in ms, as it does for its users.
        signed = boxed_tool.sign(xml.serialise(built), preserve_counter=False)
        reply = httpx.post(
            gbdsp_url + web_service_of(signed).value,
            content=signed,
            headers={"Content-Type": "application/xml"},
            timeout=30,
        )
        assert reply.status_code == 200, (srv, reply.content[:300])
        assert response_code(reply.content) == expected, (srv, reply.content[:600])
        validate_54(boxed_tool, reply.content)  # tool.jar; its 5.1 schema lacks some 5.4
        time.sleep(0.002)  # the tool's next counter (ms) must be greater
