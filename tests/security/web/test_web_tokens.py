"""Issue 18, finding 3: SSI API tokens follow their User's status (as DUIS E3 and the
portal do), expire, and are revocable and listable from the CLI without showing a secret.
Real server, both backends; the CLI as a subprocess on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gbdsp.clock import SystemClock
from gbdsp.domain.parties import UserStatus
from gbdsp.services import ssi_access
from gbdsp.services.ssi_access import TokenRefused, caller_of, revoke_token, revoke_tokens_of
from tests.security.web.conftest import ESME, ROLES, World


def _set_status(world: World, role: str, status: UserStatus) -> None:
    with world.store.transaction() as tx:
        user = tx.users.get(ROLES[role])
        assert user is not None
        tx.users.put(replace(user, status=status))


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.WITHDRAWN])
def test_a_token_of_a_user_not_active_is_refused_and_changes_nothing(
    world: World, status: UserStatus
) -> None:
    _set_status(world, "supplier", status)
    calls = [
        world.api("GET", "/me", "supplier"),
        world.api("GET", "/install-code-requests/1/code", "supplier"),
        world.api("POST", "/install-code-requests", "supplier", json={"device_id": str(ESME)}),
        world.api(
            "PUT",
            f"/devices/{ESME}/restricted",
            "supplier",
            json={"restricted": True, "consumer_preference": "no smart", "reasonable_steps": True},
        ),
    ]
    for reply in calls:
        assert reply.status_code == 403, reply.text
        assert status.value in reply.json()["error"]
    with world.store.read() as tx:
        device = tx.devices.get(ESME, with_history=False)
    assert device is not None and not device.restricted
    assert world.portal("other_supplier")  # others are not affected
    _set_status(world, "supplier", UserStatus.ACTIVE)
    assert world.api("GET", "/me", "supplier").status_code == 200


def test_a_suspended_user_cannot_use_the_portal_either(world: World) -> None:
    client = world.portal("supplier")
    assert client.get("/ssi/inventory").status_code == 200
    _set_status(world, "supplier", UserStatus.SUSPENDED)
    assert client.get("/ssi/inventory").status_code == 303  # back to sign-in


def test_tokens_expire(world: World) -> None:
    world.clock.advance(timedelta(days=90) - timedelta(seconds=1))
    assert world.api("GET", "/me", "supplier").status_code == 200
    world.clock.advance(timedelta(seconds=1))
    expired = world.api("GET", "/me", "supplier")
    assert expired.status_code == 401 and "expired" in expired.json()["error"]
    assert world.api("GET", "/me", "operator").status_code == 401  # operators' too
    token = ssi_access.issue_token(
        world.store, ROLES["supplier"], "short", world.clock.now(), days=1
    )
    with pytest.raises(TokenRefused):
        caller_of(world.store, token, world.clock.now() + timedelta(days=1))


def test_revoking_one_token_or_all_of_a_user(world: World) -> None:
    second = ssi_access.issue_token(world.store, ROLES["supplier"], "second", world.clock.now())
    info = revoke_token(
        world.store, ssi_access.token_id(world.tokens["supplier"])[:8], world.clock.now()
    )
    assert info.label == "supplier" and info.state(world.clock.now()) == "revoked"
    revoked = world.api("GET", "/me", "supplier")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]
    world.tokens["second"] = second
    assert world.api("GET", "/me", "second").status_code == 200
    assert revoke_tokens_of(world.store, ROLES["supplier"], world.clock.now()) == 1
    assert world.api("GET", "/me", "second").status_code == 401
    assert world.api("GET", "/me", "network").status_code == 200


def test_a_token_id_must_name_one_token(world: World) -> None:
    from gbdsp.domain.errors import InvalidValue, NotFound

    with pytest.raises(InvalidValue, match="hex digits"):
        revoke_token(world.store, "abc", world.clock.now())
    with pytest.raises(NotFound):
        revoke_token(world.store, "00000000", world.clock.now())


def _gbdsp(data: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GBDSP_DATA": str(data)}
    env.pop("GBDSP_DATABASE__URL", None)
    if database_url:
        env["GBDSP_DATABASE__URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "gbdsp", *args], env=env, text=True, capture_output=True, timeout=120
    )


def test_tokens_listed_and_revoked_from_the_cli_never_show_a_secret(
    tmp_path: Path, database_url: str
) -> None:
    data = tmp_path / "data"
    assert _gbdsp(data, database_url, "init").returncode == 0
    made = _gbdsp(data, database_url, "ssi", "token", str(ROLES["supplier"]), "--label", "erp")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    tid = ssi_access.token_id(token)
    assert f"token {tid}: valid for 90 days" in made.stderr
    listed = _gbdsp(data, database_url, "ssi", "tokens")
    assert tid in listed.stdout and "erp" in listed.stdout and "valid" in listed.stdout
    assert token not in listed.stdout and token[6:20] not in listed.stdout
    revoked = _gbdsp(data, database_url, "ssi", "revoke", tid[:8])
    assert revoked.returncode == 0 and f"token {tid} (erp) revoked" in revoked.stdout
    assert tid not in _gbdsp(data, database_url, "ssi", "tokens").stdout
    assert "revoked" in _gbdsp(data, database_url, "ssi", "tokens", "--all").stdout
    _gbdsp(data, database_url, "ssi", "token", str(ROLES["supplier"]))
    by_user = _gbdsp(data, database_url, "ssi", "revoke", "--user", str(ROLES["supplier"]))
    assert "1 token(s) of" in by_user.stdout
    neither = _gbdsp(data, database_url, "ssi", "revoke")
    assert neither.returncode == 2 and "give a TOKEN_ID" in neither.stderr
    from gbdsp.bootstrap import open_app

    if not database_url:
        app = open_app(data)
        with pytest.raises(TokenRefused, match="revoked"):
            caller_of(app.store, token, SystemClock().now())
        app.close()
