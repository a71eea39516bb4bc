"""Where a session is and what comes next. Pure: graphs, steps and variables in, plain data out.

A session's steps are an append-only event log. Replaying it gives the *path* (the nodes from the
start to the current node, each with the answer that left it) and the answers remembered from
branches the technician went back on, which are offered again when their node comes back.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from troubletree.sessions.markdown import inert
from troubletree.trees import logic
from troubletree.trees.graph import TERMINAL_KINDS, Graph, Node, Variable

MAX_AUTO_MOVES = 200  # logic and link nodes followed in a row before giving up (a cycle)
MAX_TEXT_VARIABLE = 2000


class NavigationError(ValueError):
    """The graph cannot move on from here (e.g. a loop of logic nodes)."""


@dataclass(frozen=True)
class StepEvent:
    seq: int
    kind: str
    version_id: uuid.UUID | None
    node_id: str | None
    option_id: str | None
    answer_label: str | None
    to_version_id: uuid.UUID
    to_node_id: str
    path_index: int | None
    note: str | None
    created_at: datetime


@dataclass
class PathEntry:
    """A node on the current path: when it was reached and how it was left."""

    version_id: uuid.UUID
    node_id: str
    arrived_at: datetime
    left_by: StepEvent | None = None

    @property
    def seconds_spent(self) -> float | None:
        if self.left_by is None:
            return None
        return max(0.0, (self.left_by.created_at - self.arrived_at).total_seconds())


@dataclass
class Position:
    path: list[PathEntry] = field(default_factory=list)
    # (version, node) -> (option id, label) of the newest answer ever given there.
    remembered: dict[tuple[uuid.UUID, str], tuple[str, str]] = field(default_factory=dict)

    @property
    def current(self) -> PathEntry:
        return self.path[-1]


def replay(steps: Sequence[StepEvent]) -> Position:
    position = Position()
    for step in sorted(steps, key=lambda s: s.seq):
        if step.kind == "start":
            position.path = [PathEntry(step.to_version_id, step.to_node_id, step.created_at)]
        elif step.kind == "back":
            index = step.path_index if step.path_index is not None else 0
            position.path = position.path[: index + 1]
            position.path[-1] = PathEntry(step.to_version_id, step.to_node_id, step.created_at)
        else:
            if not position.path:
                raise NavigationError("a step before the start")
            position.path[-1].left_by = step
            if step.kind == "answer" and step.option_id:
                entry = position.path[-1]
                position.remembered[(entry.version_id, entry.node_id)] = (
                    step.option_id,
                    step.answer_label or "",
                )
            position.path.append(PathEntry(step.to_version_id, step.to_node_id, step.created_at))
    return position


# --------------------------------------------------------------------------- graphs


def node_of(graph: Graph, node_id: str) -> Node:
    for node in graph.nodes:
        if node.id == node_id:
            return node
    raise NavigationError(f"node {node_id!r} is not in this version")


def is_terminal(node: Node) -> bool:
    return node.kind in TERMINAL_KINDS


@dataclass(frozen=True)
class AutoMove:
    kind: str  # "auto" (logic) or "link"
    to_node_id: str | None  # for auto
    link_tree_id: uuid.UUID | None  # for link: the service resolves the published version
    label: str | None


def automatic_move(
    node: Node, definitions: Sequence[Variable], variables: Mapping[str, object]
) -> AutoMove | None:
    """What happens on arriving at a node by itself: a logic node branches on the variables,
    a link node continues in another tree. None: the technician acts, or a logic node waits
    for a required variable it reads (optional ones may stay empty: the rules see no value)."""
    if node.kind == "logic":
        required = {v.name for v in definitions if v.required != "optional"}
        if any(variables.get(name) in (None, "") for name in logic_inputs(node) & required):
            return None
        for rule in node.rules:
            if rule.next and _matches(rule.when, variables):
                return AutoMove("auto", rule.next, None, rule.label or rule.when)
        if node.default:
            return AutoMove("auto", node.default, None, "Otherwise")
        return None
    if node.kind == "link" and node.tree_id is not None:
        return AutoMove("link", None, node.tree_id, node.title or "Continue in the linked tree")
    return None


def _matches(source: str, variables: Mapping[str, object]) -> bool:
    try:
        return logic.evaluate_source(source, variables)
    except logic.LogicError:
        return False


def logic_inputs(node: Node) -> set[str]:
    """The variables a logic node's rules read."""
    names: set[str] = set()
    for rule in node.rules:
        try:
            names |= logic.variables_of(logic.parse(rule.when))
        except logic.LogicError:
            continue
    return names


# --------------------------------------------------------------------------- variables


def coerce_variable(variable: Variable, value: object) -> object:
    """A stored value of the variable's type, or ValueError with a message for people."""
    if value is None:
        return None
    if variable.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("Enter a number.")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("Enter a number.") from None
        if not math.isfinite(number):
            raise ValueError("Enter a finite number.")
        return int(number) if number.is_integer() else number
    if variable.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "yes", "1", "false", "no", "0"}:
            return value.lower() in {"true", "yes", "1"}
        raise ValueError("Choose yes or no.")
    if variable.type == "date":
        if not isinstance(value, str):
            raise ValueError("Enter a date as YYYY-MM-DD.")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("Enter text.")
    text = str(value).strip()
    if len(text) > MAX_TEXT_VARIABLE:
        raise ValueError(f"Use at most {MAX_TEXT_VARIABLE} characters.")
    if variable.type == "choice" and variable.choices and text not in variable.choices:
        raise ValueError("Choose one of: " + ", ".join(variable.choices) + ".")
    return text


def merge_variables(
    definitions: Sequence[Variable], current: Mapping[str, Any], updates: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Applies updates (None clears a value): the new values, and problems by variable name."""
    known = {v.name: v for v in definitions}
    values = dict(current)
    problems: dict[str, str] = {}
    for name, raw in updates.items():
        variable = known.get(name)
        if variable is None:
            problems[name] = "This tree has no such variable."
            continue
        try:
            value = coerce_variable(variable, raw)
        except ValueError as exc:
            problems[name] = str(exc)
            continue
        if value is None or value == "":
            values.pop(name, None)
        else:
            values[name] = value
    return values, problems


def missing_variables(
    definitions: Sequence[Variable], values: Mapping[str, Any], *stages: str
) -> list[Variable]:
    return [v for v in definitions if v.required in stages and values.get(v.name) in (None, "")]


# --------------------------------------------------------------------------- text

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")


def interpolate(
    text: str | None,
    definitions: Sequence[Variable],
    values: Mapping[str, Any],
    *,
    markdown: bool = True,
) -> str:
    """Replaces {{name}} by the value; an unset variable shows as a visible marker. Values are
    made inert Markdown (`markdown.inert`) unless `markdown=False` (plain text out, e.g. the
    transcript, which escapes for its own format). Only substitution happens: no expression or
    template code is ever evaluated."""
    if not text:
        return ""
    if "{{" not in text:  # most titles have no placeholder
        return text
    labels = {v.name: v.label for v in definitions}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or value == "":
            label = labels.get(name, name)
            return f"[{inert(label, starts_line=False) if markdown else label}: not set]"
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if not markdown:
            return str(value)
        line_start = text.rfind("\n", 0, match.start()) + 1
        starts_line = not text[line_start : match.start()].strip(" \t")
        return inert(str(value), starts_line=starts_line)

    return _PLACEHOLDER.sub(replace, text)
