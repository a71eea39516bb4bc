"""The job queue's schema is frozen in the migrations; the installed procrastinate must match it.

The first migration applies a copy of procrastinate's schema.sql taken from the version pinned in
pyproject.toml. These tests fail when the library is upgraded (or the pin loosened) without a
migration that brings the database to what the new version's queries expect.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.helpers import scratch_database

ROOT = Path(__file__).resolve().parents[2]
FROZEN_DIR = ROOT / "src" / "troubletree" / "migrations" / "vendor"
FROZEN_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}_procrastinate_(?P<version>[\d.]+)\.sql$")


def _frozen() -> tuple[Path, str]:
    """The newest frozen procrastinate SQL file (by its date prefix) and the version it is from."""
    files = sorted(p for p in FROZEN_DIR.iterdir() if FROZEN_NAME.match(p.name))
    assert files, f"no frozen procrastinate SQL in {FROZEN_DIR}"
    match = FROZEN_NAME.match(files[-1].name)
    assert match
    return files[-1], match["version"]


def _library_sql(name: str) -> str:
    return (resources.files("procrastinate.sql") / name).read_text(encoding="utf-8")


def test_the_pin_the_installed_library_and_the_frozen_schema_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("procrastinate")]
    _, version = _frozen()
    assert pins == [f"procrastinate=={version}"], "pin procrastinate exactly, to the frozen version"
    assert metadata.version("procrastinate") == version


def test_the_frozen_schema_is_the_library_file_unchanged() -> None:
    path, version = _frozen()
    if metadata.version("procrastinate") != version:
        pytest.fail(
            f"procrastinate {metadata.version('procrastinate')} is installed, not {version}"
        )
    assert path.read_text(encoding="utf-8") == _library_sql("schema.sql")


# --------------------------------------------------------------------------- what the queries need

# Each entry: a name and a query describing every procrastinate object of that kind, as rows
# that do not depend on creation order or object ids.
CATALOGUE = {
    "columns": """
        SELECT table_name, column_name, ordinal_position, data_type, udt_name, column_default,
               is_nullable
        FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name LIKE 'procrastinate%'""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'""",
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = current_schema() AND c.conrelid::regclass::text LIKE 'procrastinate%'""",
    "functions": """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'""",
    "triggers": """
        SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t
        WHERE NOT t.tgisinternal AND t.tgrelid::regclass::text LIKE 'procrastinate%'""",
    "types": """
        SELECT t.typname, t.typtype,
               (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                FROM pg_enum e WHERE e.enumtypid = t.oid),
               (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                 ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
          AND t.typtype IN ('e', 'c')""",
}


def _catalogue(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        return {
            kind: sorted(conn.execute(query).fetchall(), key=repr)
            for kind, query in CATALOGUE.items()
        }


@pytest.fixture(scope="module")
def library_schema_url(database_url: str) -> Iterator[str]:
    """A scratch database holding only the schema the installed procrastinate ships."""
    with scratch_database(database_url, "queue") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(_library_sql("schema.sql"))
        yield url


def test_migrated_queue_schema_is_what_the_installed_library_creates(
    database_url: str, library_schema_url: str
) -> None:
    """Tables, columns, indexes, constraints, functions (with their bodies), triggers and types:
    a procrastinate upgrade that changes any of them needs a migration."""
    migrated, library = _catalogue(database_url), _catalogue(library_schema_url)
    for kind in CATALOGUE:
        assert migrated[kind] == library[kind], f"procrastinate {kind} differ: write a migration"


def test_every_function_the_library_queries_call_exists(database_url: str) -> None:
    """The versioned functions (procrastinate_defer_jobs_v1, ...) that procrastinate's queries call:
    the clearest message when an upgrade needs one the migrations did not create."""
    called = set(re.findall(r"\b(procrastinate_\w+_v\d+)\s*\(", _library_sql("queries.sql")))
    assert called, "procrastinate's queries.sql no longer names versioned functions"
    with psycopg.connect(database_url) as conn:
        present = {
            row[0]
            for row in conn.execute(
                "SELECT proname FROM pg_proc WHERE proname LIKE 'procrastinate%'"
            ).fetchall()
        }
    assert called - present == set()
