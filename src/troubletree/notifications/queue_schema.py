"""The job queue's own schema (procrastinate), applied by our first migration."""

from procrastinate.schema import SchemaManager


def procrastinate_schema_sql() -> str:
    return str(SchemaManager.get_schema())
