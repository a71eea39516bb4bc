"""The tree versions sessions run, parsed once per process (published versions never change)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.sessions import navigator
from troubletree.sessions.exceptions import (
    NavigationFailed,
)
from troubletree.trees import service as trees_service
from troubletree.trees.exceptions import VersionNotFound
from troubletree.trees.graph import Graph, Node


@dataclass(frozen=True)
class PinnedVersion:
    graph: Graph
    number: int
    title: str


# Published versions are immutable (the database refuses changes to them), so a parsed copy
# never goes stale: keeping the most used ones saves a query and a parse on every step. Keyed by
# account as well, so a version is only ever served to the account that owns it.
_CACHE: OrderedDict[tuple[uuid.UUID, uuid.UUID], PinnedVersion] = OrderedDict()
CACHE_SIZE = 256


class Graphs:
    """The published versions a session touches (its own and any linked ones), read through
    the trees domain within the caller's account."""

    def __init__(self, db: AsyncSession, account_id: uuid.UUID) -> None:
        self.db = db
        self.account_id = account_id

    async def _version(self, version_id: uuid.UUID) -> PinnedVersion:
        key = (self.account_id, version_id)
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
        try:
            row, graph = await trees_service.get_version_for_session(
                self.db, self.account_id, version_id
            )
        except VersionNotFound:
            raise NavigationFailed("A tree version this session uses no longer exists.") from None
        version = PinnedVersion(graph, row.number, row.title)
        _CACHE[key] = version
        if len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return version

    async def get(self, version_id: uuid.UUID) -> Graph:
        return (await self._version(version_id)).graph

    async def node(self, version_id: uuid.UUID, node_id: str) -> Node:
        """A node of one of these versions (navigator.NavigationError when it lacks it)."""
        return navigator.node_of(await self.get(version_id), node_id)

    async def number(self, version_id: uuid.UUID) -> int:
        return (await self._version(version_id)).number

    async def title(self, version_id: uuid.UUID) -> str:
        return (await self._version(version_id)).title
