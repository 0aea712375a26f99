from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gbdsp.store import migrate
from gbdsp.store.store import Store
from gbdsp.store.tables import metadata


def test_migrations_build_exactly_the_schema_the_code_uses(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(store: Store) -> None:
    migrate.upgrade(store.engine)
    assert migrate.is_current(store.engine)
