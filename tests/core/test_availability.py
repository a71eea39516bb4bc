"""An unreachable database answers 503 database_unavailable with Retry-After, fast, and the
outage is logged once (in-process; tests/ops/test_faults.py stops a real server under load)."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import client_for, make_settings
from tests.ops.servers import free_port
from troubletree.core import db as db_module
from troubletree.core.availability import outage
from troubletree.core.db import Database, set_database
from troubletree.main import create_app


async def test_unreachable_database_answers_503_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"  # nobody listens there
    settings = make_settings(url)
    database = Database(url, settings)
    app = create_app(settings, database=database)
    previous = db_module._database
    set_database(database)  # what the lifespan does (the test transport runs none)
    outage.succeeded(float("inf"))  # a clean start, whatever ran before
    caplog.set_level(logging.INFO, logger="troubletree.database")
    try:
        async with client_for(app) as client:
            responses = [await client.get("/api/health") for _ in range(3)]
            responses.append(
                await client.post(
                    "/api/v1/auth/login/json", json={"email": "a@example.com", "password": "x" * 12}
                )
            )
    finally:
        set_database(previous)
        await database.dispose()
        outage.succeeded(float("inf"))
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.json() == {
            "detail": {
                "code": "database_unavailable",
                "message": "The service is briefly unavailable. Try again shortly.",
            }
        }
        assert int(response.headers["retry-after"]) >= 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "database unavailable" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
