"""Write the API's OpenAPI schema to web/openapi.json without starting a server.

The web app's client is generated from this file (`npm run generate` in web/), and CI checks
that the committed client matches it (`npm run check-generated`). Building the app opens no
database connection: the engine is created in the lifespan, which never runs here.

    .venv/bin/python scripts/dump_openapi.py [OUTPUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from troubletree.core.config import Settings
from troubletree.main import create_app

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "web" / "openapi.json"


def schema() -> dict[str, object]:
    settings = Settings(
        environment="test", secret_key="x" * 48, database_url="postgresql://unused/none",
        _env_file=None,  # type: ignore[call-arg]  # a developer's .env must not change the schema
    )
    return create_app(settings).openapi()


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    output.write_text(text, encoding="utf-8")
    print(f"Wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
