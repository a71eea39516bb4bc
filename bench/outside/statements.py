"""SQL statements per request, counted by PostgreSQL itself.

pg_stat_statements would be the first choice, but it needs `shared_preload_libraries` (a
server restart), which a shared server cannot take. So the bench database gets
`log_statement = 'all'` (a per-database setting, read by connections opened after it: the
servers are started after it is set and stopped before it is reset, and the timed runs use
servers started without it), and the server log is read: every statement a backend of this
database runs is one line `... user@database LOG:  statement: ...` (simple protocol: BEGIN,
COMMIT, a bare ping) or `... LOG:  execute <name>: ...` (extended protocol: each execution of a
prepared statement). That counts round trips that run SQL, transaction statements and pings
included, which is what the target is about; pg_stat_database's xact counters would only count
transactions.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psycopg

SERVER_LOG = Path("/var/log/postgresql/postgresql-15-main.log")


def find_server_log(server_url: str) -> Path | None:
    """Where this server writes its log, when it is a file this process can read."""
    with psycopg.connect(server_url) as conn:
        collector = conn.execute("SHOW logging_collector").fetchone()
        if collector and collector[0] == "on":
            row = conn.execute("SELECT pg_current_logfile()").fetchone()
            data_dir = conn.execute("SHOW data_directory").fetchone()
            if row and row[0] and data_dir:
                path = Path(row[0])
                return path if path.is_absolute() else Path(data_dir[0]) / path
    candidates = sorted(Path("/var/log/postgresql").glob("postgresql-*.log"))
    for path in candidates:
        try:
            path.open("rb").close()
            return path
        except OSError:
            continue
    return None


def set_logging(database_url: str, on: bool) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, autocommit=True) as conn:
        if on:
            conn.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        else:
            conn.execute(f'ALTER DATABASE "{name}" RESET log_statement')


_LINE = re.compile(r" \S+@(?P<db>\S+) LOG:  (?:statement|execute [^:]*): (?P<sql>.*)$")


class StatementLog:
    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        self.database = database

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, offset: int) -> list[str]:
        time.sleep(0.3)  # the backends' last lines reach the file
        with self.path.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
        found = []
        for line in text.splitlines():
            match = _LINE.search(line)
            if match and match["db"] == self.database:
                found.append(match["sql"].strip())
        return found

    def per_request(self, send: Callable[[], None], requests: int) -> tuple[float, Counter[str]]:
        """Statements per request over `requests` sequential requests, and what they were."""
        offset = self.mark()
        for _ in range(requests):
            send()
        statements = self.since(offset)
        return len(statements) / requests, Counter(_shape(s) for s in statements)


def _shape(sql: str) -> str:
    return re.sub(r"\s+", " ", sql)[:160]
