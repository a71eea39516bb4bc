"""Alembic environment: synchronous psycopg against the configured server."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from troubletree.core.migrate import include_object
from troubletree.models_registry import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by troubletree.core.migrate"
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
