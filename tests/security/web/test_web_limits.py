"""Issue 18, findings 6 and 9 (web parts): no 500 for what a client sends (JSON of the wrong
shape, request IDs past 2^63, CSV fields past 131,072 characters), a body-size limit that
refuses a flood before it is read, private data-directory files, `no-store` on secrets,
/metrics for loopback or a token, 403 texts naming no other User, every refusal counted.
Real uvicorn servers on both backends (Starlette's TestClient for a non-loopback peer)."""

from __future__ import annotations

import re
import select
import socket
import stat
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from gbdsp import bootstrap
from gbdsp.bootstrap import App
from gbdsp.config import Config, ServerConfig, SsiConfig
from gbdsp.domain.devices import SmiStatus, StatusChange
from gbdsp.services.restricted import set_restricted
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from tests.security.web.conftest import ESME, NOW, ROLES, TOKEN, World, build_world
from tests.web.conftest import serve

BIG_IDS = [2**63, 2**63 + 1, 2**64, 10**30]


def _awaiting_code(world: World) -> int:
    """ESME changed supplier before commissioning: the supplier asks Northwind (its
    installer) for the install code. Returns the request's ID."""
    with world.store.transaction() as tx:
        device = tx.devices.get(ESME, with_history=False)
        assert device is not None
        tx.devices.update(replace(device, installing_supplier=ROLES["other_supplier"]))
        tx.devices.record_status(
            ESME, StatusChange(SmiStatus.INSTALLED_NOT_COMMISSIONED, NOW, "test")
        )
    reply = world.api("POST", "/install-code-requests", "supplier", json={"device_id": str(ESME)})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["id"])


# -- finding 6: shapes and sizes a client may send ------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'["install_code"]',
        b'"0011223344556677"',
        b"12",
        b"null",
        b"{",
        b"",
        b'{"install_code": 5}',
        b'{"install_code": "zz"}',
        b"[" * 100_000,
    ],
)
def test_answer_with_a_body_of_the_wrong_shape_is_a_400(world: World, body: bytes) -> None:
    request_id = _awaiting_code(world)
    reply = world.api(
        "POST",
        f"/install-code-requests/{request_id}/answer",
        "other_supplier",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]


@pytest.mark.parametrize("path", ["/install-code-requests", "/registration-data"])
@pytest.mark.parametrize("body", [b'"text"', b"[1, 2]", b"{]"])
def test_other_json_bodies_of_the_wrong_shape_are_400(world: World, path: str, body: bytes) -> None:
    who = "operator" if path == "/registration-data" else "supplier"
    reply = world.api("POST", path, who, content=body)
    assert reply.status_code == 400, reply.text


@pytest.mark.parametrize("big", BIG_IDS)
def test_request_ids_past_bigint_are_not_found_in_the_api(world: World, big: int) -> None:
    for method, action, who in (
        ("GET", "code", "supplier"),
        ("POST", "close", "supplier"),
        ("POST", "answer", "other_supplier"),
    ):
        reply = world.api(
            method, f"/install-code-requests/{big}/{action}", who, json={"not_installer": True}
        )
        assert reply.status_code == 404, (action, reply.text)


def test_request_ids_past_bigint_are_not_found_in_the_portal(world: World) -> None:
    client = world.portal("supplier")
    page = client.get("/ssi/install-codes")
    token = TOKEN.search(page.text)
    assert token
    for big in BIG_IDS:
        assert client.get(f"/ssi/install-codes/{big}").status_code == 404
        posted = client.post(f"/ssi/install-codes/{big}/close", data={"csrf_token": token[1]})
        assert posted.status_code == 404


