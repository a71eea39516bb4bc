"""Running Alembic from code (the CLI, `serve` and the tests all use this)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from troubletree.core.db import sync_url

# Tables owned by the job-queue library (created from its own schema file in a migration).
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Keeps autogenerate and the schema check to our own tables."""
    if type_ == "table" and name and name.startswith(FOREIGN_TABLE_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and str(table.name).startswith(FOREIGN_TABLE_PREFIXES))


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    cfg.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions the code expects the database at (read once from the migration scripts)."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/unused"))
    return frozenset(script.get_heads())
