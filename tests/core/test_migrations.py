"""The migrations build the schema the models describe, and run down and up again cleanly."""

from __future__ import annotations

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.helpers import scratch_database
from troubletree.core.db import sync_url
from troubletree.core.migrate import downgrade, include_object, upgrade
from troubletree.models_registry import Base


def _diff(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    assert _diff(database_url) == []


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    with scratch_database(database_url, "mig") as url:
        upgrade(url)
        assert {"users", "refresh_tokens", "procrastinate_jobs"} <= _tables(url)
        downgrade(url, "base")
        assert _tables(url) <= {"alembic_version"}
        upgrade(url)
        assert _diff(url) == []
        with psycopg.connect(url) as conn:
            plans = conn.execute("SELECT code, max_trees FROM plans ORDER BY id").fetchall()
        assert plans == [("free", 3), ("team", 100), ("enterprise", None)]
