"""Finding 9, DUIS side: audit and outbox retention (batched, undelivered messages kept),
and a random emulator seed per world; the certificate and OU commands as a user runs
them (a subprocess, a data directory, both databases)."""

from __future__ import annotations

import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from gbdsp.clock import ManualClock
from gbdsp.config import RetentionConfig
from gbdsp.domain.ids import UserId
from gbdsp.services.security import purge_expired
from gbdsp.services.users import register_test_users
from gbdsp.store.gateway_repositories import AuditEntry
from gbdsp.store.store import Store
from gbdsp.store.tables import outbox
from tests.duis_support import SUPPLIER
from tests.security.world import certificate_pem
from tests.test_cli import Gbdsp


def test_retention_deletes_old_audit_and_delivered_outbox_in_batches(
    store: Store, clock: ManualClock
) -> None:
    register_test_users(store)
    now = clock.now()
    uid = UserId.parse(SUPPLIER)
    with store.transaction() as tx:
        for age in range(10):  # 0..9 days old
            tx.audit.record(
                AuditEntry(now - timedelta(days=age), "request", "400", detail=f"junk {age}")
            )
        tx.outbox.add_many(
            [
                {
                    "response_id": f"r{n}",
                    "user_id": uid,
                    "body": b"<m/>",
                    "created_at": now - timedelta(days=n),
                    "attempts": 0,
                    "next_attempt_at": now - timedelta(days=n),
                }
                for n in range(10)
            ]
        )
    with store.engine.begin() as conn:  # r0..r7 delivered the day they were created
        for n in range(8):
            conn.execute(
                update(outbox)
                .where(outbox.c.response_id == f"r{n}")
                .values(delivered_at=now - timedelta(days=n))
            )
    report = purge_expired(store, now, RetentionConfig(audit_days=5, outbox_days=3, batch_size=2))
    assert (report.audit_rows, report.outbox_messages) == (4, 4)  # ages 6-9; r4-r7
    with store.read() as tx:
        kept = {e.detail for e in tx.audit.recent(100)}
        assert kept == {f"junk {age}" for age in range(6)}
        assert tx.outbox.pending() == 2  # undelivered messages are never removed
        assert [r[0] for r in tx.outbox.all_for(uid)] == ["r0", "r1", "r2", "r3", "r8", "r9"]
    again = purge_expired(store, now, RetentionConfig(audit_days=5, outbox_days=3))
    assert (again.audit_rows, again.outbox_messages) == (0, 0)
    none = purge_expired(
        store, now + timedelta(days=999), RetentionConfig(audit_days=0, outbox_days=0)
    )
    assert (none.audit_rows, none.outbox_messages) == (0, 0)  # 0 = keep for ever


@pytest.fixture
def gbdsp(tmp_path: Path, database_url: str) -> Gbdsp:
    return Gbdsp(tmp_path / "data", database_url)


def seed_of(data_dir: Path) -> int:
    found = re.search(r"^seed = (\d+)$", (data_dir / "gbdsp.toml").read_text(), re.M)
    assert found is not None
    return int(found.group(1))


@pytest.mark.slow
def test_each_world_draws_its_own_seed(tmp_path: Path) -> None:
    first, second = Gbdsp(tmp_path / "a", ""), Gbdsp(tmp_path / "b", "")
    for world in (first, second):
        assert world("init").returncode == 0
    seeds = {seed_of(first.data_dir), seed_of(second.data_dir)}
    assert len(seeds) == 2 and 1 not in seeds
    mode = stat.S_IMODE((first.data_dir / "gbdsp.toml").stat().st_mode)
    assert mode == 0o600


@pytest.mark.slow
def test_certificate_and_ou_commands(gbdsp: Gbdsp, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    assert gbdsp("init").returncode == 0
    assert gbdsp("demo", "--premises", "0").returncode == 0
    now = datetime.now(UTC)
    _, expired = certificate_pem(
        "00-DB-12-34-56-78-00-08", now - timedelta(days=60), now - timedelta(days=1)
    )
    path = tmp_path / "expired.pem"
    path.write_bytes(expired)
    added = gbdsp(
        "users",
        "add",
        "00-DB-12-34-56-78-00-08",
        "--role",
        "IS",
        "--party",
        "P",
        "--name",
        "N",
        "--certificate",
        str(path),
    )
    assert added.returncode == 2 and "expired on" in added.stderr
    assert "00-DB-12-34-56-78-00-08" not in gbdsp("users", "list").stdout
    revoked = gbdsp("users", "revoke-certificate", SUPPLIER)
    assert revoked.returncode == 0 and "revoked certificate serial" in revoked.stdout
    again = gbdsp("users", "revoke-certificate", SUPPLIER)
    assert again.returncode == 0 and "already revoked" in again.stdout
    unknown = gbdsp("users", "revoke-certificate", "00-00-00-00-00-00-00-09")
    assert unknown.returncode == 2 and "not registered" in unknown.stderr
    ou = gbdsp(
        "users",
        "add",
        "00-DB-12-34-56-78-00-07",
        "--role",
        "OU",
        "--party",
        "OU",
        "--name",
        "CAD provider",
        "--generate-key",
    )
    assert ou.returncode == 0, ou.stderr
    granted = gbdsp("users", "authorise-ou", "00-DB-12-34-56-78-00-07", "00-DB-12-34-56-78-90-A2")
    assert granted.returncode == 0, granted.stderr
    not_ou = gbdsp("users", "authorise-ou", SUPPLIER, "00-DB-12-34-56-78-90-A2")
    assert not_ou.returncode == 2 and "not an Other User" in not_ou.stderr
    not_chf = gbdsp("users", "authorise-ou", "00-DB-12-34-56-78-00-07", "00-DB-12-34-56-78-90-A0")
    assert not_chf.returncode == 2 and "not a CHF" in not_chf.stderr
    withdrawn = gbdsp("users", "withdraw-ou", "00-DB-12-34-56-78-00-07", "00-DB-12-34-56-78-90-A2")
    assert withdrawn.returncode == 0, withdrawn.stderr
    retention = gbdsp("housekeeping", "retention")
    assert retention.returncode == 0 and "deleted 0 audit rows" in retention.stdout
