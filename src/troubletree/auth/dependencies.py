"""Who is calling: declared in endpoint signatures (`user: CurrentUser`).

A bearer credential is an access token (a person's sign-in) or an API key (`tt_...`, a
program acting in one account with the key's role, for the admin who created it). Every
dependency here and in `accounts.dependencies` accepts both; `Person` (and `SuperUser`) refuse
keys for what only a person may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.auth import repository, service
from troubletree.auth.exceptions import ApiKeyNotAllowed, InvalidApiKey, SuperuserRequired
from troubletree.auth.models import User
from troubletree.core.client import ClientInfo
from troubletree.core.db import DB, SettingsDep, app_settings
from troubletree.core.errors import Unauthorized
from troubletree.core.observability import route_label
from troubletree.core.ratelimit import client_ip

# tokenUrl makes the Authorize button of /api/docs sign in through the form endpoint.
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/login",
    auto_error=False,
    description="An access token from sign-in, or an API key (`tt_...`) as the bearer token.",
)

BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def client_of(request: Request) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


async def get_client(request: Request) -> ClientInfo:
    return client_of(request)


Client = Annotated[ClientInfo, Depends(get_client)]

# Where a request keeps the API key it presented, once checked: the caller's dependency and
# `ApiKeyDep` both ask, and a key is checked, counted and rate limited once per request.
_API_KEY_SCOPE = "troubletree.api_key"


async def api_key_of(
    request: Request, db: AsyncSession, token: str | None
) -> repository.ApiKeyCaller | None:
    """The API key the request presents (checked, rate limited, its use noted), or None when
    the credential is not a key."""
    if not token or not service.is_api_key(token):
        return None
    found: repository.ApiKeyCaller | None = request.scope.get(_API_KEY_SCOPE)
    if found is None:
        request_line = (request.method, route_label(request.scope))
        found = await service.use_api_key(
            db,
            app_settings(request),
            request.app.state.rate_limiter,
            token,
            client_of(request),
            request_line,
        )
        request.scope[_API_KEY_SCOPE] = found
    return found


async def get_api_key(
    request: Request, db: DB, token: BearerToken
) -> repository.ApiKeyCaller | None:
    return await api_key_of(request, db, token)


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
