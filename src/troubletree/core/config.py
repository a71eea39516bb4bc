"""Settings, read only from the environment (and an optional `.env`).

Every setting is listed in the README. Production refuses to start with a missing or weak
signing key; development generates one and keeps it in the data folder so sessions survive
restarts.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, computed_field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

WEAK_KEYS = {"", "changeme", "change-me", "secret", "dev", "development"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(Path(".troubletree"), validation_alias="TROUBLETREE_DATA_DIR")
    # The address users open, for the links in mails (invites, verification, reset). Unset:
    # `troubletree serve` uses the address it was started on (--host/--port).
    public_url: str | None = None

    # Database. Unset: the embedded PostgreSQL in data_dir is started and used.
    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # Set to 0 behind PgBouncer in transaction mode.
    db_statement_cache_size: int = 100
    # How long a request waits to open a connection / for a pooled one to come free before it
    # answers 503 database_unavailable. A stopped server refuses at once, so these bound only an
    # unreachable host and a pool held by a burst (whose requests legitimately queue).
    db_connect_timeout_seconds: float = 5
    db_pool_timeout_seconds: float = 30

    # Signing and tokens.
    secret_key: str = ""
    jwt_issuer: str = "troubletree"
    jwt_audience: str = "troubletree-api"
    access_token_ttl_seconds: int = 900
    refresh_idle_ttl_seconds: int = 7 * 24 * 3600
    refresh_absolute_ttl_seconds: int = 30 * 24 * 3600
    refresh_reuse_grace_seconds: float = 10
    reset_token_ttl_seconds: int = 30 * 60
    verify_token_ttl_seconds: int = 48 * 3600
    email_resend_interval_seconds: int = 60
    cookie_secure: bool = True

    # Passwords.
    password_min_length: int = 10
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Hashes one process runs at once (each takes ARGON2_MEMORY_KIB and a core while it runs);
    # unset: the cores shared among the server's worker processes (at least one).
    password_hash_threads: int | None = Field(default=None, ge=1, le=64)

    # Sign-up.
    signup_mode: Literal["open", "invite", "closed"] = "open"

    # Abuse limits (the `limits` library's notation, e.g. "20/minute").
    redis_url: str | None = None
    rate_limit_login_ip: str = "20/minute"
    rate_limit_login_account: str = "100/hour"
    rate_limit_login_pair: str = "10/15minutes"
    # Addresses a user signed in from within this many days are exempt from the account limit.
    login_usual_address_days: int = 30
    rate_limit_register_ip: str = "10/hour"
    rate_limit_reset_ip: str = "10/hour"
    rate_limit_token_check_ip: str = "60/hour"  # noqa: S105 - a rate, not a secret
    rate_limit_invite_ip: str = "10/minute"
    rate_limit_refresh_ip: str = "150/5minutes"
    # Requests per API key (every replica shares the count through Redis).
    rate_limit_api_key: str = "600/minute"
    # An API key's last use (and its `api_key_used` audit row) is written at most this often.
    api_key_use_interval_seconds: int = Field(default=60, ge=1)
    # Comma-separated addresses or networks whose X-Forwarded-For is believed.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Email.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 15
    mail_from: str = "TroubleTree <no-reply@troubletree.local>"

    # Background jobs: run the worker inside `serve` (one process) or separately.
    run_worker_in_process: bool = True

    # A worker whose heartbeat is older than this is taken for dead: its running jobs are
    # retried (a webhook delivery cut off mid-request is sent again).
    job_stalled_seconds: float = 60

    # Webhooks: per-request timeout, how much of an answer is read, the retry backoff
    # (base * 2^(attempt-1), capped) and how long a delivery is retried before it fails.
    webhook_timeout_seconds: float = 10
    webhook_response_limit_bytes: int = 64 * 1024
    webhook_retry_base_seconds: float = 30
    webhook_retry_max_seconds: float = 3600
    webhook_retry_window_seconds: float = 24 * 3600

    # Start links made for a help desk: how long one stays valid unless the call says less.
    start_link_ttl_seconds: int = 24 * 3600

    # Exports render in worker processes (core/offload.py): this many at once, this many waiting.
    export_workers: int = 2
    export_queue_limit: int = 8
    # Drafts of at least this many nodes are checked (validate, publish) in the process pool.
    graph_offload_nodes: int = Field(default=500, ge=1)
    # JSON bodies of at least this many bytes (a whole tree: create, draft save, import) are
    # decoded and validated in the same pool (core/bodies.py).
    body_offload_bytes: int = Field(default=256 * 1024, ge=1)

    # Attachments (photos and PDFs on session steps): where the files live, how much an account
    # may store, and how long a signed file link stays valid.
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # unset: AWS itself
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = "attachments/"
    attachment_quota_bytes: int = 1024 * 1024 * 1024
    attachment_url_ttl_seconds: int = 300

    log_level: str = "INFO"
    # json: one JSON object a line (the default in production); text: for a terminal.
    log_format: Literal["json", "text"] | None = None
    # Bearer token for /metrics; unset: /metrics answers 404.
    metrics_token: str | None = None
    # Comma-separated origins allowed to call the API from a browser (CORS); empty: none.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # On SIGTERM `serve` stops accepting and lets requests in flight finish for this long.
    shutdown_grace_seconds: int = 30

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format:
            return self.log_format
        return "json" if self.environment == "production" else "text"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.strip().lower() in WEAK_KEYS or len(self.secret_key) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of at least 32 characters in "
                    "production (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if not self.cookie_secure:
                raise ValueError("COOKIE_SECURE cannot be disabled in production")
        return self

    @property
    def link_base_url(self) -> str:
        """Where the links in mails point: PUBLIC_URL, else (outside `serve`) the default port."""
        return (self.public_url or DEFAULT_PUBLIC_URL).rstrip("/")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    def ensure_secret_key(self) -> str:
        """The key that signs access tokens and derives refresh successors.

        Outside production an unset key is replaced by a random one kept in the data folder, so a
        newcomer needs no configuration and sign-ins survive a restart.
        """
        if not self.secret_key:
            key_file = self.data_dir / "secret_key"
            if key_file.exists():
                self.secret_key = key_file.read_text().strip()
            else:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self.secret_key = secrets.token_urlsafe(48)
                key_file.write_text(self.secret_key)
                key_file.chmod(0o600)
        return self.secret_key


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server listening on host:port."""
    wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 - a lookup
    shown = wildcard.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
