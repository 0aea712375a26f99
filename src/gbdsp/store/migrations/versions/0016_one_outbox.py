"""one outbox: csp_messages and mail_outbox become channels of `outbox`

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:00:00

Every row moves, pending or delivered, with its attempts, times and last error, so nothing
waiting is lost and what was sent stays on record (then `[retention] outbox_days` applies
to it as to DUIS messages). CSP notices and mails keep their order: they are copied in the
order of their old IDs. The two tables go.
"""

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types
from gbdsp.domain.ids import DeviceId

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_TIME = sa.DateTime(timezone=True)  # copied as stored: no zone conversion either way

outbox = sa.table(
    "outbox",
    sa.column("id", sa.BigInteger()),
    sa.column("channel", sa.String()),
    sa.column("response_id", sa.String()),
    sa.column("body", sa.LargeBinary()),
    sa.column("created_at", _TIME),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", _TIME),
    sa.column("delivered_at", _TIME),
    sa.column("last_error", sa.String()),
)
csp_messages = sa.table(
    "csp_messages",
    sa.column("id", sa.BigInteger()),
    sa.column("device_id", sa.BigInteger()),
    sa.column("restricted", sa.Boolean()),
    sa.column("created_at", _TIME),
    sa.column("delivered_at", _TIME),
)
mail_outbox = sa.table(
    "mail_outbox",
    sa.column("id", sa.BigInteger()),
    sa.column("to_address", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("created_at", _TIME),
    sa.column("sent_at", _TIME),
    sa.column("next_attempt_at", _TIME),
    sa.column("attempts", sa.Integer()),
    sa.column("last_error", sa.String()),
)


def _batches(table: Any, *columns: str) -> Iterator[Sequence[Any]]:
    """The rows of `table` in ID order, BATCH at a time (constant memory)."""
    bind, last = op.get_bind(), None
    while True:
        query = sa.select(table.c.id, *(table.c[c] for c in columns)).order_by(table.c.id)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = bind.execute(query.limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _move_csp_messages() -> None:
    for rows in _batches(csp_messages, "device_id", "restricted", "created_at", "delivered_at"):
        op.get_bind().execute(
            sa.insert(outbox),
            [
                {
                    "channel": "csp",
                    "body": json.dumps(
                        {"device_id": str(DeviceId.from_signed(device)), "restricted": bool(on)}
                    ).encode(),
                    "created_at": created,
                    "attempts": 0 if delivered is None else 1,
                    "next_attempt_at": created,
                    "delivered_at": delivered,
                    "last_error": None,
                }
                for _, device, on, created, delivered in rows
            ],
        )


def _move_mail() -> None:
    columns = ("to_address", "subject", "body", "created_at", "sent_at", "next_attempt_at")
    for rows in _batches(mail_outbox, *columns, "attempts", "last_error"):
        op.get_bind().execute(
            sa.insert(outbox),
            [
                {
                    "channel": "mail",
                    "body": json.dumps({"to": to, "subject": subject, "body": text}).encode(),
                    "created_at": created,
                    "attempts": attempts,
                    "next_attempt_at": due,
                    "delivered_at": sent,
                    "last_error": error,
                }
                for _, to, subject, text, created, sent, due, attempts, error in rows
            ],
        )


def _csp_row(r: Any) -> dict[str, Any]:
    fields = json.loads(r.body)
    return {
        "device_id": DeviceId.parse(fields["device_id"]).signed,
        "restricted": bool(fields["restricted"]),
        "created_at": r.created_at,
        "delivered_at": r.delivered_at,
    }


def _mail_row(r: Any) -> dict[str, Any]:
    fields = json.loads(r.body)
    return {
        "to_address": fields["to"],
        "subject": fields["subject"],
        "body": fields["body"],
        "created_at": r.created_at,
        "sent_at": r.delivered_at,
        "next_attempt_at": r.next_attempt_at,
        "attempts": r.attempts,
        "last_error": r.last_error,
    }


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.String(length=8),
                server_default="duis",
                nullable=False,
                comment="duis (to a User), csp or mail: how it leaves (domain/outbox.py)",
            )
        )
        batch_op.alter_column(
            "response_id",
            existing_type=sa.String(length=80),
            nullable=True,
            comment="duis: one message per ResponseID, never enqueued twice (NULL otherwise)",
            existing_comment="one message per ResponseID: never enqueued twice",
        )
        batch_op.alter_column(
            "user_id",
            existing_type=gbdsp.store.types.UserIdType(),
            nullable=True,
            comment="duis: pushed to this User's receive-response URL as it is at delivery time",
            existing_comment="pushed to this User's receive-response URL as it is at delivery time",
        )
        batch_op.alter_column(
            "body",
            existing_type=sa.LargeBinary(),
            existing_nullable=False,
            comment="duis: the signed DUIS message; csp, mail: the message's fields as JSON",
            existing_comment="the signed DUIS message",
        )
    _move_csp_messages()
    _move_mail()
    op.drop_index(op.f("ix_csp_messages_delivered_at"), table_name="csp_messages")
    op.drop_table("csp_messages")
    op.drop_index(op.f("ix_mail_outbox_sent_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")


def downgrade() -> None:
    op.create_table(
        "csp_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csp_messages")),
    )
    op.create_index(
        op.f("ix_csp_messages_delivered_at"), "csp_messages", ["delivered_at"], unique=False
    )
    op.create_table(
        "mail_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(op.f("ix_mail_outbox_sent_at"), "mail_outbox", ["sent_at"], unique=False)
    bind = op.get_bind()
    columns = ("channel", "body", "created_at", "attempts", "next_attempt_at", "delivered_at")
    for rows in _batches(outbox, *columns, "last_error"):
        csp = [_csp_row(r) for r in rows if r.channel == "csp"]
        mail = [_mail_row(r) for r in rows if r.channel == "mail"]
        if csp:
            bind.execute(sa.insert(csp_messages), csp)
        if mail:
            bind.execute(sa.insert(mail_outbox), mail)
    bind.execute(sa.delete(outbox).where(outbox.c.channel != "duis"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "body",
            existing_type=sa.LargeBinary(),
            existing_nullable=False,
            comment="the signed DUIS message",
            existing_comment="duis: the signed DUIS message; csp, mail: the message's fields as JSON",
        )
        batch_op.alter_column(
            "user_id",
            existing_type=gbdsp.store.types.UserIdType(),
            nullable=False,
            comment="pushed to this User's receive-response URL as it is at delivery time",
            existing_comment="duis: pushed to this User's receive-response URL as it is at "
            "delivery time",
        )
        batch_op.alter_column(
            "response_id",
            existing_type=sa.String(length=80),
            nullable=False,
            comment="one message per ResponseID: never enqueued twice",
            existing_comment="duis: one message per ResponseID, never enqueued twice (NULL "
            "otherwise)",
        )
        batch_op.drop_column("channel")
