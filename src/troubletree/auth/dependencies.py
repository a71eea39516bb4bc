"""Who is calling: declared in endpoint signatures (`user: CurrentUser`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from troubletree.auth import service
from troubletree.auth.exceptions import SuperuserRequired
from troubletree.auth.models import User
from troubletree.core.client import ClientInfo
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import Unauthorized
from troubletree.core.ratelimit import client_ip

# tokenUrl makes the Authorize button of /api/docs sign in through the form endpoint.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


async def get_current_user(
    db: DB, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    if not token:
        raise Unauthorized()
    return await service.user_from_access_token(db, settings, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise SuperuserRequired()
    return user


SuperUser = Annotated[User, Depends(get_superuser)]


async def get_client(request: Request) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


Client = Annotated[ClientInfo, Depends(get_client)]
