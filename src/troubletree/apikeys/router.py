"""/api/v1/account/api-keys: an account's API keys, managed by its admins (signed in as
people: a key cannot create, list or revoke keys)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from troubletree.accounts.dependencies import SignedInAdmin
from troubletree.apikeys import service
from troubletree.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from troubletree.auth.dependencies import Client
from troubletree.core.db import DB
from troubletree.core.errors import error_responses

router = APIRouter(prefix="/account/api-keys", tags=["api-keys"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 409, 422))
async def create_api_key(
    body: ApiKeyCreate, caller: SignedInAdmin, db: DB, client: Client
) -> ApiKeyCreated:
    """The key is in this answer only; the server keeps a hash. Use it as
    `Authorization: Bearer tt_...` on any endpoint."""
    return await service.create_api_key(db, caller, body, client)


@router.get("", responses=error_responses(401, 403))
async def list_api_keys(caller: SignedInAdmin, db: DB) -> list[ApiKeyRead]:
    """Every key of the account, newest first, revoked and expired ones included."""
    return await service.list_api_keys(db, caller)


@router.delete("/{key_id}", responses=error_responses(401, 403, 404))
async def revoke_api_key(
    key_id: uuid.UUID, caller: SignedInAdmin, db: DB, client: Client
) -> ApiKeyRead:
    """The key answers 401 from the next request on."""
    return await service.revoke_api_key(db, caller, key_id, client)
