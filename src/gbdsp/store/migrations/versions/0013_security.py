"""security: revoked XML-signing certificates, Other User authorisations

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revoked_certificates",
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column(
            "serial", sa.String(length=49), nullable=False, comment="decimal, as user_certificates"
        ),
        sa.Column("revoked_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "serial", name=op.f("pk_revoked_certificates")),
        comment="XML-signing certificates refused at once on every worker "
        "(docs/security.md); kept apart from user_certificates so re-adding a "
        "certificate does not unrevoke it",
    )
    op.create_table(
        "ou_authorisations",
        sa.Column(
            "user_id", gbdsp.store.types.UserIdType(), nullable=False, comment="the Other User"
        ),
        sa.Column(
            "chf_id",
            gbdsp.store.types.DeviceIdType(),
            nullable=False,
            comment="the premises, by the CHF of its Smart Metering System",
        ),
        sa.Column("granted_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_ou_authorisations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "chf_id", name=op.f("pk_ou_authorisations")),
        comment="premises whose Energy Consumer authorised this Other User (SEC I1; "
        "docs/security.md)",
    )


def downgrade() -> None:
    op.drop_table("ou_authorisations")
    op.drop_table("revoked_certificates")
