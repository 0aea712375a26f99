"""portal accounts, sessions, login attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 04:42:45.380097
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_login_attempts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False, comment="remote address"),
        sa.Column("at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_login_attempts")),
    )
    with op.batch_alter_table("portal_login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_portal_login_attempts_client_at", ["client", "at"], unique=False)
        batch_op.create_index("ix_portal_login_attempts_name_at", ["name", "at"], unique=False)

    op.create_table(
        "portal_sessions",
        sa.Column(
            "token_hash",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 hex; never the token",
        ),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_sessions")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "portal_accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "name", sa.String(length=100), nullable=False, comment="what the person signs in as"
        ),
        sa.Column(
            "user_id",
            gbdsp.store.types.UserIdType(),
            nullable=False,
            comment="the DUIS User whose view the person gets",
        ),
        sa.Column(
            "password_hash",
            sa.String(length=200),
            nullable=False,
            comment="argon2id; never the password",
        ),
        sa.Column("created_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_portal_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_portal_accounts_name")),
    )
    with op.batch_alter_table("portal_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_accounts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_accounts_user_id"))

    op.drop_table("portal_accounts")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_account_id"))

    op.drop_table("portal_sessions")
    with op.batch_alter_table("portal_login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_login_attempts_name_at")
        batch_op.drop_index("ix_portal_login_attempts_client_at")

    op.drop_table("portal_login_attempts")
