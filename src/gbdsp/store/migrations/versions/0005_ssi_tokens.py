"""SSI API tokens

Revision ID: cb81bea9e474
Revises: 0004
Create Date: 2026-11-26 03:03:34.056332
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ssi_tokens",
        sa.Column(
            "token_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 hex; never the token",
        ),
        sa.Column(
            "user_id",
            gbdsp.store.types.UserIdType(),
            nullable=True,
            comment="None: a DCC operator token",
        ),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_ssi_tokens")),
    )


def downgrade() -> None:
    op.drop_table("ssi_tokens")
