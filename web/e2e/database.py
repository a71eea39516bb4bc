"""Creates and drops the throwaway database of an e2e run (called by e2e/server.ts).

    python e2e/database.py probe          exit 0 if the server answers
    python e2e/database.py create NAME    create NAME, print its URL
    python e2e/database.py drop NAME      drop NAME (only tt_e2e_* names)

Server: $E2E_DATABASE_SERVER_URL, else postgresql://postgres@127.0.0.1:5432/postgres.
"""

from __future__ import annotations

import os
import re
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

SERVER = os.environ.get(
    "E2E_DATABASE_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def main(argv: list[str]) -> int:
    command = argv[1]
    if command == "probe":
        try:
            psycopg.connect(SERVER, connect_timeout=2).close()
        except psycopg.OperationalError:
            return 1
        return 0
    name = argv[2]
    if not re.fullmatch(r"tt_e2e_[0-9a-f]{8,32}", name):
        raise SystemExit(f"refusing to touch database {name!r}: not an e2e database")
    with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as conn:
        if command == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
            print(urlunsplit(urlsplit(SERVER)._replace(path="/" + name)))
        elif command == "drop":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
