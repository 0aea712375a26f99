"""Finding 6: refusals at the HTTP edge of the DUIS endpoints (415, 413) are audited and
counted in the outcome metrics like every other refusal; a UTF-16 DTD over HTTP is a
400, not a 500. A real server on loopback, both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.duis.xml import MAX_MESSAGE_BYTES
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import read_inventory
from tests.web.conftest import serve


@pytest.fixture
def url(store: Store, tmp_path: Path) -> Iterator[str]:
    register_test_users(store)
    create_demo_fleet(store, SystemClock(), premises=0, seed=1)
    with serve(create_app(App(tmp_path, Config(), store), relay=False)) as base:
        yield base


def outcome_count(base: str, stage: str, code: str) -> float:
    text = httpx.get(f"{base}/metrics").text
    found = re.search(rf'gbdsp_duis_outcomes_total\{{code="{code}",stage="{stage}"\}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def audited(store: Store, outcome: str) -> int:
    with store.read() as tx:
        return sum(1 for e in tx.audit.recent(1000) if e.outcome == outcome)


def test_wrong_media_type_is_audited_and_counted(url: str, store: Store) -> None:
    reply = httpx.post(
        f"{url}/api/v1/serviceD", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 415
    assert outcome_count(url, "media-type", "415") == 1
    assert audited(store, "415") == 1


def test_an_oversized_message_is_audited_and_counted(url: str, store: Store) -> None:
    reply = httpx.post(
        f"{url}/api/v1/serviceD",
        content=b"<" * (MAX_MESSAGE_BYTES + 1),
        headers={"Content-Type": "application/xml"},
    )
    assert reply.status_code == 413
    assert outcome_count(url, "size", "413") == 1
    assert audited(store, "413") == 1


def test_a_utf16_dtd_over_http_is_a_400(url: str, store: Store) -> None:
    body = read_inventory(7).decode().split("?>", 1)[1]
    data = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e SYSTEM '
        '"file:///etc/passwd">]>' + body
    ).encode("utf-16")
    reply = httpx.post(
        f"{url}/api/v1/serviceD", content=data, headers={"Content-Type": "application/xml"}
    )
    assert reply.status_code == 400 and b"UTF-8" in reply.content
    assert outcome_count(url, "parse", "400") == 1
    assert audited(store, "400") == 1
