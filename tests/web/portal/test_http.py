"""The portal over plain HTTP: anti-forgery tokens, authorisation by URL, validation that
keeps what was typed, cookies and headers, rate-limited sign-in (real server, real DB)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.ids import UserId
from gbdsp.services import install_codes
from gbdsp.services.portal_accounts import MAX_FAILURES_PER_NAME, add_account
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.store.tables import portal_accounts, portal_sessions
from gbdsp.web.app import create_app
from tests.web.conftest import serve
from tests.web.portal.conftest import (
    BRIGHTWATT,
    NORTHWIND,
    PASSWORD,
    TEMPLATE_ESME,
    Portal,
)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(url: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url)
    form = client.get("/ssi/sign-in")
    token = TOKEN.search(form.text)
    assert token, form.text
    reply = client.post(
        "/ssi/sign-in", data={"csrf_token": token[1], "name": name, "password": password}
    )
    assert reply.status_code == 303, reply.text
    return client


def token_of(client: httpx.Client, path: str) -> str:
    found = TOKEN.search(client.get(path).text)
    assert found
    return found[1]


def test_posts_without_a_valid_token_are_refused_and_change_nothing(portal: Portal) -> None:
    client = sign_in(portal.url, "boxed-supplier")
    for path, data in (
        (
            "/ssi/devices/" + TEMPLATE_ESME + "/restricted",
            {
                "restricted": "true",
                "consumer_preference": "x",
                "reasonable_steps": "yes",
                "confirm": "yes",
            },
        ),
        ("/ssi/install-codes", {"device_id": TEMPLATE_ESME}),
        ("/ssi/sign-out", {}),
    ):
        assert client.post(path, data=data).status_code == 403
        assert client.post(path, data=data | {"csrf_token": "0" * 64}).status_code == 403
    page = client.get(f"/ssi/devices/{TEMPLATE_ESME}")
    assert page.status_code == 200  # still signed in
    assert "This ESME is <strong>not Restricted</strong>" in page.text
    # A session's token does not work for another session.
    other = sign_in(portal.url, "boxed-supplier")
    foreign = token_of(other, "/ssi/inventory")
    assert (
        client.post(
            "/ssi/install-codes", data={"device_id": TEMPLATE_ESME, "csrf_token": foreign}
        ).status_code
        == 403
    )


def test_sign_in_form_needs_its_own_token(portal: Portal) -> None:
    reply = httpx.post(
        f"{portal.url}/ssi/sign-in", data={"name": "northwind", "password": PASSWORD}
    )
    assert reply.status_code == 403
    assert "gbdsp_session" not in reply.headers.get("set-cookie", "")


def test_a_user_cannot_see_or_act_on_another_users_request(portal: Portal) -> None:
    rows = install_codes.raise_requests(
        portal.app.store, portal.clock, portal.app.config, NORTHWIND, [(1, str(portal.gained[4]))]
    )
    request_id = rows[0].request_id
    assert request_id is not None, rows
    outsider = sign_in(portal.url, "boxed-supplier")
    token = token_of(outsider, "/ssi/install-codes")
    assert outsider.get(f"/ssi/install-codes/{request_id}").status_code == 404
    for action in ("answer", "not-installer", "close"):
        reply = outsider.post(
            f"/ssi/install-codes/{request_id}/{action}",
            data={"csrf_token": token, "install_code": "00" * 8},
        )
        assert reply.status_code == 404
    assert outsider.get("/ssi/install-codes/999999").status_code == 404  # same as absent
    # The requester may not answer its own request; the assignee may not close it.
    requester = sign_in(portal.url, "northwind")
    reply = requester.post(
        f"/ssi/install-codes/{request_id}/answer",
        data={"csrf_token": token_of(requester, "/ssi/install-codes"), "install_code": "00" * 8},
    )
    assert reply.status_code == 404
    installer = sign_in(portal.url, "brightwatt")
    assert installer.get(f"/ssi/install-codes/{request_id}").status_code == 200
    reply = installer.post(
        f"/ssi/install-codes/{request_id}/close",
        data={"csrf_token": token_of(installer, "/ssi/install-codes")},
    )
    assert reply.status_code == 404
    still = install_codes.request_for(portal.app.store, BRIGHTWATT, request_id)
    assert still.status.value == "Open"

    # 'Not the installer', then the requester names an earlier supplier: a User that does
    # not exist is an error on the form (what was typed kept), a real one takes it over.
    reply = installer.post(
        f"/ssi/install-codes/{request_id}/not-installer",
        data={"csrf_token": token_of(installer, "/ssi/install-codes")},
    )
    assert reply.status_code == 303
    token = token_of(requester, "/ssi/install-codes")
    unknown = "00-DB-12-34-56-78-0E-0E"
    reply = requester.post(
        f"/ssi/install-codes/{request_id}/redirect", data={"csrf_token": token, "to": unknown}
    )
    assert reply.status_code == 422
    assert "not a registered supplier User" in reply.text and f'value="{unknown}"' in reply.text
    reply = requester.post(
        f"/ssi/install-codes/{request_id}/redirect",
        data={"csrf_token": token, "to": "90-B3-D5-1F-30-01-00-00"},
    )
    assert reply.status_code == 303
    moved = install_codes.request_for(portal.app.store, NORTHWIND, request_id)
    assert str(moved.assignee) == "90-B3-D5-1F-30-01-00-00" and moved.status.value == "Open"


def test_other_users_devices_and_premises_are_not_found(portal: Portal) -> None:
    client = sign_in(portal.url, "northwind")
    assert client.get(f"/ssi/devices/{TEMPLATE_ESME}").status_code == 404
    assert client.get("/ssi/premises/00-DB-12-34-56-78-90-A2").status_code == 404
    assert client.get("/ssi/devices/not-a-device").status_code == 404
    extract = client.get("/ssi/extract.csv")
    assert extract.status_code == 200
    assert extract.headers["content-type"].startswith("text/csv")
    lines = extract.text.splitlines()
    header = lines[0].split(",")
    column = header.index("responsible_supplier")
    assert len(lines) > 1
    assert {line.split(",")[column] for line in lines[1:]} == {str(NORTHWIND)}


def test_validation_errors_keep_what_was_typed(portal: Portal) -> None:
    client = sign_in(portal.url, "boxed-supplier")
    token = token_of(client, "/ssi/install-codes")
    reply = client.post(
        "/ssi/install-codes",
        data={"csrf_token": token, "device_id": "00-DB-12-ZZ", "backlog": "yes"},
    )
    assert reply.status_code == 422
    assert "not an EUI-64" in reply.text
    assert 'value="00-DB-12-ZZ"' in reply.text
    assert 'id="backlog" name="backlog" value="yes" checked' in reply.text
    reply = client.post(
        "/ssi/install-codes", data={"csrf_token": token, "device_id": TEMPLATE_ESME}
    )
    assert reply.status_code == 422  # Commissioned: no code to ask for
    assert "it is Commissioned" in reply.text and f'value="{TEMPLATE_ESME}"' in reply.text
    reply = client.post(
        f"/ssi/devices/{TEMPLATE_ESME}/restricted",
        data={
            "csrf_token": token,
            "restricted": "true",
            "consumer_preference": "No smart <b>please",
        },
    )
    assert reply.status_code == 422
    assert "reasonable steps" in reply.text
    assert "No smart &lt;b&gt;please</textarea>" in reply.text  # kept, and escaped
    reply = client.post(
        "/ssi/install-codes/bulk",
        data={"csrf_token": token},
        files={"file": ("x.csv", b"serial\n123\n", "text/csv")},
    )
    assert reply.status_code == 422 and "device_id column" in reply.text
    search = client.get("/ssi/inventory", params={"q": "ZZ9 ZZZ!", "kind": "postcode"})
    assert "a postcode looks like" in search.text and 'value="ZZ9 ZZZ!"' in search.text


def test_search_by_uprn_mpxn_and_device_id(portal: Portal) -> None:
    client = sign_in(portal.url, "boxed-supplier")
    for q in ("77012345678", "1312345678111", "00db1234567890a0", "m22 4ta"):
        page = client.get("/ssi/inventory", params={"q": q})
        assert "1 premises found" in page.text, q
        assert "/ssi/premises/00-DB-12-34-56-78-90-A2" in page.text


def test_cookies_and_headers(portal: Portal) -> None:
    client = httpx.Client(base_url=portal.url)
    form = client.get("/ssi/sign-in")
    assert "default-src 'self'" in form.headers["content-security-policy"]
    assert form.headers["x-frame-options"] == "DENY"
    token = TOKEN.search(form.text)
    assert token
    reply = client.post(
        "/ssi/sign-in",
        data={
            "csrf_token": token[1],
            "name": "northwind",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert reply.headers["location"] == "/ssi/inventory"  # never an open redirect
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ssi" in cookie
    assert client.get("/ssi/inventory").headers["cache-control"] == "no-store"


# -- sign-in on its own fresh database, each backend --------------------------------------


@pytest.fixture
def fresh(store: Store, tmp_path: Path) -> Iterator[tuple[str, ManualClock, Store]]:
    register_test_users(store)
    clock = ManualClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    add_account(
        store, "alice", UserId.parse("90-B3-D5-1F-30-01-00-00"), "correct horse 1", clock.now()
    )
    with serve(create_app(App(tmp_path, Config(), store, clock), relay=False)) as url:
        yield url, clock, store


def test_sign_in_is_rate_limited_per_account(fresh: tuple[str, ManualClock, Store]) -> None:
    url, clock, _ = fresh
    client = httpx.Client(base_url=url)
    token = TOKEN.search(client.get("/ssi/sign-in").text)
    assert token

    def attempt(password: str) -> httpx.Response:
        return client.post(
            "/ssi/sign-in", data={"csrf_token": token[1], "name": "alice", "password": password}
        )

    for _ in range(MAX_FAILURES_PER_NAME):
        assert attempt("wrong").status_code == 401
    refused = attempt("correct horse 1")  # right, but too many tries: refused
    assert refused.status_code == 429 and "too many failed sign-ins" in refused.text
    assert 'value="alice"' in refused.text
    clock.advance(timedelta(minutes=16))
    assert attempt("correct horse 1").status_code == 303


def test_passwords_and_sessions_are_stored_only_hashed(
    fresh: tuple[str, ManualClock, Store],
) -> None:
    url, clock, store = fresh
    client = sign_in(url, "alice", "correct horse 1")
    session = client.cookies["gbdsp_session"]
    with store.engine.connect() as conn:
        hashed = conn.execute(select(portal_accounts.c.password_hash)).scalar_one()
        stored = conn.execute(select(portal_sessions.c.token_hash)).scalars().all()
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert stored == [hashlib.sha256(session.encode()).hexdigest()]
    assert client.get("/ssi/inventory").status_code == 200
    clock.advance(timedelta(hours=9))  # sessions last 8 hours
    expired = client.get("/ssi/inventory")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/ssi/sign-in")


def test_sign_out_ends_the_session_on_the_server(fresh: tuple[str, ManualClock, Store]) -> None:
    url, _, store = fresh
    client = sign_in(url, "alice", "correct horse 1")
    session = client.cookies["gbdsp_session"]
    reply = client.post("/ssi/sign-out", data={"csrf_token": token_of(client, "/ssi/inventory")})
    assert reply.status_code == 303
    replay = httpx.get(f"{url}/ssi/inventory", cookies={"gbdsp_session": session})
    assert replay.status_code == 303  # the old cookie no longer works
    with store.engine.connect() as conn:
        assert conn.execute(select(portal_sessions)).all() == []
