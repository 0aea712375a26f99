"""initial schema: parties, users, CPL, SMI

Revision ID: 800d6b562a4f
Revises:
Create Date: 2026-11-26 02:02:38.188850
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cpl_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("manufacturer", sa.String(length=30), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("hardware_version", sa.String(length=30), nullable=False),
        sa.Column("firmware_version", sa.String(length=30), nullable=False),
        sa.Column("device_type", sa.String(length=8), nullable=False),
        sa.Column("smets_variant", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpl_entries")),
        sa.UniqueConstraint(
            "manufacturer",
            "model",
            "hardware_version",
            "firmware_version",
            "device_type",
            "smets_variant",
            name="uq_cpl_entries_key",
        ),
    )
    op.create_table(
        "device_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("effective_at", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("by_user", gbdsp.store.types.UserIdType(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_status_history")),
    )
    op.create_index(
        op.f("ix_device_status_history_device_id"),
        "device_status_history",
        ["device_id"],
        unique=False,
    )
    op.create_table(
        "devices",
        sa.Column(
            "device_id", gbdsp.store.types.DeviceIdType(), autoincrement=False, nullable=False
        ),
        sa.Column("device_type", sa.String(length=8), nullable=False),
        sa.Column("manufacturer", sa.String(length=30), nullable=False),
        sa.Column("model", sa.String(length=30), nullable=False),
        sa.Column("hardware_version", sa.String(length=30), nullable=False),
        sa.Column("firmware_version", sa.String(length=30), nullable=False),
        sa.Column("smets_chts_version", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=True),
        sa.Column("status_date", gbdsp.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("import_mpxn", sa.String(length=13), nullable=True),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("chf_id", gbdsp.store.types.DeviceIdType(), nullable=True),
        sa.Column("responsible_supplier", gbdsp.store.types.UserIdType(), nullable=True),
        sa.Column("installing_supplier", gbdsp.store.types.UserIdType(), nullable=True),
        sa.Column("restricted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_devices")),
    )
    op.create_index(op.f("ix_devices_chf_id"), "devices", ["chf_id"], unique=False)
    op.create_index(op.f("ix_devices_import_mpxn"), "devices", ["import_mpxn"], unique=False)
    op.create_index(op.f("ix_devices_postcode"), "devices", ["postcode"], unique=False)
    op.create_index(
        op.f("ix_devices_responsible_supplier"), "devices", ["responsible_supplier"], unique=False
    )
    op.create_index(
        "ix_devices_status_status_date", "devices", ["status", "status_date"], unique=False
    )
    op.create_index(op.f("ix_devices_uprn"), "devices", ["uprn"], unique=False)
    op.create_table(
        "parties",
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("party_id", name=op.f("pk_parties")),
    )
    op.create_table(
        "users",
        sa.Column("user_id", gbdsp.store.types.UserIdType(), autoincrement=False, nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.party_id"], name=op.f("fk_users_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
    )
    op.create_table(
        "agent_relationships",
        sa.Column("agent_id", gbdsp.store.types.UserIdType(), autoincrement=False, nullable=False),
        sa.Column(
            "supplier_id", gbdsp.store.types.UserIdType(), autoincrement=False, nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.user_id"],
            name=op.f("fk_agent_relationships_agent_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["users.user_id"],
            name=op.f("fk_agent_relationships_supplier_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "supplier_id", name=op.f("pk_agent_relationships")),
    )
    op.create_table(
        "user_certificates",
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column(
            "serial",
            sa.String(length=49),
            nullable=False,
            comment="decimal; RFC 5280 allows up to 20 octets (SMKI uses 16)",
        ),
        sa.Column("user_id", gbdsp.store.types.UserIdType(), nullable=False),
        sa.Column("public_key_der", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("not_after", gbdsp.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_user_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "serial", name=op.f("pk_user_certificates")),
    )
    op.create_index(
        op.f("ix_user_certificates_user_id"), "user_certificates", ["user_id"], unique=False
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", gbdsp.store.types.UserIdType(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_user_roles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )


def downgrade() -> None:
    op.drop_table("user_roles")
    op.drop_index(op.f("ix_user_certificates_user_id"), table_name="user_certificates")
    op.drop_table("user_certificates")
    op.drop_table("agent_relationships")
    op.drop_table("users")
    op.drop_table("parties")
    op.drop_index(op.f("ix_devices_uprn"), table_name="devices")
    op.drop_index("ix_devices_status_status_date", table_name="devices")
    op.drop_index(op.f("ix_devices_responsible_supplier"), table_name="devices")
    op.drop_index(op.f("ix_devices_postcode"), table_name="devices")
    op.drop_index(op.f("ix_devices_import_mpxn"), table_name="devices")
    op.drop_index(op.f("ix_devices_chf_id"), table_name="devices")
    op.drop_table("devices")
    op.drop_index(op.f("ix_device_status_history_device_id"), table_name="device_status_history")
    op.drop_table("device_status_history")
    op.drop_table("cpl_entries")
