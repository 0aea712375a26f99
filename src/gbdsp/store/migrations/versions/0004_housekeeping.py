"""housekeeping: archive, runs, left-pending marker

Revision ID: 6ba025026b2a
Revises: 0003
Create Date: 2026-11-26 02:56:12.323162
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "housekeeping_archive",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("device_type", sa.String(length=8), nullable=False),
        sa.Column("responsible_supplier", gbdsp.store.types.UserIdType(), nullable=True),
        sa.Column("pending_since", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column(
            "record",
            sa.Text(),
            nullable=False,
            comment="JSON: the device extract row and its whole status history",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housekeeping_archive")),
    )
    op.create_index(
        op.f("ix_housekeeping_archive_device_id"),
        "housekeeping_archive",
        ["device_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_housekeeping_archive_removed_at"),
        "housekeeping_archive",
        ["removed_at"],
        unique=False,
    )
    op.create_table(
        "housekeeping_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("started_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("removed", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housekeeping_runs")),
    )
    op.add_column(
        "devices",
        sa.Column(
            "left_pending",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="has had a status other than Pending (MP60 'left Pending once' reading)",
        ),
    )

    # Backfill: a device has left Pending if it is not Pending now or ever was something else.
    op.execute(
        "UPDATE devices SET left_pending = true WHERE (status IS NOT NULL AND status <> 'Pending')"
        " OR device_id IN (SELECT device_id FROM device_status_history WHERE status <> 'Pending')"
    )


def downgrade() -> None:
    op.drop_column("devices", "left_pending")
    op.drop_table("housekeeping_runs")
    op.drop_index(op.f("ix_housekeeping_archive_removed_at"), table_name="housekeeping_archive")
    op.drop_index(op.f("ix_housekeeping_archive_device_id"), table_name="housekeeping_archive")
    op.drop_table("housekeeping_archive")
