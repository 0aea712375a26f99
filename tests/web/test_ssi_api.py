"""The SSI REST API over real HTTP: tokens, authorisation per caller, JSON errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services.operations import deliver_hub
from gbdsp.services.ssi_access import issue_token
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import create_demo_fleet
from tests.web.conftest import serve

SUPPLIER = "90-B3-D5-1F-30-01-00-00"
NORTHWIND = "00-DB-12-34-56-78-01-01"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    register_test_users(store)
    clock = ManualClock(NOW)
    create_demo_fleet(store, clock, premises=40, seed=2)
    for holder, n in ((SUPPLIER, 1), (NORTHWIND, 2)):  # CHs in stock with two holders
        deliver_hub(
            store,
            clock,
            Config(),
            UserId.parse(holder),
            DeviceId.parse(f"00-DB-12-34-5A-00-00-{n}0"),
            DeviceId.parse(f"00-DB-12-34-5A-00-00-{n}1"),
            emulator=DeviceEmulator(),
        )
    tokens = {
        "supplier": issue_token(store, UserId.parse(SUPPLIER), "test", NOW),
        "northwind": issue_token(store, UserId.parse(NORTHWIND), "test", NOW),
        "operator": issue_token(store, None, "ops", NOW),
    }
    app = App(tmp_path, Config(), store, clock)
    with serve(create_app(app, relay=False)) as url:
        yield url + "/ssi/api/v1", tokens


def get(url: str, token: str | None, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url, headers=headers, params=params)  # type: ignore[arg-type]


def test_calls_need_a_valid_token(api: tuple[str, dict[str, str]], store: Store) -> None:
    url, tokens = api
    assert get(f"{url}/me", None).status_code == 401
    assert get(f"{url}/me", "gbdsp_forged").status_code == 401
    me = get(f"{url}/me", tokens["supplier"]).json()
    assert me == {"user_id": SUPPLIER, "operator": False, "label": "test"}
    with store.read() as tx:
        stored = [r.token_hash for r in tx.tokens.all()]
    assert tokens["supplier"] not in stored  # only the hash is kept


def test_device_view(api: tuple[str, dict[str, str]]) -> None:
    url, tokens = api
    chf = get(f"{url}/devices/00-db-12-34-56-78-90-a2", tokens["supplier"]).json()
    assert chf["device_type"] == "CHF" and chf["status"] == "Commissioned"
    assert "00-DB-12-34-56-78-90-A0" in chf["device_log"]
    assert [h["status"] for h in chf["history"]] == ["Pending", "Commissioned"]
    missing = get(f"{url}/devices/00-00-00-00-00-00-00-01", tokens["supplier"])
    assert missing.status_code == 404 and "not in the SMI" in missing.json()["error"]
    assert get(f"{url}/devices/nonsense", tokens["supplier"]).status_code == 400


def test_each_user_sees_only_its_own_housekeeping_figures(api: tuple[str, dict[str, str]]) -> None:
    url, tokens = api
    everyone = get(f"{url}/housekeeping/pending-age", tokens["operator"]).json()
    mine = get(f"{url}/housekeeping/pending-age", tokens["supplier"]).json()
    assert len({r["responsible_supplier"] for r in everyone}) > 1
    assert mine == [r for r in everyone if r["responsible_supplier"] == SUPPLIER]
    forecast = get(
        f"{url}/housekeeping/forecast", tokens["northwind"], rule="months=6,name=short"
    ).json()
    assert {f["rule"] for f in forecast} == {
        "MP60: 36 months, excluding CHF+GPF",
        "short: 6 months",
    }
    assert {d["responsible_supplier"] for f in forecast for d in f["devices"]} <= {NORTHWIND}
    stock = get(f"{url}/housekeeping/ch-stock", tokens["northwind"]).json()
    all_stock = get(f"{url}/housekeeping/ch-stock", tokens["operator"]).json()
    assert stock == [s for s in all_stock if s["holder"] == NORTHWIND] and len(all_stock) > 1
    bad = get(f"{url}/housekeeping/forecast", tokens["supplier"], rule="weeks=2")
    assert bad.status_code == 400 and "not a rule part" in bad.json()["error"]


def test_registration_data_is_for_operators(api: tuple[str, dict[str, str]]) -> None:
    url, tokens = api
    entry = [
        {
            "mpxn": "1312345678111",
            "supplier": NORTHWIND,
            "effective_from": "2026-01-01T00:00:00+00:00",
        }
    ]
    refused = httpx.post(
        f"{url}/registration-data",
        json=entry,
        headers={"Authorization": f"Bearer {tokens['supplier']}"},
    )
    assert refused.status_code == 403
    accepted = httpx.post(
        f"{url}/registration-data",
        json=entry,
        headers={"Authorization": f"Bearer {tokens['operator']}"},
    )
    assert accepted.json() == {"recorded": 1}
    esme = get(f"{url}/devices/00-DB-12-34-56-78-90-A0", tokens["supplier"]).json()
    assert esme["responsible_supplier"] == NORTHWIND
    broken = httpx.post(
        f"{url}/registration-data",
        json=[{"mpxn": "x"}],
        headers={"Authorization": f"Bearer {tokens['operator']}"},
    )
    assert broken.status_code == 400 and broken.json()["error"].startswith("entry 1:")
