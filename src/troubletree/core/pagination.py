"""Cursor pagination, the same for every list of the API.

A list is ordered by a key and the row id (both in one direction), and a page is read with one
row more than it shows: that row says whether there is a next page. The cursor names the list it
belongs to and carries the last row's key and id, as url-safe base64 of a JSON array
`[kind, key, id]`. It is opaque to clients; a cursor of another list, or one that does not
decode, answers 422 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from troubletree.core.errors import Unprocessable
from troubletree.core.models import INT4_MAX

KeyT = TypeVar("KeyT")
RowT = TypeVar("RowT")


class InvalidCursor(Unprocessable):
    code = "invalid_cursor"
    message = "This cursor is not valid for this list; start again without it."

    def __init__(self) -> None:
        super().__init__(field="cursor")


def encode_cursor(kind: str, key: Any, item_id: uuid.UUID) -> str:
    """A cursor after the row with this key and id (`key` must be JSON: a datetime is written
    in ISO form)."""
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = json.dumps([kind, key, str(item_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    kind: str, cursor: str | None, key: Callable[[Any], KeyT]
) -> tuple[KeyT, uuid.UUID] | None:
    """The (key, id) a cursor of list `kind` points after, or None without a cursor. `key`
    turns the decoded JSON key back into the list's key type, raising ValueError or TypeError
    when it cannot (see the `*_key` functions below)."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, found_key, item_id = json.loads(raw)
        if found_kind != kind:
            raise InvalidCursor()
        return key(found_key), uuid.UUID(item_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc


def page_of(
    rows: Sequence[RowT], limit: int, cursor_after: Callable[[RowT], str]
) -> tuple[Sequence[RowT], str | None]:
    """The page (at most `limit` of `rows`, which were read with `limit + 1`) and the cursor
    of the next page, None on the last."""
    page = rows[:limit]
    more = len(rows) > limit and bool(page)
    return page, cursor_after(page[-1]) if more else None


# --------------------------------------------------------------------------- key types


def str_key(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a text key")
    return value


def int_key(value: Any) -> int:
    """An integer key: every one comes from an `integer` column, so it is in that range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("an integer key")
    if not -INT4_MAX - 1 <= value <= INT4_MAX:
        raise ValueError("an integer key out of the column's range")
    return value


def datetime_key(value: Any) -> datetime:
    return datetime.fromisoformat(str_key(value))


def number_key(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("a number key")
    return float(value)


# --------------------------------------------------------------------------- append-only logs

INT8_MAX = 2**63 - 1


def encode_id_cursor(kind: str, item_id: int) -> str:
    """A cursor after the row with this identity key, for a log read newest first by its
    `bigint` id alone (the id is the order: rows are only ever appended)."""
    raw = json.dumps([kind, item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id_cursor(kind: str, cursor: str | None) -> int | None:
    """The id a cursor of log `kind` points after, or None without a cursor."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_kind, item_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if (
        found_kind != kind
        or not isinstance(item_id, int)
        or isinstance(item_id, bool)
        or not 0 < item_id <= INT8_MAX
    ):
        raise InvalidCursor()
    return item_id
