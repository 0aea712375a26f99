"""A world for the web security tests: the demo template premises on a real database, a
User per role (Responsible Supplier, another supplier, network operator, agent, Other
User), an SSI API token and a portal account each, and a real uvicorn server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.services.portal_accounts import add_account
from gbdsp.services.ssi_access import issue_token
from gbdsp.services.users import add_user, register_test_users
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import DEMO_SUPPLIERS, create_demo_fleet
from tests.web.conftest import serve

ESME = DeviceId.parse("00-DB-12-34-56-78-90-A0")
CHF = DeviceId.parse("00-DB-12-34-56-78-90-A2")
ROLES = {
    "supplier": UserId.parse("90-B3-D5-1F-30-01-00-00"),  # Responsible Supplier
    "other_supplier": DEMO_SUPPLIERS[0][0],  # Northwind
    "network": UserId.parse("90-B3-D5-1F-30-02-00-00"),  # ED of the premises
    "agent": UserId.parse("00-DB-12-34-56-78-00-04"),  # RSA for the supplier
    "other_user": UserId.parse("00-DB-12-34-56-78-0E-01"),  # an OU
}
PASSWORD = "a long test password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


@dataclass
class World:
    url: str
    app: App
    clock: ManualClock
    tokens: dict[str, str] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)

    @property
    def store(self) -> Store:
        return self.app.store

    def api(
        self,
        method: str,
        path: str,
        who: str | None,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: object,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if who:
            sent["Authorization"] = f"Bearer {self.tokens[who]}"
        return httpx.request(
            method,
            f"{self.url}/ssi/api/v1{path}",
            headers=sent,
            timeout=60,
            **kwargs,  # type: ignore[arg-type]
        )

    def portal(self, who: str) -> httpx.Client:
        """A signed-in portal client for the role's account (made on first use: argon2
        hashing is slow on purpose)."""
        if who not in self.accounts:
            add_account(self.store, who, ROLES[who], PASSWORD, NOW)
            self.accounts.add(who)
        client = httpx.Client(base_url=self.url, timeout=60)
        form = client.get("/ssi/sign-in")
        found = TOKEN.search(form.text)
        assert found
        reply = client.post(
            "/ssi/sign-in", data={"csrf_token": found[1], "name": who, "password": PASSWORD}
        )
        assert reply.status_code == 303, reply.text
        return client


def build_world(store: Store, data_dir: Path, config: Config | None = None) -> App:
    data_dir.mkdir(exist_ok=True)
    clock = ManualClock(NOW)
    register_test_users(store)
    add_user(
        store, User(ROLES["other_user"], "TEST-OU", "An Other User", frozenset({UserRole.OU})), None
    )
    create_demo_fleet(store, clock, premises=0, seed=1)
    return App(data_dir, config or Config(), store, clock)


@pytest.fixture
def world(store: Store, tmp_path: Path) -> Iterator[World]:
    app = build_world(store, tmp_path / "data")
    assert isinstance(app.clock, ManualClock)
    tokens = {role: issue_token(store, user, role, NOW) for role, user in ROLES.items()}
    tokens["operator"] = issue_token(store, None, "ops", NOW)
    with serve(create_app(app, relay=False)) as url:
        yield World(url, app, app.clock, tokens)
