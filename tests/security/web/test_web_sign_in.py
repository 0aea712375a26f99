"""Issue 18, finding 2: the portal's sign-in limit holds against parallel guesses on both
backends (two servers on one database), hurts the guesser and not the person, and believes
X-Forwarded-For only from a configured proxy. Real uvicorn servers, real databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config, ServerConfig
from gbdsp.domain.ids import UserId
from gbdsp.domain.sign_in_limits import FREE_FAILURES_PER_ACCOUNT
from gbdsp.services.portal_accounts import add_account
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.store.tables import portal_login_attempts
from gbdsp.web.app import create_app
from tests.web.conftest import serve

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse 1"
Attempt = Callable[..., httpx.Response]


def _servers(
    store: Store, tmp_path: Path, clock: ManualClock, config: Config, count: int
) -> Iterator[list[str]]:
    """`count` servers, each with its own Store (engine, pool, SQLite writer lock) on the
    same database, like worker processes."""
    register_test_users(store)
    add_account(store, "alice", UserId.parse("90-B3-D5-1F-30-01-00-00"), PASSWORD, clock.now())
    url = store.engine.url.render_as_string(hide_password=False)
    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            own = Store.open(url)
            stack.callback(own.close)
            urls.append(
                stack.enter_context(
                    serve(create_app(App(tmp_path, config, own, clock), relay=False))
                )
            )
        yield urls


def _attempt(base: str) -> Attempt:
    client = httpx.Client(base_url=base, timeout=60)
    found = TOKEN.search(client.get("/ssi/sign-in").text)
    assert found
    token = found[1]

    def attempt(
        password: str, *, name: str = "alice", forwarded: str | None = None
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return client.post(
            "/ssi/sign-in",
            headers=headers,
            data={"csrf_token": token, "name": name, "password": password},
        )

    return attempt


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))


@pytest.fixture
def two_servers(store: Store, tmp_path: Path, clock: ManualClock) -> Iterator[list[str]]:
    yield from _servers(store, tmp_path, clock, Config(), 2)


@pytest.fixture
def behind_proxy(store: Store, tmp_path: Path, clock: ManualClock) -> Iterator[str]:
    config = Config(server=ServerConfig(trusted_proxies=["127.0.0.1"]))
    for urls in _servers(store, tmp_path, clock, config, 1):
        yield urls[0]


@pytest.mark.parametrize("burst", [40, 200])
def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_the_limit(
    two_servers: list[str], store: Store, burst: int
) -> None:
    attempts = [_attempt(two_servers[n % 2]) for n in range(8)]
    passwords = ["wrong guess"] * (burst - 1) + [PASSWORD]
    with ThreadPoolExecutor(max_workers=40) as pool:
        replies = list(pool.map(lambda n: attempts[n % len(attempts)](passwords[n]), range(burst)))
    statuses = [r.status_code for r in replies]
    checked = [s for s in statuses if s != 429]
    assert set(statuses) <= {401, 303, 429}, statuses
    assert len(checked) <= FREE_FAILURES_PER_ACCOUNT, statuses
    assert statuses.count(429) >= burst - FREE_FAILURES_PER_ACCOUNT
    with store.engine.connect() as conn:  # every attempt is on record, refused ones too
        recorded = conn.execute(
            select(func.count()).select_from(portal_login_attempts)
        ).scalar_one()
    assert recorded == burst


def test_delays_grow_with_each_failure_after_the_free_ones(
    two_servers: list[str], clock: ManualClock
) -> None:
    attempt = _attempt(two_servers[0])
    for _ in range(FREE_FAILURES_PER_ACCOUNT):
        assert attempt("wrong").status_code == 401
    for minutes in (1, 2, 4, 8):
        refused = attempt(PASSWORD)  # right, but locked: not even checked
        assert refused.status_code == 429, refused.text
        assert f"wait {minutes} minute" in refused.text
        clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
        assert attempt(PASSWORD).status_code == 429  # not a second early
        clock.advance(timedelta(seconds=1))
        assert attempt("wrong").status_code == 401  # one more guess, then longer
    clock.advance(timedelta(minutes=16))
    assert attempt(PASSWORD).status_code == 303
    assert attempt("wrong").status_code == 401  # a success starts afresh


def test_the_person_at_another_address_is_not_locked_out(behind_proxy: str) -> None:
    attacker, person = _attempt(behind_proxy), _attempt(behind_proxy)
    for _ in range(FREE_FAILURES_PER_ACCOUNT + 3):
        attacker("wrong", forwarded="203.0.113.9")
    assert attacker(PASSWORD, forwarded="203.0.113.9").status_code == 429
    assert person(PASSWORD, forwarded="198.51.100.4").status_code == 303


def test_an_address_spraying_many_accounts_is_slowed(behind_proxy: str) -> None:
    attempt = _attempt(behind_proxy)
    for n in range(20):
        assert attempt("wrong", name=f"name{n}", forwarded="203.0.113.7").status_code == 401
    assert attempt("wrong", name="other", forwarded="203.0.113.7").status_code == 429
    assert attempt(PASSWORD, forwarded="198.51.100.4").status_code == 303


def test_forwarded_for_is_ignored_unless_the_proxy_is_configured(two_servers: list[str]) -> None:
    attempt = _attempt(two_servers[0])
    for n in range(FREE_FAILURES_PER_ACCOUNT):
        attempt("wrong", forwarded=f"192.0.2.{n}")
    # A loopback client claiming a new address each time is still the same client.
    assert attempt(PASSWORD, forwarded="192.0.2.200").status_code == 429


def test_the_last_untrusted_hop_is_the_client() -> None:
    from gbdsp.web.clients import client_address

    trusted = ["10.0.0.0/8", "127.0.0.1"]
    assert client_address("127.0.0.1", "6.6.6.6, 1.2.3.4", trusted) == "1.2.3.4"
    assert client_address("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.9.9.9", trusted) == "1.2.3.4"
    assert client_address("8.8.8.8", "1.2.3.4", trusted) == "8.8.8.8"
    assert client_address("127.0.0.1", "", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "1.2.3.4", []) == "127.0.0.1"


def test_trusted_proxies_are_checked_when_the_configuration_is_read(tmp_path: Path) -> None:
    from gbdsp.config import ConfigError, load

    env = {"GBDSP_SERVER__TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}
    assert load(tmp_path, env).server.trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    assert load(tmp_path, {}).server.trusted_proxies == []  # default: none
    with pytest.raises(ConfigError, match=r"'proxy\.local' is not an address or a network"):
        load(tmp_path, {"GBDSP_SERVER__TRUSTED_PROXIES": "proxy.local"})
