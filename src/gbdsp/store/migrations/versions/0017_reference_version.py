"""reference version: one counter, bumped by triggers whenever cached reference data changes

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 10:00:00

The gateway keeps Users, certificates, revocations, Other User authorisations, CPL entries
and when registration data next falls due in memory (gateway/caches.py), and reads this
one row at the start of every request: any change to those tables, by whatever writes it
(a worker, the CLI, an import, plain SQL), bumps it in the same transaction, so the next
request on every worker sees it. PostgreSQL: one statement-level trigger per table (a bulk
COPY bumps it once); SQLite has row-level triggers only.

Assigned number 0017; this branch has no 0016 (another branch's), so it revises 0015 to keep
one head here. The lead chains the numbers at merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    "users",
    "user_roles",
    "agent_relationships",
    "user_certificates",
    "revoked_certificates",
    "ou_authorisations",
    "cpl_entries",
    "registrations",
)

_PG_FUNCTION = """
CREATE FUNCTION gbdsp_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- an upsert: a TRUNCATE of every table (the tests' clean slate) removes the row
    INSERT INTO reference_version (id, version) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET version = reference_version.version + 1;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False, comment="always 1"),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
        comment="bumped by triggers (migration 0017) in the same transaction as any change to "
        "Users, roles, agent relationships, certificates, revocations, Other User authorisations, "
        "the CPL or registration data: what the gateway's caches check on every request",
    )
    op.execute("INSERT INTO reference_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gbdsp_reference_changed()"
            )
        return
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER reference_changed_{table}_{event.lower()} AFTER {event} "
                f"ON {table} BEGIN "
                "UPDATE reference_version SET version = version + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER reference_changed ON {table}")
        op.execute("DROP FUNCTION gbdsp_reference_changed()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER reference_changed_{table}_{event}")
    op.drop_table("reference_version")
