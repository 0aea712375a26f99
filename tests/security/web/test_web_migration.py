"""Migration 0012 on a database that already holds data (both backends): old SSI tokens get
an expiry 90 days after they were made, and the consumer's words written in clear stay
readable until `gbdsp init` seals them (test_web_visibility.py)."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import text

from gbdsp.store import migrate
from gbdsp.store.engine import make_engine
from gbdsp.store.store import Store
from tests.security.web.conftest import NOW


def test_0012_gives_old_tokens_an_expiry_and_keeps_old_words(old_database: str) -> None:
    engine = make_engine(old_database)
    cfg = migrate.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ssi_tokens (token_hash, user_id, label, created_at) "
                "VALUES (:h, NULL, 'old', :at)"
            ),
            {"h": "ab" * 32, "at": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO restricted_mode_log (device_id, restricted, by_user, at, "
                "consumer_preference, reasonable_steps) VALUES (1, :t, 2, :at, 'old words', :t)"
            ),
            {"t": True, "at": NOW},
        )
    migrate.upgrade(engine)
    engine.dispose()
    store = Store.open(old_database)
    with store.read() as tx:
        token = tx.tokens.find("ab" * 32)
        plaintext = tx.restricted_log.plaintext()
    store.close()
    assert token.expires_at == NOW + timedelta(days=90) and token.revoked_at is None
    assert [words for _, words in plaintext] == ["old words"]
