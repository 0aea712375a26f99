"""CSP region of a device

Revision ID: a32e54257f00
Revises: 0006
Create Date: 2026-11-26 03:22:01.776324
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("csp_region", sa.String(length=12), nullable=True))


def downgrade() -> None:
    op.drop_column("devices", "csp_region")
