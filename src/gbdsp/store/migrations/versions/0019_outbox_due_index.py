"""outbox: a partial index of the messages still to deliver, in the relay's order

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:30:00

The relay leases the oldest due messages of a channel (`ORDER BY next_attempt_at, id
LIMIT n`). Over `(delivered_at, next_attempt_at)` PostgreSQL read that as a bitmap scan of
every entry with `delivered_at IS NULL`, dead ones included until a vacuum: 19 ms a lease
after 140,000 deliveries, with nothing due. `ix_outbox_due` holds only the undelivered
rows, in the lease's order, so a lease is an index scan that stops at its limit (and marks
the dead entries it passes, 0.03 ms). `ix_outbox_delivered` serves the retention purge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDELIVERED = sa.text("delivered_at IS NULL")
DELIVERED = sa.text("delivered_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["channel", "next_attempt_at", "id"],
        postgresql_where=UNDELIVERED,
        sqlite_where=UNDELIVERED,
    )
    op.create_index(
        "ix_outbox_delivered",
        "outbox",
        ["delivered_at"],
        postgresql_where=DELIVERED,
        sqlite_where=DELIVERED,
    )
    op.drop_index("ix_outbox_pending", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "next_attempt_at"])
    op.drop_index("ix_outbox_delivered", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
