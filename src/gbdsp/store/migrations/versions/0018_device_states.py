"""device states: what set commands changed on each emulated device

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 19:30:00

One row per device a set command changed (supply state, tariff, configuration), holding a
JSON of the overrides only (wan/device_state.py): a device without a row reports the
emulator's documented defaults. A critical command's changes are read from the CV 4 request
and kept with its transform (`issued_transforms.device_state`) until the CV 5/6/7 executes it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_states",
        sa.Column(
            "device_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.Column(
            "state",
            sa.JSON(),
            nullable=False,
            comment="what set commands changed on the emulated device (wan/device_state.py): "
            "the values in force and those a future-dated command sets at its time",
        ),
        sa.Column("updated_at", gbdsp.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_states")),
    )
    with op.batch_alter_table("issued_transforms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "device_state",
                sa.JSON(),
                nullable=True,
                comment="what the command sets on the device, applied when the CV 5/6/7 "
                "executes it",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_transforms", schema=None) as batch_op:
        batch_op.drop_column("device_state")
    op.drop_table("device_states")
