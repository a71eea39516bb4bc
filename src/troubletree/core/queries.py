"""What every repository shares: narrowing a query to the caller's account and matching text with
LIKE. Each rule lives here once; repositories never write their own."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import BindParameter

# The escape character of every LIKE pattern built here (PostgreSQL's default, written out so a
# statement never depends on `standard_conforming_strings`).
LIKE_ESCAPE = "\\"


class _Filterable(Protocol):
    def where(self, *whereclause: Any) -> Self: ...


Stmt = TypeVar("Stmt", bound=_Filterable)


def scoped(stmt: Stmt, model: Any, account_id: uuid.UUID | BindParameter[Any]) -> Stmt:
    """The one place account-owned rows are narrowed to the caller's account. `stmt` is a
    select, update or delete; `model` a mapped class (or alias) or a table's columns;
    `account_id` a value or, in a statement built once, a bound parameter."""
    return stmt.where(model.account_id == account_id)


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character taken literally."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def escape_like_sql(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """`escape_like` computed by PostgreSQL, for a pattern made from a value the query derives
    itself (a lexeme, say)."""
    for special in (LIKE_ESCAPE, "%", "_"):
        expr = func.replace(expr, special, LIKE_ESCAPE + special)
    return expr


def contains(
    expr: ColumnElement[Any] | InstrumentedAttribute[Any], text: str
) -> ColumnElement[bool]:
    """`expr` contains `text` (case as given: lower both sides for a case-blind match)."""
    return expr.like(f"%{escape_like(text)}%", escape=LIKE_ESCAPE)


def starts_with(
    expr: ColumnElement[Any] | InstrumentedAttribute[Any], text: str
) -> ColumnElement[bool]:
    """`expr` starts with `text` (case as given), able to use a `text_pattern_ops` index."""
    return expr.like(f"{escape_like(text)}%", escape=LIKE_ESCAPE)
