"""Alembic environment: synchronous psycopg against the configured server."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from troubletree.models_registry import Base

config = context.config
target_metadata = Base.metadata

# Tables owned by the job-queue library (created from its own schema file in a migration).
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "table" and name and name.startswith(FOREIGN_TABLE_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and str(table.name).startswith(FOREIGN_TABLE_PREFIXES))


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
