"""restricted mode: log, CSP messages, CSP indicator, alert log

Revision ID: 3d414e45bece
Revises: 0005
Create Date: 2026-11-26 03:09:27.909035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("alert_code", sa.String(length=4), nullable=False),
        sa.Column("delivered_to", gbdsp.store.types.UserIdType(), nullable=True),
        sa.Column(
            "diagnostics_only",
            sa.Boolean(),
            nullable=False,
            comment="true: held back by Restricted mode (MP169), kept for triage only",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_log")),
    )
    op.create_index(op.f("ix_alert_log_at"), "alert_log", ["at"], unique=False)
    op.create_index(op.f("ix_alert_log_device_id"), "alert_log", ["device_id"], unique=False)
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
        "restricted_mode_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("by_user", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("consumer_preference", sa.String(length=300), nullable=False),
        sa.Column("reasonable_steps", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restricted_mode_log")),
    )
    op.create_index(
        op.f("ix_restricted_mode_log_device_id"), "restricted_mode_log", ["device_id"], unique=False
    )
    op.create_table(
        "wan_restricted",
        sa.Column(
            "device_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("since", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_wan_restricted")),
        comment="the emulated CSP's own record of Restricted mode (its service desk view)",
    )


def downgrade() -> None:
    op.drop_table("wan_restricted")
    op.drop_index(op.f("ix_restricted_mode_log_device_id"), table_name="restricted_mode_log")
    op.drop_table("restricted_mode_log")
    op.drop_index(op.f("ix_csp_messages_delivered_at"), table_name="csp_messages")
    op.drop_table("csp_messages")
    op.drop_index(op.f("ix_alert_log_device_id"), table_name="alert_log")
    op.drop_index(op.f("ix_alert_log_at"), table_name="alert_log")
    op.drop_table("alert_log")
