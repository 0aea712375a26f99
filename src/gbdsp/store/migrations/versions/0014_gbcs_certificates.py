"""Users' (and the ACB's) GBCS certificates; what each CV 4 transform issued

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gbdsp.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gbcs_certificates",
        sa.Column(
            "party",
            gbdsp.store.types.UserIdType(),
            nullable=False,
            comment="EUI-64 of the User or the ACB",
        ),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="ds, ka or pp-ka"),
        sa.Column("serial", sa.String(length=49), nullable=False, comment="decimal"),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("party", "kind", name=op.f("pk_gbcs_certificates")),
    )
    with op.batch_alter_table("gbcs_certificates", schema=None) as batch_op:
        batch_op.create_index("ix_gbcs_certificates_serial", ["serial"], unique=False)
    with op.batch_alter_table("issued_transforms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", gbdsp.store.types.DeviceIdType(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "pre_command",
                sa.LargeBinary(),
                nullable=True,
                comment="the unsigned General-Signing APDU of CV 4",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_transforms", schema=None) as batch_op:
        batch_op.drop_column("pre_command")
        batch_op.drop_column("device_id")
    with op.batch_alter_table("gbcs_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_gbcs_certificates_serial")
    op.drop_table("gbcs_certificates")