def test_a_csv_field_past_the_csv_limit_is_a_row_error(world: World) -> None:
    content = ("device_id\n" + str(ESME) + "\n" + "A" * 131_073 + "\n").encode()
    reply = world.api("POST", "/install-code-requests/bulk", "supplier", content=content)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "line 3: a field is longer than 131,072 characters"
    quoted = b'device_id\n"' + b"B" * 200_000 + b'"\n'
    assert (
        world.api("POST", "/install-code-requests/bulk", "supplier", content=quoted).status_code
        == 400
    )
    client = world.portal("supplier")
    token = TOKEN.search(client.get("/ssi/install-codes").text)
    assert token
    page = client.post(
        "/ssi/install-codes/bulk",
        data={"csrf_token": token[1]},
        files={"file": ("big.csv", content, "text/csv")},
    )
    assert page.status_code == 422 and "line 3: a field is longer than 131,072" in page.text
    spaced = world.api(
        "POST", "/install-code-requests/bulk", "supplier", content=f" device_id \n{ESME}\n".encode()
    )
    assert spaced.status_code == 200 and spaced.json()[0]["line"] == 2  # header trimmed


# -- finding 9: limits and defaults ---------------------------------------------------------


def test_a_body_past_the_limit_is_refused_with_413(world: World) -> None:
    limit = world.app.config.ssi.max_body_bytes
    padded = b'{"device_id": "' + b"x" * limit + b'"}'
    reply = world.api("POST", "/install-code-requests", "supplier", content=padded)
    assert reply.status_code == 413 and f"{limit:,} bytes" in reply.json()["error"]
    just = b'{"device_id": "nonsense", "pad": "' + b"x" * (limit - 100) + b'"}'
    assert world.api("POST", "/install-code-requests", "supplier", content=just).status_code == 400


