"""Creating, listing and revoking an account's API keys. A key is `tt_` and 256 random bits;
only its SHA-256 is stored, and the key itself is in the creation answer alone."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Role
from troubletree.apikeys import repository
from troubletree.apikeys.exceptions import ApiKeyLimitReached, ApiKeyNotFound
from troubletree.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeyStatus
from troubletree.auth.models import ApiKey
from troubletree.auth.service import API_KEY_PREFIX
from troubletree.core import audit, security
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow

MAX_ACTIVE_KEYS = 50
HINT_LENGTH = 10  # "tt_" and 7 characters of the random part


def _status(key: ApiKey) -> ApiKeyStatus:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= utcnow():
        return "expired"
    return "active"


def api_key_read(key: ApiKey, created_by_name: str) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        role=Role(key.role),
        key_hint=key.key_hint,
        status=_status(key),
        created_at=key.created_at,
        created_by=key.created_by,
        created_by_name=created_by_name,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        last_used_ip=key.last_used_ip,
        revoked_at=key.revoked_at,
    )


async def create_api_key(
    db: AsyncSession, caller: Caller, body: ApiKeyCreate, client: ClientInfo
) -> ApiKeyCreated:
    """At most MAX_ACTIVE_KEYS active keys per account: creates of one account queue on the
    account row, so counting and inserting cannot interleave."""
    now = utcnow()
    await accounts_repository.lock_account_for_create(db, caller.account_id)
    if await repository.count_active_keys(db, caller.account_id, now) >= MAX_ACTIVE_KEYS:
        raise ApiKeyLimitReached()
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = await repository.add_api_key(
        db,
        ApiKey(
            id=uuid.uuid4(),
            account_id=caller.account_id,
            name=body.name,
            role=body.role,
            key_hash=security.token_hash(raw),
            key_hint=raw[:HINT_LENGTH],
            created_by=caller.user_id,
            created_at=now,
            expires_at=now + timedelta(days=body.expires_in_days) if body.expires_in_days else None,
        ),
    )
    await audit.record_member_action(
        db,
        "api_key_created",
        caller,
        client,
        str(key.id),
        name=key.name,
        role=str(body.role),
        expires_at=key.expires_at.isoformat() if key.expires_at else None,
    )
    return ApiKeyCreated(**api_key_read(key, caller.full_name).model_dump(), key=raw)


async def list_api_keys(db: AsyncSession, caller: Caller) -> list[ApiKeyRead]:
    return [
        api_key_read(k, name) for k, name in await repository.list_api_keys(db, caller.account_id)
    ]


async def revoke_api_key(
    db: AsyncSession, caller: Caller, key_id: uuid.UUID, client: ClientInfo
) -> ApiKeyRead:
    """Revoked at once: every request checks its key in the database. Revoking a revoked key
    changes nothing."""
    if await repository.revoke_api_key(db, caller.account_id, key_id, caller.user_id, utcnow()):
        await audit.record_member_action(db, "api_key_revoked", caller, client, str(key_id))
    found = await repository.get_api_key(db, caller.account_id, key_id)
    if found is None:
        raise ApiKeyNotFound()
    return api_key_read(*found)
