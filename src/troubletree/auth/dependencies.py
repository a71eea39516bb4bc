"""Who is calling: declared in endpoint signatures (`user: CurrentUser`).

A bearer credential is an access token (a person's sign-in) or an API key (`tt_...`, a
program acting in one account with the key's role, for the admin who created it). Every
dependency here and in `accounts.dependencies` accepts both; `Person` (and `SuperUser`) refuse
keys for what only a person may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from troubletree.auth import repository, service
from troubletree.auth.exceptions import ApiKeyNotAllowed, InvalidApiKey, SuperuserRequired
from troubletree.auth.models import User
from troubletree.core.client import ClientInfo
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import Unauthorized
from troubletree.core.observability import route_label
from troubletree.core.ratelimit import Limiter, client_ip

# tokenUrl makes the Authorize button of /api/docs sign in through the form endpoint.
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/login",
    auto_error=False,
    description="An access token from sign-in, or an API key (`tt_...`) as the bearer token.",
)

BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


async def get_client(request: Request) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


Client = Annotated[ClientInfo, Depends(get_client)]


async def get_api_key(
    request: Request,
    db: DB,
    settings: SettingsDep,
    limiter: Limiter,
    client: Client,
    token: BearerToken,
) -> repository.ApiKeyCaller | None:
    """The API key the request presents (checked, rate limited, its use noted), or None when
    the credential is not a key. Resolved once per request, whichever dependencies ask."""
    if not token or not service.is_api_key(token):
        return None
    request_line = (request.method, route_label(request.scope))
    return await service.use_api_key(db, settings, limiter, token, client, request_line)


ApiKeyDep = Annotated[repository.ApiKeyCaller | None, Depends(get_api_key)]


async def get_current_user(
    db: DB, settings: SettingsDep, token: BearerToken, key: ApiKeyDep
) -> User:
    """The signed-in user, or for an API key the admin who created it."""
    if key is not None:
        user = await repository.get_user(db, key.user_id)
        if user is None or not user.is_active:
            raise InvalidApiKey()
        return user
    if not token:
        raise Unauthorized()
    return await service.user_from_access_token(db, settings, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_person(user: CurrentUser, key: ApiKeyDep) -> User:
    if key is not None:
        raise ApiKeyNotAllowed()
    return user


Person = Annotated[User, Depends(get_person)]
"""A signed-in person (not an API key): their own profile and sign-ins."""


async def get_superuser(user: Person) -> User:
    if not user.is_superuser:
        raise SuperuserRequired()
    return user


SuperUser = Annotated[User, Depends(get_superuser)]