def _stream_until_answer(url: str, path: str, token: str, total: int) -> tuple[int, int]:
    """Send a chunked body of `total` bytes; stop as soon as the server answers. Returns
    (status, bytes sent before the answer)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    chunk = b"x" * 65_536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(framed)
            sent += len(chunk)
        head = sock.recv(4096).decode("latin-1")
    except (BrokenPipeError, ConnectionResetError):
        head = sock.recv(4096).decode("latin-1")
    finally:
        sock.close()
    found = re.match(r"HTTP/1\.1 (\d+)", head)
    assert found, head
    return int(found[1]), sent


def test_a_200_mb_flood_is_refused_before_it_is_read(world: World) -> None:
    status, sent = _stream_until_answer(
        world.url, "/ssi/api/v1/install-code-requests", world.tokens["supplier"], 200 * 1024 * 1024
    )
    assert status == 413
    assert sent < 50 * 1024 * 1024  # answered long before the 200 MB were sent


def test_a_declared_200_mb_body_is_refused_before_a_byte_of_it_is_sent(world: World) -> None:
    parts = urlsplit(world.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /ssi/api/v1/install-code-requests HTTP/1.1\r\n"
                f"Host: {parts.netloc}\r\nAuthorization: Bearer "
                f"{world.tokens['supplier']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {200 * 1024 * 1024}\r\n\r\n"
            ).encode()
        )
        head = sock.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head


def test_the_limit_is_a_setting(store: Store, tmp_path: Path) -> None:
    app = build_world(store, tmp_path / "data", Config(ssi=SsiConfig(max_body_bytes=1000)))
    from gbdsp.services.ssi_access import issue_token

    token = issue_token(store, ROLES["supplier"], "t", NOW)
    with serve(create_app(app, relay=False)) as url:
        import httpx

        reply = httpx.post(
            f"{url}/ssi/api/v1/install-code-requests",
            content=b" " * 1001,
            headers={"Authorization": f"Bearer {token}"},
        )
    assert reply.status_code == 413


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_directory_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = bootstrap.initialise(data)
    build_world(app.store, data)
    set_restricted(
        app.store,
        app.clock,
        app.config,
        ROLES["supplier"],
        ESME,
        True,
        "x",
        True,
        sealer=app.sealer(),
    )  # writes; creates the master key
    files = {p.name: _mode(p) for p in data.rglob("*") if p.is_file()}
    assert {
        "gbdsp.toml",
        "gbdsp.sqlite",
        "gbdsp.sqlite-wal",
        "gbdsp.sqlite-shm",
        "master.key",
    } <= set(files)
    assert all(mode == 0o600 for mode in files.values()), files
    assert _mode(data) == 0o700 and _mode(data / "keys") == 0o700
    app.close()
    (data / "gbdsp.toml").chmod(0o644)  # loosened by hand: tightened again
    data.chmod(0o755)
    bootstrap.open_app(data).close()
    assert _mode(data / "gbdsp.toml") == 0o600 and _mode(data) == 0o700


def test_secrets_are_never_cached(world: World) -> None:
    request_id = _awaiting_code(world)
    answered = world.api(
        "POST",
        f"/install-code-requests/{request_id}/answer",
        "other_supplier",
        json={"install_code": "00112233445566778899AABB"},
    )
    assert answered.status_code == 200, answered.text
    code = world.api("GET", f"/install-code-requests/{request_id}/code", "supplier")
    assert code.status_code == 200 and code.headers["cache-control"] == "no-store"
    assert world.api("GET", "/me", None).headers["cache-control"] == "no-store"
    client = world.portal("supplier")
    page = client.get(f"/ssi/install-codes/{request_id}")
    assert "00112233445566778899AABB" in page.text
    assert page.headers["cache-control"] == "no-store"
    world.portal("network")  # makes its account
    form = client.get("/ssi/sign-in")
    token = TOKEN.search(form.text)
    assert token
    signed_in = client.post(
        "/ssi/sign-in",
        data={"csrf_token": token[1], "name": "network", "password": "a long test password"},
    )
    assert signed_in.status_code == 303 and "gbdsp_session" in signed_in.headers["set-cookie"]
    assert signed_in.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/ssi/static/portal.css").headers.get("cache-control", "")


def test_metrics_are_for_loopback_or_a_token(store: Store, tmp_path: Path) -> None:
    open_app = App(tmp_path, Config(), store)
    with TestClient(create_app(open_app, relay=False)) as remote:  # peer "testclient"
        refused = remote.get("/metrics")
        assert refused.status_code == 403 and "loopback" in refused.text
    with serve(create_app(open_app, relay=False)) as url:
        import httpx

        assert httpx.get(f"{url}/metrics").status_code == 200  # 127.0.0.1
    guarded = App(tmp_path, Config(server=ServerConfig(metrics_token="s3cret-metrics")), store)
    with TestClient(create_app(guarded, relay=False)) as remote:
        assert remote.get("/metrics").status_code == 401
        assert remote.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        ok = remote.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert ok.status_code == 200 and "gbdsp_http_requests" in ok.text


def test_refusals_name_no_other_user_and_others_requests_are_not_found(world: World) -> None:
    request_id = _awaiting_code(world)
    others = [str(u) for r, u in ROLES.items() if r != "network"]
    stranger = world.api("GET", f"/install-code-requests/{request_id}/code", "network")
    assert stranger.status_code == 404
    wrong_party = world.api(
        "POST",
        f"/install-code-requests/{request_id}/answer",
        "supplier",
        json={"not_installer": True},
    )
    assert wrong_party.status_code == 403
    not_responsible = world.api(
        "PUT",
        f"/devices/{ESME}/restricted",
        "network",
        json={"restricted": True, "consumer_preference": "x", "reasonable_steps": True},
    )
    assert not_responsible.status_code == 403
    for reply in (stranger, wrong_party, not_responsible):
        assert not any(u in reply.text for u in others if u != str(ROLES["network"])), reply.text
    assert str(ROLES["other_supplier"]) not in wrong_party.text


def test_every_refusal_is_counted(world: World) -> None:
    world.api("GET", "/me", None)  # 401
    world.api("POST", "/install-code-requests", "supplier", content=b"[]")  # 400
    world.api("GET", f"/install-code-requests/{2**64}/code", "supplier")  # 404
    world.api(
        "POST",
        "/install-code-requests",
        "supplier",
        content=b"x" * (world.app.config.ssi.max_body_bytes + 1),
    )  # 413
    import httpx

    metrics = httpx.get(f"{world.url}/metrics").text
    for status in ("401", "400", "404", "413"):
        assert f'gbdsp_http_refusals_total{{door="ssi-api",status="{status}"}} 1.0' in metrics
