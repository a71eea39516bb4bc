"""Answers encoded once: JSON bytes sent as they are, and a cache of the encoded form of what
never changes (published tree versions).

FastAPI encodes a returned model with pydantic-core directly; an endpoint that already holds
its answer's bytes returns `EncodedJSON(bytes)` (declaring `response_model` for the OpenAPI
document) and nothing is validated or encoded again."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from starlette.responses import Response

KeyT = TypeVar("KeyT", bound=Hashable)


class EncodedJSON(Response):
    """A JSON answer whose body is already encoded."""

    media_type = "application/json"


class EncodedCache(Generic[KeyT]):
    """The encoded form of immutable values, the most recently used `size` of them, per
    process. Only for values that can never change under their key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[KeyT, bytes] = OrderedDict()

    def find(self, key: KeyT) -> bytes | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: KeyT, encoded: bytes) -> bytes:
        self._items[key] = encoded
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return encoded


def splice_last(encoded: bytes, name: str, value: bytes) -> bytes:
    """`encoded` (a JSON object whose last member is `name: null`) with that member's value
    replaced by the encoded `value`."""
    tail = b'"' + name.encode() + b'":null}'
    if not encoded.endswith(tail):
        raise ValueError(f"the object does not end with {name}: null")
    return encoded[: -len(b"null}")] + value + b"}"
