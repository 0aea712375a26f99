"""gateway: counters, transforms, outbox, audit log; device network operator

Revision ID: fe06c4e1022b
Revises: 0001
Create Date: 2026-11-26 02:13:14.603760
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False, comment="request or response"),
        sa.Column("web_service", sa.String(length=20), nullable=True),
        sa.Column("user_id", gbdsp.store.types.UserIdType(), nullable=True),
        sa.Column("request_id", sa.String(length=80), nullable=True),
        sa.Column("srv", sa.String(length=10), nullable=True),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=True),
        sa.Column(
            "outcome", sa.String(length=12), nullable=False, comment="DUIS code or HTTP status"
        ),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_request_id"), "audit_log", ["request_id"], unique=False)
    op.create_table(
        "issued_transforms",
        sa.Column("request_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("srv", sa.String(length=10), nullable=False),
        sa.Column("issued_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_issued_transforms")),
    )
    op.create_table(
        "originator_counters",
        sa.Column("user_id", gbdsp.store.types.UserIdType(), autoincrement=False, nullable=False),
        sa.Column(
            "last_counter",
            sa.BigInteger(),
            nullable=False,
            comment="counter - 2^63: DUIS counters are unsigned 64-bit, order is kept",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_originator_counters")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "response_id",
            sa.String(length=80),
            nullable=False,
            comment="one message per ResponseID: never enqueued twice",
        ),
        sa.Column(
            "user_id",
            gbdsp.store.types.UserIdType(),
            nullable=False,
            comment="pushed to this User's receive-response URL as it is at delivery time",
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False, comment="the signed DUIS message"),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("response_id", name=op.f("uq_outbox_response_id")),
    )
    op.create_index(
        "ix_outbox_pending", "outbox", ["delivered_at", "next_attempt_at"], unique=False
    )
    op.add_column(
        "devices", sa.Column("network_operator", gbdsp.store.types.UserIdType(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("devices", "network_operator")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("originator_counters")
    op.drop_table("issued_transforms")
    op.drop_index(op.f("ix_audit_log_request_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
