"""The API contract of trees, versions, categories, tags, search, export and import."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from troubletree.auth.schemas import StrictBody
from troubletree.core.models import INT4_MAX
from troubletree.trees import logic
from troubletree.trees.diff import GraphDiff
from troubletree.trees.graph import MAX_VARIABLES, Graph, Problem, Variable, no_nul
from troubletree.trees.models import TreeStatus

MAX_TAGS = 20
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
EXPORT_FORMAT: Literal["troubletree.tree"] = "troubletree.tree"


def _clean_name(value: str) -> str:
    """Collapses runs of whitespace; refuses control characters."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise PydanticCustomError("invalid_characters", "Control characters are not allowed.")
    return " ".join(value.split())


TagName = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_clean_name)]
CategoryName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_clean_name)]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE), AfterValidator(_clean_name)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION), AfterValidator(no_nul)]


def _unique_ids(value: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    return list(dict.fromkeys(value)) if value is not None else None


# --------------------------------------------------------------------------- requests


class TreeCreate(StrictBody):
    title: Title
    description: Description = ""
    category_id: uuid.UUID | None = None
    tags: list[TagName] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Tag names; tags that do not exist yet are created in the account.",
    )
    tag_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_TAGS)
    graph: Graph | None = Field(default=None, description="The draft graph; empty when left out.")


class TreeUpdate(StrictBody):
    """Fields left out stay as they are; `tags`/`tag_ids`, when given, replace the set."""

    base_revision: int = Field(
        ge=1,
        le=INT4_MAX,
        description="The draft revision this edit is based on (409 when it is stale).",
    )
    title: Title | None = None
    description: Description | None = None
    category_id: uuid.UUID | None = Field(default=None, description="null removes the category.")
    tags: list[TagName] | None = Field(default=None, max_length=MAX_TAGS)
    tag_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_TAGS)
    graph: Graph | None = None
    status: TreeStatus | None = Field(
        default=None,
        description="archived hides the tree; published brings back a tree that has a "
        "version; draft takes it off line for technicians.",
    )

    @field_validator("title", "description", "tags", "tag_ids", "graph", "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise PydanticCustomError("null_not_allowed", "Leave the field out instead of null.")
        return value


class PublishRequest(StrictBody):
    changelog: Annotated[str, AfterValidator(no_nul)] = Field(default="", max_length=500)
    base_revision: int | None = Field(
        default=None,
        ge=1,
        le=INT4_MAX,
        description="Publish only if the draft is still at this revision.",
    )


class RestoreRequest(StrictBody):
    base_revision: int = Field(ge=1, le=INT4_MAX)


class FromTemplate(StrictBody):
    template_id: str = Field(min_length=1, max_length=100)
    title: Title | None = Field(default=None, description="Default: the template's title.")


class RuleCheck(StrictBody):
    """A rule expression tried against sample values, as the editor's rule box sends it."""

    expression: Annotated[str, AfterValidator(no_nul)] = Field(max_length=logic.MAX_SOURCE_LENGTH)
    variables: list[Variable] = Field(
        default_factory=list,
        max_length=MAX_VARIABLES,
        description="The tree's variables (names the expression may read).",
    )
    values: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict,
        max_length=MAX_VARIABLES,
        description="Sample values by variable name; a variable left out has no value.",
    )


class CategoryCreate(StrictBody):
    name: CategoryName


class CategoryUpdate(StrictBody):
    name: CategoryName


# --------------------------------------------------------------------------- responses


class CategoryRef(BaseModel):
    id: uuid.UUID
    name: str


class VersionRef(BaseModel):
    id: uuid.UUID
    number: int
    published_at: datetime


class TreeRead(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    status: TreeStatus
    category: CategoryRef | None
    tags: list[str]
    usage_count: int
    draft_revision: int
    current_version: VersionRef | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class DraftRead(BaseModel):
    revision: int
    graph: Graph


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    title: str
    changelog: str
    published_by: uuid.UUID | None
    published_at: datetime


class VersionRead(VersionSummary):
    graph: Graph


class VersionListItem(VersionSummary):
    """A row of the versions panel."""

    published_by_name: str | None = Field(description="null: the publisher's user is gone.")
    session_count: int = Field(description="Sessions that ran (pinned) this version.")
    is_live: bool = Field(description="The tree's current version, the one technicians run.")


class TreeDetail(TreeRead):
    draft: DraftRead | None = Field(description="Authors only.")
    published: VersionRead | None = Field(description="The current version, with its graph.")


class TreePage(BaseModel):
    items: list[TreeRead]
    next_cursor: str | None


class VersionPage(BaseModel):
    items: list[VersionListItem]
    next_cursor: str | None


class TemplateRead(BaseModel):
    """A starter tree shipped with the product."""

    id: str
    title: str
    description: str
    tags: list[str]
    node_count: int


class RuleError(BaseModel):
    message: str
    position: int = Field(description="0-based character position in the expression.")
    length: int = Field(description="How many characters to mark (at least 1).")


class RuleCheckResult(BaseModel):
    ok: bool = Field(description="The expression parses and reads declared variables only.")
    error: RuleError | None
    result: bool | None = Field(description="What the rule gives for the values (ok only).")
    variables_used: list[str] = Field(description="The variables the expression reads.")


class GrammarItem(BaseModel):
    text: str = Field(description="What to insert.")
    kind: Literal["operator", "keyword", "literal"]
    description: str
    example: str


class RuleGrammar(BaseModel):
    """What the rule language offers, for autocomplete (it has no functions)."""

    items: list[GrammarItem]
    max_length: int


class TreeUsage(BaseModel):
    trees: int
    max_trees: int | None


class CategoryRead(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    tree_count: int
    created_at: datetime


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    usage_count: int


class HighlightPart(BaseModel):
    text: str
    match: bool


class SearchHit(BaseModel):
    tree: TreeRead
    score: float
    title_highlight: list[HighlightPart]
    snippet: list[HighlightPart]


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None
    did_you_mean: str | None = Field(
        default=None,
        description="Nothing found: the query with each word the account's trees do not "
        "hold replaced by the nearest word they do (null when no word changes).",
    )


class EmptySearchRead(BaseModel):
    query: str = Field(description="The query (as last typed, for queries differing in case).")
    count: int = Field(description="How often it was searched in the period.")
    last_searched_at: datetime


class ValidationReport(BaseModel):
    is_valid: bool
    problems: list[Problem]


class VersionDiff(GraphDiff):
    from_version: int = Field(description="The version compared from (`live` resolved).")
    to_version: int | Literal["draft"]


class RestoreResult(TreeDetail):
    """The tree after the restore, and the draft as it was before: undo is a save of
    `previous_draft.graph` with `base_revision` = the new `draft_revision`."""

    previous_draft: DraftRead


# --------------------------------------------------------------------------- export and import


class TreeDocumentMeta(StrictBody):
    title: Title
    description: Description = ""
    category: CategoryName | None = None
    tags: list[TagName] = Field(default_factory=list, max_length=MAX_TAGS)


class TreeDocumentSource(StrictBody):
    tree_id: uuid.UUID | None = None
    version: int | None = None
    draft_revision: int | None = None


class TreeDocument(StrictBody):
    """A tree as a file: the graph plus its metadata. Export answers it, import takes it."""

    format: Literal["troubletree.tree"] = EXPORT_FORMAT
    format_version: Literal[1] = 1
    exported_at: datetime | None = None
    tree: TreeDocumentMeta
    graph: Graph
    source: TreeDocumentSource | None = None


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.model_dump() for p in problems]
