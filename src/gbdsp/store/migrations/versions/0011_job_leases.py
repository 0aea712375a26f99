"""periodic jobs: a lease row per job; install-code reminder marks

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column(
            "name",
            sa.String(length=64),
            nullable=False,
            comment="the job, as declared in services/jobs.py",
        ),
        sa.Column(
            "schedule",
            sa.String(length=200),
            nullable=False,
            comment="the schedule next_run was computed from (a new one resets next_run)",
        ),
        sa.Column("next_run", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "generation",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="bumped by each take: the compare-and-set token",
        ),
        sa.Column(
            "leased_by",
            sa.String(length=200),
            nullable=True,
            comment="the runner (host, pid) while a run holds it",
        ),
        sa.Column(
            "lease_until",
            gbdsp.store.types.UtcDateTime(timezone=True),
            nullable=True,
            comment="renewed while running; expired = lost",
        ),
        sa.Column("last_started", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_finished", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_outcome", sa.String(length=16), nullable=True, comment="ok, failed, stopped"
        ),
        sa.Column(
            "last_detail",
            sa.String(length=300),
            nullable=True,
            comment="the run's summary, or its error",
        ),
        sa.Column("last_success", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_duration_seconds", sa.Float(), nullable=True),
        sa.Column("runs_ok", sa.Integer(), server_default="0", nullable=False),
        sa.Column("runs_failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("runs_stopped", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "runs_lost",
            sa.Integer(),
            server_default="0",
            nullable=False,
            comment="runs whose runner died: their lease expired and was taken over",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )
    with op.batch_alter_table("install_code_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminded_at",
                gbdsp.store.types.UtcDateTime(timezone=True),
                nullable=True,
                comment="the reminder job mailed the assignee",
            )
        )
        batch_op.add_column(
            sa.Column(
                "escalated_at",
                gbdsp.store.types.UtcDateTime(timezone=True),
                nullable=True,
                comment="the reminder job reported it overdue",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("install_code_requests", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")
    op.drop_table("job_leases")
