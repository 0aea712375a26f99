"""Migration 0016 on a 0015 database that holds data (both backends): the CSP messages and
mails, pending or sent, become outbox rows of their channel with their order, attempts,
times and errors; DUIS messages are untouched; and back again on downgrade."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gbdsp.domain.ids import DeviceId
from gbdsp.domain.outbox import Channel, CspNotice, Mail
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store import migrate
from gbdsp.store.engine import make_engine
from gbdsp.store.store import Store
from gbdsp.store.tables import metadata
from gbdsp.store.types import DeviceIdType, UserIdType, UtcDateTime
from tests.factories import SUPPLIER, WHEN

HIGH_BIT = DeviceId.parse("FF-DB-12-34-56-78-90-A0")
OTHER = DeviceId.parse("00-DB-12-34-56-78-90-A1")
SENT, DUE = WHEN + timedelta(minutes=1), WHEN + timedelta(minutes=2)

_old_outbox = sa.table(
    "outbox",
    sa.column("response_id", sa.String()),
    sa.column("user_id", UserIdType()),
    sa.column("body", sa.LargeBinary()),
    sa.column("created_at", UtcDateTime()),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", UtcDateTime()),
    sa.column("delivered_at", UtcDateTime()),
)
_csp_messages = sa.table(
    "csp_messages",
    sa.column("device_id", DeviceIdType()),
    sa.column("restricted", sa.Boolean()),
    sa.column("created_at", UtcDateTime()),
    sa.column("delivered_at", UtcDateTime()),
)
_mail_outbox = sa.table(
    "mail_outbox",
    sa.column("to_address", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("created_at", UtcDateTime()),
    sa.column("sent_at", UtcDateTime()),
    sa.column("next_attempt_at", UtcDateTime()),
    sa.column("attempts", sa.Integer()),
    sa.column("last_error", sa.String()),
)


def _to(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _fill_0015(engine: sa.Engine) -> None:
    def duis(response_id: str, delivered: Any) -> dict[str, Any]:
        return {
            "response_id": response_id,
            "user_id": SUPPLIER,
            "body": b"<signed/>",
            "created_at": WHEN,
            "attempts": 0 if delivered is None else 1,
            "next_attempt_at": WHEN,
            "delivered_at": delivered,
        }

    with engine.begin() as conn:
        conn.execute(sa.insert(_old_outbox), [duis("r0", SENT), duis("r1", None)])
        conn.execute(
            sa.insert(_csp_messages),
            [
                {
                    "device_id": HIGH_BIT,
                    "restricted": True,
                    "created_at": WHEN,
                    "delivered_at": SENT,
                },
                {
                    "device_id": HIGH_BIT,
                    "restricted": False,
                    "created_at": WHEN,
                    "delivered_at": None,
                },
                {"device_id": OTHER, "restricted": True, "created_at": SENT, "delivered_at": None},
            ],
        )
        conn.execute(
            sa.insert(_mail_outbox),
            [
                {
                    "to_address": "ops@b.test",
                    "subject": "[gbdsp] sent",
                    "body": "was sent",
                    "created_at": WHEN,
                    "sent_at": SENT,
                    "next_attempt_at": WHEN,
                    "attempts": 1,
                    "last_error": None,
                },
                {
                    "to_address": "installer@a.test",
                    "subject": "[gbdsp] 1 install-code request(s) for you",
                    "body": "Ärger: please answer",
                    "created_at": WHEN,
                    "sent_at": None,
                    "next_attempt_at": DUE,
                    "attempts": 2,
                    "last_error": "SMTP 127.0.0.1:25: refused",
                },
            ],
        )


def test_0016_moves_csp_messages_and_mail_into_the_outbox(old_database: str) -> None:
    engine = make_engine(old_database)
    _to(engine, "0015")
    _fill_0015(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    engine.dispose()
    assert {"csp_messages", "mail_outbox"} & names == set()
    assert diff == []
    store = Store.open(old_database)
    register_test_users(store)
    set_response_url(store, SUPPLIER, "http://127.0.0.1:9/duis")
    try:
        with store.transaction() as tx:
            pending = [tx.outbox.pending(c) for c in Channel]
            duis = tx.outbox.claim_due(DUE, DUE, 10)
            assert tx.outbox.claim_mail(DUE - timedelta(seconds=1), DUE, 10) == []  # backoff kept
            mail = tx.outbox.claim_mail(DUE, DUE, 10)
            csp = tx.outbox.take_csp_notices(10)
            all_mail = tx.outbox.mails()
            all_csp = tx.outbox.csp_notices()
    finally:
        store.close()
    assert pending == [1, 2, 1]
    assert [(m.response_id, m.body) for m in duis] == [("r1", b"<signed/>")]
    assert [(m.mail, m.attempts) for m in mail] == [
        (
            Mail(
                "installer@a.test",
                "[gbdsp] 1 install-code request(s) for you",
                "Ärger: please answer",
            ),
            2,
        )
    ]
    assert [q.notice for q in csp] == [CspNotice(HIGH_BIT, False), CspNotice(OTHER, True)]
    assert [(m.to, sent) for m, sent in all_mail] == [
        ("ops@b.test", SENT),
        ("installer@a.test", None),
    ]
    assert [(n, at) for n, at in all_csp] == [
        (CspNotice(HIGH_BIT, True), SENT),
        (CspNotice(HIGH_BIT, False), None),
        (CspNotice(OTHER, True), None),
    ]


def test_0016_downgrades_to_the_three_tables_and_upgrades_again(old_database: str) -> None:
    engine = make_engine(old_database)
    _to(engine, "0015")
    _fill_0015(engine)
    migrate.upgrade(engine)
    _to(engine, "0015", down=True)
    with engine.connect() as conn:
        csp = conn.execute(
            sa.select(_csp_messages.c.device_id, _csp_messages.c.delivered_at).order_by(
                sa.text("id")
            )
        ).all()
        mail = conn.execute(
            sa.select(_mail_outbox.c.to_address, _mail_outbox.c.attempts, _mail_outbox.c.last_error)
        ).all()
        duis = conn.execute(sa.select(_old_outbox.c.response_id)).scalars().all()
    assert [tuple(r) for r in csp] == [(HIGH_BIT, SENT), (HIGH_BIT, None), (OTHER, None)]
    assert sorted(tuple(r) for r in mail) == [
        ("installer@a.test", 2, "SMTP 127.0.0.1:25: refused"),
        ("ops@b.test", 1, None),
    ]
    assert sorted(duis) == ["r0", "r1"]
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()
