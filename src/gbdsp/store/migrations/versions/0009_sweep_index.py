"""keyset index for the housekeeping sweep

Revision ID: 71d8f45f3939
Revises: 0008
Create Date: 2026-11-26 04:09:46.743948
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_devices_status_status_date"), table_name="devices")
    op.create_index(
        "ix_devices_status_status_date_device_id",
        "devices",
        ["status", "status_date", "device_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_devices_status_status_date_device_id", table_name="devices")
    op.create_index(
        op.f("ix_devices_status_status_date"), "devices", ["status", "status_date"], unique=False
    )
