"""The caller of an account-scoped request, as every domain's services receive it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from troubletree.accounts.models import AUTHOR_ROLES, Role


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in member of an account with the role their membership gives them, read from
    the database at the start of the request (or an API key of the account, with the key's
    role, acting for the admin who created it). Plain values, not ORM rows: every account-scoped
    request builds one, and nothing changes it."""

    user_id: uuid.UUID
    account_id: uuid.UUID
    role: Role
    full_name: str
    email: str
    # Set when an API key makes the request: the key's role, on behalf of its creator.
    api_key_id: uuid.UUID | None = None
    # The client's address, for the audit log.
    ip: str | None = None

    @property
    def is_author(self) -> bool:
        """Admins and engineers author trees; technicians run them."""
        return self.role in AUTHOR_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin
