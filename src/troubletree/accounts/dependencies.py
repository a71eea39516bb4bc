"""Account-scoped callers: the role comes from the membership row, never from the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from troubletree.accounts import repository
from troubletree.accounts.exceptions import NoAccount, RoleRequired
from troubletree.accounts.models import Role
from troubletree.accounts.service import Caller
from troubletree.auth.dependencies import CurrentUser
from troubletree.core.db import DB


async def get_caller(user: CurrentUser, db: DB) -> Caller:
    membership = await repository.get_membership_of_user(db, user.id)
    if membership is None:
        raise NoAccount()
    return Caller(user=user, membership=membership)


CurrentMember = Annotated[Caller, Depends(get_caller)]


def require_role(*roles: Role) -> object:
    allowed = ", ".join(r.value for r in roles)

    async def dependency(caller: CurrentMember) -> Caller:
        if caller.role not in roles:
            raise RoleRequired(f"This needs the role: {allowed}.")
        return caller

    return Depends(dependency)


AccountAdmin = Annotated[Caller, require_role(Role.admin)]
Author = Annotated[Caller, require_role(Role.admin, Role.engineer)]
