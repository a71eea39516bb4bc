"""Start links (/api/v1/start-links), embed settings (/api/v1/integrations/embed) and the
embed pages themselves (/embed/<account slug>/..., the web app with a per-account
`frame-ancestors`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, status
from starlette.responses import FileResponse, HTMLResponse, Response

from troubletree.accounts.dependencies import AccountAdmin, Author, CurrentMember
from troubletree.auth.dependencies import Client
from troubletree.core.db import DB, SettingsDep
from troubletree.core.errors import error_responses
from troubletree.core.headers import FRAME_ANCESTORS_STATE
from troubletree.integrations import service
from troubletree.integrations.schemas import (
    EmbedSettingsRead,
    EmbedSettingsUpdate,
    StartLinkCreate,
    StartLinkCreated,
    StartLinkOpened,
    StartLinkRedeem,
)

start_links_router = APIRouter(prefix="/start-links", tags=["start-links"])
embed_settings_router = APIRouter(prefix="/integrations", tags=["integrations"])


@start_links_router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 422)
)
async def create_start_link(
    body: StartLinkCreate, caller: Author, db: DB, settings: SettingsDep, client: Client
) -> StartLinkCreated:
    """A signed, single-use link that opens a session of a published tree with intake values
    filled in (admins, engineers, or an API key). Values are checked against the tree's
    variables and types: 422 naming `variables.<name>`, nothing written."""
    return await service.create_start_link(db, settings, caller, body, client)


@start_links_router.post(
    "/open",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 410, 422),
)
async def open_start_link(
    body: StartLinkRedeem, caller: CurrentMember, db: DB, settings: SettingsDep
) -> StartLinkOpened:
    """Uses the link once: starts its session for the caller (prepared, values filled in,
    when a value needed to start is still missing). A wrong signature: 422
    `start_link_invalid`; used: 409 `start_link_used`; expired: 410 `start_link_expired`."""
    return await service.open_start_link(db, settings, caller, body.token)


@embed_settings_router.get("/embed", responses=error_responses(401, 403))
async def read_embed_settings(caller: AccountAdmin, db: DB) -> EmbedSettingsRead:
    return await service.get_embed_settings(db, caller)


@embed_settings_router.put("/embed", responses=error_responses(401, 403, 422))
async def update_embed_settings(
    body: EmbedSettingsUpdate, caller: AccountAdmin, db: DB, settings: SettingsDep, client: Client
) -> EmbedSettingsRead:
    """The origins whose pages may frame /embed/<account slug>/... (https in production)."""
    return await service.set_embed_settings(db, settings, caller, body, client)


NOT_BUILT = "<!doctype html><title>TroubleTree</title><p>The web app is not built.</p>"


def embed_pages(web_dist: Path) -> APIRouter:
    """The embed pages: the web app's shell, framable by the account's listed origins only."""
    router = APIRouter(include_in_schema=False)

    @router.get("/embed/{account_slug}/{rest:path}")
    async def embed_page(account_slug: str, rest: str, request: Request, db: DB) -> Response:
        framers = await service.frame_ancestors(db, account_slug)
        if framers:
            setattr(request.state, FRAME_ANCESTORS_STATE, framers)
        index = web_dist / "index.html"
        if not index.exists():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return router
