"""security: SSI token expiry and revocation, sealed consumer preferences, sign-in counters

Revision ID: 0012
Revises: 0010
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKEN_DAYS = 90
"""Tokens issued before expiry existed expire this long after they were made."""


def upgrade() -> None:
    with op.batch_alter_table("ssi_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "expires_at",
                gbdsp.store.types.UtcDateTime(timezone=True),
                nullable=True,
                comment="refused from then on",
            )
        )
        batch_op.add_column(
            sa.Column(
                "revoked_at",
                gbdsp.store.types.UtcDateTime(timezone=True),
                nullable=True,
                comment="`gbdsp ssi revoke`: refused from then on",
            )
        )
    tokens = sa.table(
        "ssi_tokens",
        sa.column("token_hash", sa.String),
        sa.column("created_at", gbdsp.store.types.UtcDateTime(timezone=True)),
        sa.column("expires_at", gbdsp.store.types.UtcDateTime(timezone=True)),
    )
    conn = op.get_bind()
    for token_hash, created in conn.execute(
        sa.select(tokens.c.token_hash, tokens.c.created_at)
    ).all():
        conn.execute(
            tokens.update()
            .where(tokens.c.token_hash == token_hash)
            .values(expires_at=created + timedelta(days=EXISTING_TOKEN_DAYS))
        )

    # The plaintext column stays (nullable) until `gbdsp init` has sealed the old rows with
    # the data directory's master key, which a migration cannot reach.
    with op.batch_alter_table("restricted_mode_log", schema=None) as batch_op:
        batch_op.alter_column(
            "consumer_preference",
            existing_type=sa.String(length=300),
            nullable=True,
            comment="legacy plaintext; NULL once sealed (gbdsp init seals old rows)",
        )
        batch_op.add_column(
            sa.Column(
                "preference_sealed",
                sa.LargeBinary(),
                nullable=True,
                comment="the consumer's words, encrypted (Fernet): personal data",
            )
        )

    op.create_table(
        "portal_sign_in_counters",
        sa.Column(
            "name",
            sa.String(length=100),
            nullable=False,
            comment="account name; '' for the address-wide counter",
        ),
        sa.Column("client", sa.String(length=64), nullable=False, comment="remote address"),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", "client", name=op.f("pk_portal_sign_in_counters")),
        comment="the sign-in limit, one row per (account, address): locked while it is checked",
    )


def downgrade() -> None:
    op.drop_table("portal_sign_in_counters")
    with op.batch_alter_table("restricted_mode_log", schema=None) as batch_op:
        batch_op.drop_column("preference_sealed")
    with op.batch_alter_table("ssi_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
