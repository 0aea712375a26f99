"""Issue 18, finding 4 (and issue 16, item 4): a device's Restricted-mode history and the
consumer's own words in it reach only those domain/visibility.py allows, through the SSI
API, the portal and the CLI alike; the words are sealed at rest and kept out of logs and
exports. A test per role, on both backends."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from gbdsp import bootstrap
from gbdsp.domain.visibility import RestrictedAccess, Viewer
from gbdsp.services import restricted
from gbdsp.services.inventory import export_devices
from gbdsp.store.store import Store
from gbdsp.store.tables import metadata, restricted_mode_log
from tests.security.web.conftest import ESME, NOW, ROLES, World, build_world

WORDS = "Call 07700 900123 first: pacemaker, no remote disconnection"
"""What a consumer might say: a phone number and medical details."""

# role -> (API shows the history, API shows the words, portal page, portal shows words)
EXPECTED = {
    "supplier": (True, True, 200, True),
    "agent": (True, False, 200, False),
    "network": (False, False, 200, False),
    "other_supplier": (False, False, 404, False),
    "other_user": (False, False, 404, False),
}


def _restrict(world: World) -> None:
    restricted.set_restricted(
        world.store,
        world.clock,
        world.app.config,
        ROLES["supplier"],
        ESME,
        True,
        WORDS,
        True,
        sealer=world.app.sealer(),
    )


def test_the_premises_has_the_roles_the_cases_assume(world: World) -> None:
    with world.store.read() as tx:
        device = tx.devices.get(ESME, with_history=False)
    assert device is not None
    assert device.responsible_supplier == ROLES["supplier"]
    assert device.network_operator == ROLES["network"]
    assert ROLES["other_supplier"] not in (device.installing_supplier, device.network_operator)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_api_shows_history_and_words_only_as_the_rule_allows(world: World, role: str) -> None:
    _restrict(world)
    history, words, _, _ = EXPECTED[role]
    reply = world.api("GET", f"/devices/{ESME}", role)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["restricted"] == "true"  # the flag itself is in 8.2 too
    assert ("restricted_history" in body) is history
    if history:
        (entry,) = body["restricted_history"]
        assert entry["restricted"] is True and entry["by"] == str(ROLES["supplier"])
        assert ("consumer_preference" in entry) is words
    assert (WORDS in reply.text) is words
    assert reply.headers["cache-control"] == "no-store"


def test_the_operator_sees_the_changes_not_the_words(world: World) -> None:
    _restrict(world)
    reply = world.api("GET", f"/devices/{ESME}", "operator")
    assert len(reply.json()["restricted_history"]) == 1 and WORDS not in reply.text


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_portal_shows_history_and_words_only_as_the_rule_allows(
    world: World, role: str
) -> None:
    _restrict(world)
    _, _, status, words = EXPECTED[role]
    client = world.portal(role)
    page = client.get(f"/ssi/devices/{ESME}")
    assert page.status_code == status
    assert (WORDS in page.text) is words
    if role == "network":  # the ED sees the device, no history
        assert "Consumer's preference" not in page.text
    if role == "agent":
        assert "for the Responsible Supplier only" in page.text


def test_the_rule_per_role(world: World) -> None:
    with world.store.read() as tx:
        device = tx.devices.get(ESME, with_history=False)
        users = {role: tx.users.get(user) for role, user in ROLES.items()}
    assert device is not None
    access = {role: Viewer(u).restricted_access(device) for role, u in users.items()}
    assert access == {
        "supplier": RestrictedAccess.FULL,
        "agent": RestrictedAccess.CHANGES,
        "network": RestrictedAccess.NONE,
        "other_supplier": RestrictedAccess.NONE,
        "other_user": RestrictedAccess.NONE,
    }
    assert Viewer(None).restricted_access(device) is RestrictedAccess.CHANGES


def test_the_words_are_sealed_at_rest_and_kept_out_of_logs_and_exports(
    world: World, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = world.api(
        "PUT",
        f"/devices/{ESME}/restricted",
        "supplier",
        json={"restricted": True, "consumer_preference": WORDS, "reasonable_steps": True},
    )
    assert reply.status_code == 200, reply.text
    assert WORDS not in caplog.text
    with world.store.engine.connect() as conn:  # nowhere in any table in clear
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert not any(
                    WORDS.encode() in v if isinstance(v, bytes) else WORDS in str(v) for v in row
                ), table.name
        sealed = conn.execute(select(restricted_mode_log.c.preference_sealed)).scalar_one()
    assert world.app.sealer().open(sealed).decode() == WORDS
    extract = tmp_path / "all.csv"
    with extract.open("w") as out:
        export_devices(world.store, out)
    assert WORDS not in extract.read_text()
    for role in ("supplier", "network"):
        csv_reply = world.portal(role).get("/ssi/extract.csv")
        assert csv_reply.status_code == 200 and WORDS not in csv_reply.text


def _plaintext_row(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(restricted_mode_log).values(
                device_id=ESME,
                restricted=True,
                by_user=ROLES["supplier"],
                at=NOW,
                consumer_preference=WORDS,
                preference_sealed=None,
                reasonable_steps=True,
            )
        )


def test_rows_written_before_sealing_are_sealed_by_the_migration_step(world: World) -> None:
    _plaintext_row(world.store)
    assert restricted.seal_plaintext_preferences(world.store, world.app.sealer()) == 1
    assert restricted.seal_plaintext_preferences(world.store, world.app.sealer()) == 0
    with world.store.engine.connect() as conn:
        row = conn.execute(select(restricted_mode_log)).one()
    with world.store.read() as tx:
        supplier = tx.users.get(ROLES["supplier"])
    assert row.consumer_preference is None and row.preference_sealed
    found = restricted.history(world.store, world.app.sealer(), Viewer(supplier), ESME)
    assert [c.consumer_preference for c in found.changes] == [WORDS]


def test_gbdsp_init_seals_old_rows(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = bootstrap.initialise(data)
    build_world(app.store, data)
    _plaintext_row(app.store)
    app.close()
    again = bootstrap.initialise(data)
    with again.store.engine.connect() as conn:
        row = conn.execute(select(restricted_mode_log)).one()
    again.close()
    assert row.consumer_preference is None and row.preference_sealed


def test_the_cli_shows_the_words_only_as_the_responsible_supplier(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GBDSP_DATA": str(tmp_path / "data")}
    env.pop("GBDSP_DATABASE__URL", None)

    def gbdsp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gbdsp", *args],
            env=env,
            text=True,
            capture_output=True,
            timeout=120,
        )

    assert gbdsp("init").returncode == 0
    assert gbdsp("demo", "--premises", "0").returncode == 0
    made = gbdsp(
        "restricted",
        "set",
        str(ESME),
        "--by",
        str(ROLES["supplier"]),
        "--preference",
        WORDS,
        "--reasonable-steps",
    )
    assert made.returncode == 0, made.stderr
    as_operator = gbdsp("restricted", "show", str(ESME))
    assert as_operator.returncode == 0 and "set by" in as_operator.stdout
    assert WORDS not in as_operator.stdout
    as_network = gbdsp("restricted", "show", str(ESME), "--as", str(ROLES["network"]))
    assert "not for this User" in as_network.stdout and WORDS not in as_network.stdout
    as_supplier = gbdsp("restricted", "show", str(ESME), "--as", str(ROLES["supplier"]))
    assert WORDS in " ".join(as_supplier.stdout.split())
