"""Account-scoped callers: the role comes from the membership row, never from the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from troubletree.accounts import repository
from troubletree.accounts.caller import Caller
from troubletree.accounts.exceptions import NoAccount, RoleRequired
from troubletree.accounts.models import AUTHOR_ROLES, Role
from troubletree.auth import service as auth_service
from troubletree.auth.dependencies import BearerToken, api_key_of, client_of
from troubletree.auth.exceptions import ApiKeyNotAllowed
from troubletree.core.clock import utcnow
from troubletree.core.db import DB, app_settings
from troubletree.core.errors import Unauthorized
from troubletree.core.observability import note_account


async def get_caller(request: Request, db: DB, token: BearerToken) -> Caller:
    """Who calls, in which account and role. One dependency on purpose (besides the session
    and the bearer scheme, which names the security scheme in the OpenAPI document): FastAPI
    resolves every `Depends` on every request, and this runs on nearly all of them."""
    if not token:
        raise Unauthorized()
    client_ip = client_of(request).ip
    key = await api_key_of(request, db, token)
    if key is not None:
        note_account(key.account_id)
        return Caller(
            key.user_id,
            key.account_id,
            Role(key.role),
            key.full_name,
            key.email,
            api_key_id=key.key_id,
            ip=client_ip,
        )
    claims = auth_service.access_claims(app_settings(request), token)
    found = await repository.get_signed_in_member(db, claims.user_id, claims.family_id, utcnow())
    auth_service.check_sign_in(bool(found and found.is_active), bool(found and found.is_live))
    if found is None or found.account_id is None or found.role is None:
        raise NoAccount()
    note_account(found.account_id)
    return Caller(
        found.user_id,
        found.account_id,
        Role(found.role),
        found.full_name,
        found.email,
        ip=client_ip,
    )


CurrentMember = Annotated[Caller, Depends(get_caller)]


def require_role(*roles: Role) -> object:
    allowed = ", ".join(r.value for r in roles)

    async def dependency(caller: CurrentMember) -> Caller:
        if caller.role not in roles:
            raise RoleRequired(f"This needs the role: {allowed}.")
        return caller

    return Depends(dependency)


AccountAdmin = Annotated[Caller, require_role(Role.admin)]
Author = Annotated[Caller, require_role(*AUTHOR_ROLES)]


async def get_signed_in_admin(caller: AccountAdmin) -> Caller:
    if caller.api_key_id is not None:
        raise ApiKeyNotAllowed()
    return caller


SignedInAdmin = Annotated[Caller, Depends(get_signed_in_admin)]
"""An account admin signed in as a person, not an API key (managing API keys)."""
