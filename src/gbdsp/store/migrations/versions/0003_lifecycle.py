"""lifecycle: registration data, SM WAN emulator state

Revision ID: 69efdd7b0b09
Revises: 0002
Create Date: 2026-11-26 02:36:03.895786
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("mpxn", sa.String(length=13), nullable=False),
        sa.Column("supplier_id", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("effective_from", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "applied_at",
            gbdsp.store.types.UtcDateTime(timezone=True),
            nullable=True,
            comment="when the SMI took it over (None: not yet due)",
        ),
        sa.Column("received_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(
        "ix_registrations_due", "registrations", ["applied_at", "effective_from"], unique=False
    )
    op.create_index(op.f("ix_registrations_mpxn"), "registrations", ["mpxn"], unique=False)
    op.create_table(
        "wan_han_log",
        sa.Column(
            "device_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.Column("chf_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column(
            "install_code_ok",
            sa.Boolean(),
            nullable=False,
            comment="whether the install code given matched the device's own; the code itself is never stored",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_wan_han_log")),
    )
    op.create_index(op.f("ix_wan_han_log_chf_id"), "wan_han_log", ["chf_id"], unique=False)
    op.create_table(
        "wan_hubs",
        sa.Column("chf_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False),
        sa.Column("coverage", sa.Boolean(), nullable=False, comment="SM WAN reaches this premises"),
        sa.PrimaryKeyConstraint("chf_id", name=op.f("pk_wan_hubs")),
    )
    op.create_table(
        "wan_joins",
        sa.Column(
            "device_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.Column(
            "other_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.PrimaryKeyConstraint("device_id", "other_id", name=op.f("pk_wan_joins")),
    )


def downgrade() -> None:
    op.drop_table("wan_joins")
    op.drop_table("wan_hubs")
    op.drop_index(op.f("ix_wan_han_log_chf_id"), table_name="wan_han_log")
    op.drop_table("wan_han_log")
    op.drop_index(op.f("ix_registrations_mpxn"), table_name="registrations")
    op.drop_index("ix_registrations_due", table_name="registrations")
    op.drop_table("registrations")
