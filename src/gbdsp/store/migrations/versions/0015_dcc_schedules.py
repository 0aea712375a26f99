"""DCC-scheduled SRVs (DUIS 5.1-5.3): durable schedules

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-01 17:50:00

Assigned down_revision was "0010"; this branch already holds 0011 (job leases, also on
0010), so it revises 0011 to keep one head here. The lead chains the numbers at merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dcc_schedules",
        sa.Column(
            "schedule_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
            comment="DUIS DSPScheduleID",
        ),
        sa.Column(
            "user_id",
            gbdsp.store.types.UserIdType(),
            nullable=False,
            comment="the User that created it; responses go to it",
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column(
            "srv", sa.String(length=16), nullable=False, comment="the DCC Scheduled SRV variant"
        ),
        sa.Column(
            "details",
            sa.LargeBinary(),
            nullable=False,
            comment="the sr:DSPSchedule element as received (5.2 returns it)",
        ),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "at_time",
            sa.String(length=16),
            nullable=False,
            comment="HH:MM:SS UTC of each occurrence",
        ),
        sa.Column("next_run_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_dcc_schedules_user_id_users")
        ),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_dcc_schedules")),
    )
    with op.batch_alter_table("dcc_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dcc_schedules_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dcc_schedules_next_run_at"), ["next_run_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dcc_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dcc_schedules_next_run_at"))
        batch_op.drop_index(batch_op.f("ix_dcc_schedules_device_id"))
    op.drop_table("dcc_schedules")
