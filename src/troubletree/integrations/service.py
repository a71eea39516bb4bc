"""Sessions opened from a help desk, and who may frame the embeddable runner.

A start link is `<link id>.<signature>`: the signature is an HMAC-SHA256 of the id with the
signing key (SECRET_KEY), so a changed or made-up token is refused before any lookup, and the
database holds nothing a reader could turn into a working link. The link's tree, intake values,
assignee and expiry live in its row; opening it claims the row in one guarded UPDATE (works
once, even with many parallel uses) and starts the session in the same transaction - as a
session prepared by the link's creator for whoever opens it (or the assignee), running at once
when every value needed to start is there, otherwise prepared with the values filled in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.accounts.models import AUTHOR_ROLES, Role
from troubletree.core.audit import record_member_action
from troubletree.core.client import ClientInfo
from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.core.db import link_base_url
from troubletree.integrations import repository
from troubletree.integrations.exceptions import (
    OriginInvalid,
    StartLinkCreatorGone,
    StartLinkExpired,
    StartLinkInvalid,
    StartLinkNotFound,
    StartLinkNotYours,
    StartLinkUsed,
)
from troubletree.integrations.models import StartLink
from troubletree.integrations.schemas import (
    EmbedSettingsRead,
    EmbedSettingsUpdate,
    StartLinkCreate,
    StartLinkCreated,
    StartLinkOpened,
)
from troubletree.sessions import navigator
from troubletree.sessions import service as sessions_service
from troubletree.sessions.exceptions import StartTreeNotFound, TechnicianNotFound, VariablesInvalid
from troubletree.sessions.schemas import SessionCreate
from troubletree.sessions.versions import Graphs
from troubletree.trees import service as trees_service
from troubletree.trees.graph import Variable

START_PATH = "/start-link"

# --------------------------------------------------------------------------- tokens


def _signature(settings: Settings, link_id: uuid.UUID) -> str:
    mac = hmac.new(settings.secret_key.encode(), b"start-link:" + link_id.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def make_token(settings: Settings, link_id: uuid.UUID) -> str:
    return f"{link_id.hex}.{_signature(settings, link_id)}"


def read_token(settings: Settings, token: str) -> uuid.UUID:
    """The link id of a token whose signature holds, or 422 `start_link_invalid`."""
    raw_id, _, signature = token.strip().partition(".")
    try:
        link_id = uuid.UUID(hex=raw_id)
    except ValueError as exc:
        raise StartLinkInvalid() from exc
    if not hmac.compare_digest(signature.encode(), _signature(settings, link_id).encode()):
        raise StartLinkInvalid()
    return link_id


# --------------------------------------------------------------------------- start links


async def _published_variables(
    db: AsyncSession, account_id: uuid.UUID, tree_id: uuid.UUID
) -> list[Variable]:
    tree = await trees_service.get_runnable_tree(db, account_id, tree_id)
    if tree is None or tree.status != "published" or tree.current_version_id is None:
        raise StartTreeNotFound(field="tree_id")
    return (await Graphs(db, account_id).get(tree.current_version_id)).variables


async def create_start_link(
    db: AsyncSession, settings: Settings, caller: Caller, body: StartLinkCreate, client: ClientInfo
) -> StartLinkCreated:
    definitions = await _published_variables(db, caller.account_id, body.tree_id)
    values, problems = navigator.merge_variables(definitions, {}, body.variables)
    if problems:
        raise VariablesInvalid({n: ("variable_invalid", m) for n, m in problems.items()})
    assignee = body.technician_id
    if assignee and await accounts_repository.get_member(db, caller.account_id, assignee) is None:
        raise TechnicianNotFound(field="technician_id")
    ttl = body.expires_in_seconds or settings.start_link_ttl_seconds
    link = await repository.add_start_link(
        db,
        StartLink(
            id=uuid.uuid4(),
            account_id=caller.account_id,
            tree_id=body.tree_id,
            variables=values,
            technician_id=body.technician_id,
            notes=body.notes,
            created_by=caller.user_id,
            expires_at=utcnow() + timedelta(seconds=ttl),
        ),
    )
    await record_member_action(
        db, "start_link_created", caller, client, f"start_link:{link.id}", tree_id=str(link.tree_id)
    )
    account = await accounts_repository.get_account(db, caller.account_id)
    assert account is not None
    token = make_token(settings, link.id)
    base = link_base_url(db)
    return StartLinkCreated(
        id=link.id,
        token=token,
        url=f"{base}{START_PATH}#token={token}",
        embed_url=f"{base}/embed/{account.slug}{START_PATH}#token={token}",
        expires_at=link.expires_at,
    )


async def _why_unusable(db: AsyncSession, account_id: uuid.UUID, link_id: uuid.UUID) -> Exception:
    link = await repository.get_start_link(db, account_id, link_id)
    if link is None:
        return StartLinkNotFound()
    if link.used_at is not None:
        return StartLinkUsed()
    return StartLinkExpired()


async def open_start_link(
    db: AsyncSession, settings: Settings, caller: Caller, token: str
) -> StartLinkOpened:
    link_id = read_token(settings, token)
    link = await repository.claim_start_link(
        db, caller.account_id, link_id, caller.user_id, utcnow()
    )
    if link is None:
        raise await _why_unusable(db, caller.account_id, link_id)
    if link.technician_id is not None and link.technician_id != caller.user_id:
        raise StartLinkNotYours()  # rolls the claim back: the link stays usable
    creator = (
        await accounts_repository.get_member(db, caller.account_id, link.created_by)
        if link.created_by is not None
        else None
    )
    if creator is None or Role(creator.role) not in AUTHOR_ROLES:
        raise StartLinkCreatorGone()
    # The session is set up by whoever made the link, for whoever opens it.
    dispatcher = Caller(creator.user_id, caller.account_id, Role(creator.role), "", "")
    definitions = await _published_variables(db, caller.account_id, link.tree_id)
    missing = navigator.missing_variables(definitions, link.variables, "at_start")
    created = await sessions_service.create_session(
        db,
        dispatcher,
        SessionCreate(
            tree_id=link.tree_id,
            variables=link.variables,
            technician_id=caller.user_id,
            prepared=bool(missing),
            notes=link.notes,
        ),
    )
    await repository.set_link_session(db, caller.account_id, link.id, created.id)
    return StartLinkOpened(
        session=await sessions_service.get_session(db, caller, created.id), tree_id=link.tree_id
    )


# --------------------------------------------------------------------------- embedding

_ORIGIN = re.compile(
    r"^(https?)://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$"
)


def _origin(value: str, index: int, *, production: bool) -> str:
    origin = value.strip().rstrip("/").lower()
    match = _ORIGIN.match(origin)
    if match is None:
        raise OriginInvalid(
            f"{value!r} is not an origin (scheme://host[:port], no path).",
            field=f"allowed_origins.{index}",
        )
    if production and match.group(1) != "https":
        raise OriginInvalid("Origins must use https.", field=f"allowed_origins.{index}")
    return origin


async def get_embed_settings(db: AsyncSession, caller: Caller) -> EmbedSettingsRead:
    account = await accounts_repository.get_account(db, caller.account_id)
    assert account is not None
    return EmbedSettingsRead(
        account_slug=account.slug,
        allowed_origins=await repository.get_allowed_origins(db, caller.account_id),
    )


async def set_embed_settings(
    db: AsyncSession,
    settings: Settings,
    caller: Caller,
    body: EmbedSettingsUpdate,
    client: ClientInfo,
) -> EmbedSettingsRead:
    production = settings.environment == "production"
    origins = list(
        dict.fromkeys(
            _origin(v, i, production=production) for i, v in enumerate(body.allowed_origins)
        )
    )
    await repository.set_allowed_origins(db, caller.account_id, origins)
    await record_member_action(
        db, "embed_origins_changed", caller, client, "embed", allowed_origins=origins
    )
    return await get_embed_settings(db, caller)


async def frame_ancestors(db: AsyncSession, account_slug: str) -> str | None:
    """The CSP `frame-ancestors` sources of an account's embed pages (None: nobody)."""
    origins = await repository.allowed_origins_by_slug(db, account_slug)
    return " ".join(origins) or None
