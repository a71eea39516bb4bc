"""The OpenAPI document as the API really behaves: its own error bodies, and links between the
operations that create a resource and those that use it.

- 422: FastAPI documents its default `HTTPValidationError`, which no endpoint ever sends; every
  such response is described as the API's `ErrorResponse` (a list of ErrorBody naming each
  field) and the default's schemas leave the document.
- 400: a body that cannot even be decoded (bytes that are not UTF-8 under a JSON content type)
  is refused by FastAPI before validation with 400 `bad_request`; every operation that takes a
  body documents it.
- Links (OpenAPI 3 `links`): the id in a create operation's answer feeds the operations that
  read, change and delete that resource. Clients and generators can follow them, and the
  stateful fuzzing (tests/core/test_fuzz.py) walks create -> read -> update -> delete by them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from troubletree.core.bodies import DOCUMENTED
from troubletree.core.errors import ErrorBody, ErrorResponse

ERROR_REF = "#/components/schemas/ErrorResponse"

# create operation -> (path parameter its id fills, the operations that take it).
LINKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "trees-create_tree": (
        "tree_id",
        (
            "trees-read_tree",
            "trees-update_tree",
            "trees-validate_tree",
            "trees-publish_tree",
            "trees-export_tree",
            "trees-list_tree_versions",
            "trees-delete_tree",
        ),
    ),
    "sessions-create_session": (
        "session_id",
        (
            "sessions-read_session",
            "sessions-update_session",
            "sessions-start_session",
            "sessions-record_step",
            "sessions-go_back",
            "sessions-export_session",
            "sessions-complete_session",
            "sessions-abandon_session",
        ),
    ),
    "trees-create_category": (
        "category_id",
        ("trees-rename_category", "trees-delete_category"),
    ),
    "account-create_account_invite": ("invite_id", ("account-revoke_account_invite",)),
    "platform-create_platform_invite": ("invite_id", ("platform-revoke_platform_invite",)),
}
LINKS["trees-import_tree"] = LINKS["trees-create_tree"]


def _is_default_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for path in schema.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def _error_schema(schema: dict[str, Any], operations: dict[str, dict[str, Any]]) -> None:
    for operation in operations.values():
        if "requestBody" in operation:
            operation["responses"].setdefault(
                "400",
                {
                    "description": "The body could not be decoded.",
                    "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
                },
            )
        response = operation.get("responses", {}).get("422")
        if response is not None and _is_default_validation_error(response):
            response["description"] = "The request is not valid (each field named)."
            response["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    if "ErrorResponse" not in components:
        components["ErrorResponse"] = ErrorResponse.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components["ErrorBody"] = ErrorBody.model_json_schema()


def _links(operations: dict[str, dict[str, Any]]) -> None:
    for source, (parameter, targets) in LINKS.items():
        created = operations[source]["responses"]["201"]
        created["links"] = {
            target.split("-", 1)[1]: {
                "operationId": target,
                "parameters": {parameter: "$response.body#/id"},
            }
            for target in targets
            if target in operations
        }


def _parsed_bodies(app: FastAPI, schema: dict[str, Any]) -> None:
    """The models endpoints take through `core.bodies.parsed_body`, which FastAPI does not see
    as bodies, in the components exactly as FastAPI writes a body model: a document of its own
    with one operation per model, its schemas added where the document lacks them."""
    if not DOCUMENTED:
        return
    bodies = FastAPI(separate_input_output_schemas=app.separate_input_output_schemas)
    for name, model in DOCUMENTED.items():

        async def takes(body: Any) -> None:
            return None

        takes.__annotations__ = {"body": model, "return": None}  # the model itself, not a name
        bodies.post(f"/{name}", operation_id=name)(takes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in bodies.openapi()["components"]["schemas"].items():
        if name not in {"HTTPValidationError", "ValidationError"}:
            components.setdefault(name, definition)


def install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        operations = _operations(schema)
        _parsed_bodies(app, schema)
        _error_schema(schema, operations)
        _links(operations)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
