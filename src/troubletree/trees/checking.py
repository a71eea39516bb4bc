"""Checking a stored draft for publishing, as one pure step that may run in a worker process.

A draft of thousands of nodes takes a few hundred milliseconds to load into the model, validate
and turn back into its stored form: pure Python that holds the GIL, so on the event loop it
would stall every other request meanwhile. Publishing and validating therefore hand large
drafts to the bounded process pool (`core/offload.py`) and small ones are checked in place (a
process hop costs more than they do); `GRAPH_OFFLOAD_NODES` draws the line. Plain data in and
out, so it pickles: the stored draft (a jsonb dict), the current version's, and the published
trees links may point at.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from troubletree.trees.graph import Graph, Problem, validate_graph

# Drafts of at least this many nodes are checked in the process pool (GRAPH_OFFLOAD_NODES).
OFFLOAD_NODES = 500


@dataclass(frozen=True)
class DraftCheck:
    """`problems` (the API's form: fields start with `graph.`; empty: publishable); when there
    are none, `stored` is the draft's jsonb form, `node_text` its searchable text and
    `same_as_current` whether it equals the current version."""

    problems: list[dict[str, Any]]
    stored: dict[str, Any] | None = None
    node_text: str = ""
    same_as_current: bool = False


def stored_graph(graph: Graph) -> dict[str, Any]:
    """The jsonb form of a graph: defaults left out (they come back on reading)."""
    return graph.model_dump(mode="json", exclude_defaults=True)


def load_problems(exc: ValidationError, field: str = "graph") -> list[Problem]:
    """A stored graph that no longer fits today's model, as problems by field."""
    return [
        Problem(
            node_id=None,
            field=f"{field}." + ".".join(str(p) for p in err["loc"]),
            code=str(err["type"]),
            message=str(err["msg"]),
        )
        for err in exc.errors()
    ]


def link_targets_of(document: dict[str, Any]) -> set[uuid.UUID]:
    """The trees the link nodes of a stored graph point at (read without loading it)."""
    found: set[uuid.UUID] = set()
    for node in document.get("nodes") or []:
        if isinstance(node, dict) and node.get("kind") == "link" and node.get("tree_id"):
            try:
                found.add(uuid.UUID(str(node["tree_id"])))
            except ValueError:
                continue  # loading the graph names it
    return found


def check_draft(
    draft: dict[str, Any],
    current: dict[str, Any] | None,
    published_trees: Collection[uuid.UUID],
    tree_id: uuid.UUID,
    problems_only: bool = False,
) -> DraftCheck:
    """Everything publishing needs to know about a draft, computed without the database;
    `problems_only` for a check that publishes nothing (less to send back)."""
    try:
        graph = Graph.model_validate(draft)
    except ValidationError as exc:
        return DraftCheck([p.model_dump() for p in load_problems(exc)])
    problems = validate_graph(graph, published_trees=published_trees, tree_id=tree_id)
    if problems:
        return DraftCheck([{**p.model_dump(), "field": f"graph.{p.field}"} for p in problems])
    if problems_only:
        return DraftCheck([])
    stored = stored_graph(graph)
    same = False
    if current is not None:
        try:
            same = stored_graph(Graph.model_validate(current)) == stored
        except ValidationError:
            same = False
    node_text = "\n".join(f"{n.title}\n{n.body or ''}" for n in graph.nodes)
    return DraftCheck([], stored, node_text, same)
