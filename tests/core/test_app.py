"""Settings that fail fast, the one error shape, and the CLI with the embedded PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from troubletree.core.config import Settings


class TestSettings:
    @pytest.mark.parametrize("key", ["", "changeme", "short-key"])
    def test_production_refuses_a_default_or_weak_key(self, key: str) -> None:
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(environment="production", secret_key=key)

    def test_production_accepts_a_strong_key(self) -> None:
        assert Settings(environment="production", secret_key="k" * 48).secret_key == "k" * 48

    def test_development_generates_and_keeps_a_key(self, tmp_path: Path) -> None:
        first = Settings(TROUBLETREE_DATA_DIR=tmp_path).ensure_secret_key()
        second = Settings(TROUBLETREE_DATA_DIR=tmp_path).ensure_secret_key()
        assert first == second and len(first) >= 48
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600

    def test_trusted_proxies_from_a_comma_list(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1")
        assert Settings().trusted_proxies == ["10.0.0.0/8", "192.168.1.1"]


class TestErrorShape:
    async def test_unknown_route_is_json_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"detail": {"code": "not_found", "message": "Not Found"}}

    async def test_wrong_method_is_json_405(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/auth/login")
        assert response.status_code == 405
        assert response.json()["detail"]["code"] == "method_not_allowed"

    async def test_bad_path_id_is_422_naming_the_field(self, client: httpx.AsyncClient) -> None:
        from tests.helpers import signed_in

        _, headers = await signed_in(client)
        response = await client.delete("/api/v1/account/members/not-a-uuid", headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "user_id"

    async def test_openapi_documents_the_error_shape(self, client: httpx.AsyncClient) -> None:
        schema = (await client.get("/api/openapi.json")).json()
        assert "ErrorResponse" in schema["components"]["schemas"]
        ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
        assert "auth-login_json" in ids and len(ids) == len(set(ids))

    async def test_health(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/health")).json() == {"status": "ok"}


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env["TROUBLETREE_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "troubletree.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_cli_uses_embedded_postgres_when_no_database_url(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    migrated = _cli("migrate", data_dir=data_dir)
    assert migrated.returncode == 0, migrated.stderr
    assert "embedded PostgreSQL" in migrated.stdout and "up to date" in migrated.stdout
    status = json.loads(_cli("db", "status", data_dir=data_dir).stdout)
    # The server started for `migrate` was stopped when that process exited.
    assert status["initialised"] is True and status["running"] is False
    admin = _cli(
        "create-admin",
        "--email",
        "root@example.com",
        "--full-name",
        "Root",
        "--password",
        "a long admin passphrase",
        data_dir=data_dir,
    )
    assert admin.returncode == 0, admin.stderr
    again = _cli(
        "create-admin",
        "--email",
        "root@example.com",
        "--full-name",
        "Root",
        "--password",
        "a long admin passphrase",
        data_dir=data_dir,
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    assert _cli("db", "stop", data_dir=data_dir).stdout.strip() == "Not running."


def test_serve_stops_the_embedded_postgres_on_sigterm(tmp_path: Path) -> None:
    """Also: with no PUBLIC_URL, mailed links point at the port the server was started on."""
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PUBLIC_URL"}}
    env["TROUBLETREE_DATA_DIR"] = str(tmp_path / "data")
    env["SECRET_KEY"] = "serve-test-" + "s" * 40
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "troubletree.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert json.loads(_cli("db", "status", data_dir=tmp_path / "data").stdout)["running"]
        registered = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"email": "links@example.com", "password": "a long passphrase", "full_name": "L"},
            timeout=30,
        )
        assert registered.status_code == 202, registered.text
        link = f"http://127.0.0.1:{port}/verify-email#token="
        for _ in range(300):
            if link in log_path.read_text():
                break
            time.sleep(0.1)
        assert link in log_path.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    assert json.loads(_cli("db", "status", data_dir=tmp_path / "data").stdout)["running"] is False


async def test_database_errors_carry_no_parameter_values(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from tests.conftest import make_settings
    from troubletree.core.db import Database

    database = Database(database_url, make_settings(database_url))
    try:
        async with database.engine.connect() as conn:
            with pytest.raises(DBAPIError) as raised:
                await conn.execute(
                    text("SELECT 1 / (0 * length(CAST(:secret AS text)))"),
                    {"secret": "hunter2-parameter-value"},
                )
        assert "hunter2-parameter-value" not in str(raised.value)
        assert "division by zero" in str(raised.value)
    finally:
        await database.dispose()


def test_links_point_where_the_server_listens() -> None:
    from troubletree.core.config import served_url

    assert served_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert served_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104
    assert served_url("::", 9000) == "http://[::1]:9000"
    assert served_url("app.internal", 80) == "http://app.internal:80"
    assert Settings(_env_file=None).link_base_url == "http://127.0.0.1:8000"  # type: ignore[call-arg]
    assert (
        Settings(_env_file=None, public_url="https://help.example/").link_base_url  # type: ignore[call-arg]
        == "https://help.example"
    )
