"""Large JSON bodies decoded and validated off the event loop.

A whole tree (create, draft save, import) can be megabytes of JSON: decoding it and validating
5,000 nodes into the model is pure Python that holds the GIL for a few hundred milliseconds, and
on the event loop every other request would wait meanwhile. `parsed_body(Model)` replaces
FastAPI's own body parameter for such endpoints: bodies of `BODY_OFFLOAD_BYTES` or more are
decoded and validated in the process pool (`core/offload.py`), smaller ones in place (the hop
costs more than they do). Either way the steps are FastAPI's: `json.loads`, then the model's
validation of the decoded value, errors located under `body`, so clients get the same 422
(and the same 400 for bytes that are not text) as from any other endpoint.

The parameter is a dependency, so FastAPI no longer documents the body by itself:
`body_openapi(Model)` goes in the route's `openapi_extra`, and `install_openapi` adds the
models to the document's components.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from troubletree.core.db import SettingsDep
from troubletree.core.offload import Pool

M = TypeVar("M", bound=BaseModel)

# The models some endpoint takes this way, for the OpenAPI document's components.
DOCUMENTED: dict[str, type[BaseModel]] = {}


def _model(path: str) -> type[BaseModel]:
    module, name = path.rsplit(":", 1)
    model: type[BaseModel] = getattr(importlib.import_module(module), name)
    return model


def parse_json_body(model_path: str, body: bytes) -> tuple[bool, Any]:
    """(True, the validated model) or (False, the errors as plain data, under `body`); raises
    UnicodeDecodeError for bytes that are not text. Plain data in and out: it runs in a
    worker process as well."""
    if not body:
        return False, [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        return False, [
            {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
        ]
    try:
        # As FastAPI validates a body parameter (from_attributes: its error codes).
        return True, _model(model_path).model_validate(value, from_attributes=True)
    except ValidationError as exc:
        return False, [
            {**error, "loc": ("body", *error["loc"])}
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]


def parsed_body(model: type[M]) -> Any:
    """`body: Annotated[Model, parsed_body(Model)]`, declared after the endpoint's caller and
    other lookups (dependencies run in order: a caller who may not call the endpoint is refused
    before the body is parsed)."""
    path = f"{model.__module__}:{model.__qualname__}"
    DOCUMENTED[model.__name__] = model

    async def dependency(request: Request, pool: Pool, settings: SettingsDep) -> M:
        body = await request.body()
        try:
            if len(body) >= settings.body_offload_bytes:
                ok, value = await pool.run(parse_json_body, path, body)
            else:
                ok, value = parse_json_body(path, body)
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "There was an error parsing the body") from exc
        if not ok:
            raise RequestValidationError(value)
        parsed: M = value
        return parsed

    return Depends(dependency)


def body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """The route's `openapi_extra`: the body as FastAPI documents a model parameter."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }
