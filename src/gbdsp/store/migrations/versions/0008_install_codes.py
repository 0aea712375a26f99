"""install code requests, mail outbox, user e-mail

Revision ID: d388907ae1ed
Revises: 0007
Create Date: 2026-11-26 03:32:04.991295
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "install_code_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("requester", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("assignee", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "due", sa.String(length=10), nullable=False, comment="ISO date: the last Working Day"
        ),
        sa.Column("answered_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "backlog",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="raised before the obligation applied: tracked, never an SLA breach",
        ),
        sa.Column(
            "code_sealed",
            sa.LargeBinary(),
            nullable=True,
            comment="the install code, encrypted (Fernet)",
        ),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_install_code_requests")),
    )
    op.create_index(
        op.f("ix_install_code_requests_assignee"),
        "install_code_requests",
        ["assignee"],
        unique=False,
    )
    op.create_index(
        op.f("ix_install_code_requests_device_id"),
        "install_code_requests",
        ["device_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_install_code_requests_requester"),
        "install_code_requests",
        ["requester"],
        unique=False,
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
    op.add_column("users", sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "email")
    op.drop_index(op.f("ix_mail_outbox_sent_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_install_code_requests_requester"), table_name="install_code_requests")
    op.drop_index(op.f("ix_install_code_requests_device_id"), table_name="install_code_requests")
    op.drop_index(op.f("ix_install_code_requests_assignee"), table_name="install_code_requests")
    op.drop_table("install_code_requests")
