"""The tree graph document (DESIGN section 3): Pydantic models, publish validation, diffs.

Pure: plain data in, plain data out, no database. The models enforce types and sizes, so every
stored draft is well-formed JSON of the right shape; drafts may still be incomplete (a dangling
`next`, no start yet). `validate_graph` is the full check run on publish: it returns every problem
it finds, each naming the node and the field, and an empty list means the graph can be published.

A node may have several parents (any number of options may point at it) and cycles are allowed
("try again" loops), as long as every node is reachable from the start and can reach an end: a
terminal node (solution, escalation) or a link into another published tree.
"""

from __future__ import annotations

import math
import uuid
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from troubletree.trees import logic

MAX_NODES = 5000
MAX_OPTIONS = 100
MAX_RULES = 100
MAX_VARIABLES = 100
MAX_BODY_BYTES = 64 * 1024
MAX_TITLE_LENGTH = 500
MAX_GRAPH_TEXT_BYTES = 16 * 1024 * 1024

NodeKind = Literal["question", "action", "solution", "escalation", "logic", "link"]
TERMINAL_KINDS: frozenset[str] = frozenset({"solution", "escalation"})
# Where a path may end: a terminal node, or a link that continues in another published tree.
EXIT_KINDS: frozenset[str] = TERMINAL_KINDS | {"link"}
CHOICE_KINDS: frozenset[str] = frozenset({"question", "action"})


def no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL characters (text or jsonb): refuse them by field."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "NUL characters are not allowed.")
    return value


Text = Annotated[str, AfterValidator(no_nul)]
NodeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(no_nul)]
OUTCOME_LABEL_MAX = 80
OutcomeLabel = Annotated[
    str, StringConstraints(min_length=1, max_length=OUTCOME_LABEL_MAX), AfterValidator(no_nul)
]


class _GraphModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Variable(_GraphModel):
    """An intake value asked of the technician (`required`: when it must be known)."""

    name: VariableName
    label: Label
    type: Literal["text", "number", "boolean", "choice", "date"] = "text"
    required: Literal["at_start", "before_complete", "optional"] = "optional"
    choices: list[Label] | None = Field(default=None, max_length=100)
    help: Text | None = Field(default=None, max_length=1000)


class Option(_GraphModel):
    id: NodeId
    label: Text = Field(default="", max_length=200)
    next: NodeId | None = None


class Rule(_GraphModel):
    """One branch of a logic node: taken when `when` is true (rules are tried in order)."""

    when: Text = Field(max_length=logic.MAX_SOURCE_LENGTH)
    next: NodeId | None = None
    label: Text | None = Field(default=None, max_length=200)


class Position(_GraphModel):
    """Where the editor draws the node; no meaning to validation or diffs."""

    x: float
    y: float

    @field_validator("x", "y")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "Use a finite number.")
        return value


class Node(_GraphModel):
    id: NodeId
    kind: NodeKind
    title: Text = Field(default="", max_length=MAX_TITLE_LENGTH)
    body: Text | None = None
    options: list[Option] = Field(default_factory=list, max_length=MAX_OPTIONS)
    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)
    default: NodeId | None = Field(
        default=None, description="logic: where to go when no rule matches"
    )
    tree_id: uuid.UUID | None = Field(
        default=None, description="link: the published tree to continue in"
    )
    outcome_label: OutcomeLabel | None = Field(
        default=None,
        description="solution, escalation: what a session ending here is reported as",
    )
    position: Position | None = None

    @field_validator("body")
    @classmethod
    def _body_size(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode("utf-8")) > MAX_BODY_BYTES:
            raise PydanticCustomError(
                "body_too_large",
                "A node body can be at most {limit} bytes (64 KiB).",
                {"limit": MAX_BODY_BYTES},
            )
        return value


class Graph(_GraphModel):
    start: NodeId | None = None
    variables: list[Variable] = Field(default_factory=list, max_length=MAX_VARIABLES)
    nodes: list[Node] = Field(default_factory=list, max_length=MAX_NODES)

    @field_validator("nodes")
    @classmethod
    def _total_size(cls, nodes: list[Node]) -> list[Node]:
        total = sum(len(n.title) + len(n.body or "") for n in nodes)
        if total > MAX_GRAPH_TEXT_BYTES:
            raise PydanticCustomError(
                "graph_too_large",
                "The node titles and bodies together exceed {limit} bytes.",
                {"limit": MAX_GRAPH_TEXT_BYTES},
            )
        return nodes


def empty_graph() -> Graph:
    return Graph()


class Problem(BaseModel):
    """One reason a graph cannot be published."""

    node_id: str | None
    field: str
    code: str
    message: str


# --------------------------------------------------------------------------- structure


def successors(node: Node) -> Iterator[str]:
    """The ids a node can lead to (options, logic rules and default)."""
    for option in node.options:
        if option.next:
            yield option.next
    for rule in node.rules:
        if rule.next:
            yield rule.next
    if node.default:
        yield node.default


def link_targets(graph: Graph) -> set[uuid.UUID]:
    return {n.tree_id for n in graph.nodes if n.kind == "link" and n.tree_id is not None}


def _first_index(graph: Graph) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, node in enumerate(graph.nodes):
        index.setdefault(node.id, i)
    return index


def reachable_from(graph: Graph, start: str) -> set[str]:
    index = _first_index(graph)
    if start not in index:
        return set()
    seen = {start}
    queue = deque([start])
    while queue:
        node = graph.nodes[index[queue.popleft()]]
        for nxt in successors(node):
            if nxt in index and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def can_reach_exit(graph: Graph) -> set[str]:
    """Ids of the nodes from which some path reaches a terminal node or a link."""
    index = _first_index(graph)
    parents: dict[str, set[str]] = {node_id: set() for node_id in index}
    for node_id, i in index.items():
        for nxt in successors(graph.nodes[i]):
            if nxt in parents:
                parents[nxt].add(node_id)
    exits = [node_id for node_id, i in index.items() if graph.nodes[i].kind in EXIT_KINDS]
    seen = set(exits)
    queue = deque(exits)
    while queue:
        for parent in parents[queue.popleft()]:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return seen


# --------------------------------------------------------------------------- validation


def named(node: Node) -> str:
    """A node as authors know it: its title, the id as a hint (`"Check the cable" (node
    q3)`); the id alone while it has no title."""
    title = " ".join(node.title.split())
    if not title:
        return f"the node {node.id}"
    if len(title) > 60:
        title = title[:57].rstrip() + "…"
    return f'"{title}" (node {node.id})'


def a_kind(kind: str) -> str:
    """ "an action node", "a question node"."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} node"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, node_id: str | None, field: str, code: str, message: str) -> None:
        self.items.append(Problem(node_id=node_id, field=field, code=code, message=message))


def validate_graph(
    graph: Graph,
    *,
    published_trees: Collection[uuid.UUID] | None = None,
    tree_id: uuid.UUID | None = None,
) -> list[Problem]:
    """Every reason this graph cannot be published (empty: it can).

    `published_trees`: the trees link nodes may point at (published, same account); None skips
    that check. `tree_id`: the tree being published, which a link may not point back to.
    """
    problems = _Problems()
    if not graph.nodes:
        problems.add(None, "nodes", "no_nodes", "The tree has no nodes yet.")
    if len(graph.nodes) > MAX_NODES:
        problems.add(
            None,
            "nodes",
            "too_many_nodes",
            f"A tree can have at most {MAX_NODES} nodes; this one has {len(graph.nodes)}.",
        )

    index = _first_index(graph)
    for i, node in enumerate(graph.nodes):
        if index[node.id] != i:
            first = graph.nodes[index[node.id]]
            problems.add(
                node.id,
                f"nodes[{i}].id",
                "duplicate_node_id",
                f"{_sentence(named(node))} has the same id as {named(first)}: give it another id.",
            )

    if graph.start is None:
        problems.add(None, "start", "missing_start", "Choose the node the tree starts with.")
    elif graph.start not in index:
        problems.add(
            None,
            "start",
            "start_not_found",
            f"The tree starts with the node {graph.start}, which does not exist: choose "
            "another start.",
        )

    variables: dict[str, Variable] = {}
    for i, variable in enumerate(graph.variables):
        if variable.name in variables:
            problems.add(
                None,
                f"variables[{i}].name",
                "duplicate_variable",
                f"The variable {variable.name} is declared more than once.",
            )
        variables.setdefault(variable.name, variable)
        if variable.type == "choice" and not variable.choices:
            problems.add(
                None,
                f"variables[{i}].choices",
                "missing_choices",
                f"The choice variable {variable.name} needs at least one choice.",
            )

    for i, node in enumerate(graph.nodes):
        _check_node(problems, i, node, index, variables, published_trees, tree_id)

    def flag_nodes_outside(kept: set[str], code: str, message: str) -> None:
        """A problem on every node (first of its id) that is not in `kept`."""
        for i, node in enumerate(graph.nodes):
            if index[node.id] == i and node.id not in kept:
                problems.add(
                    node.id, f"nodes[{i}]", code, _sentence(message.format(node=named(node)))
                )

    if graph.start in index:
        flag_nodes_outside(
            reachable_from(graph, graph.start),
            "unreachable",
            "No path from the start leads to {node}.",
        )
    flag_nodes_outside(
        can_reach_exit(graph),
        "no_path_to_end",
        "{node} never reaches a solution, an escalation or a link: every path from it "
        "must end in one.",
    )
    return problems.items


def _check_next(
    problems: _Problems,
    node: Node,
    field: str,
    target: str | None,
    index: Mapping[str, int],
    what: str,
) -> None:
    """`what`: the branch as authors see it ("the option \"Yes\"", "rule 2", "the default")."""
    if target is None:
        problems.add(
            node.id,
            field,
            "missing_next",
            f"Choose where {what} of {named(node)} leads.",
        )
    elif target not in index:
        problems.add(
            node.id,
            field,
            "dangling_next",
            f"{_sentence(what)} of {named(node)} leads to the node {target}, which does not exist.",
        )


def _check_node(
    problems: _Problems,
    i: int,
    node: Node,
    index: Mapping[str, int],
    variables: Mapping[str, Variable],
    published_trees: Collection[uuid.UUID] | None,
    tree_id: uuid.UUID | None,
) -> None:
    at = f"nodes[{i}]"
    if not node.title.strip():
        problems.add(node.id, f"{at}.title", "missing_title", f"Give the node {node.id} a title.")
    if node.body is not None and len(node.body.encode("utf-8")) > MAX_BODY_BYTES:
        problems.add(
            node.id,
            f"{at}.body",
            "body_too_large",
            f"The text of {named(node)} is longer than {MAX_BODY_BYTES} bytes (64 KiB).",
        )
    if len(node.options) > MAX_OPTIONS:
        problems.add(
            node.id,
            f"{at}.options",
            "too_many_options",
            f"{_sentence(named(node))} has more than {MAX_OPTIONS} options.",
        )

    if node.kind in CHOICE_KINDS:
        if not node.options:
            problems.add(
                node.id,
                f"{at}.options",
                "missing_options",
                f"{_sentence(named(node))} is {a_kind(node.kind)} and needs at least one option.",
            )
        seen: set[str] = set()
        for j, option in enumerate(node.options):
            if option.id in seen:
                problems.add(
                    node.id,
                    f"{at}.options[{j}].id",
                    "duplicate_option_id",
                    f"The option id {option.id} is used more than once in {named(node)}.",
                )
            seen.add(option.id)
            if not option.label.strip():
                problems.add(
                    node.id,
                    f"{at}.options[{j}].label",
                    "missing_label",
                    f"Option {j + 1} of {named(node)} has no label: give it one.",
                )
            what = (
                f'the option "{option.label.strip()}"'
                if option.label.strip()
                else (f"option {j + 1}")
            )
            _check_next(problems, node, f"{at}.options[{j}].next", option.next, index, what)
    elif node.options:
        code = "terminal_has_options" if node.kind in TERMINAL_KINDS else "options_not_allowed"
        problems.add(
            node.id,
            f"{at}.options",
            code,
            f"{_sentence(named(node))} is {a_kind(node.kind)} and cannot have options.",
        )

    if node.outcome_label is not None and node.kind not in TERMINAL_KINDS:
        problems.add(
            node.id,
            f"{at}.outcome_label",
            "outcome_label_not_allowed",
            f"Only solution and escalation nodes have an outcome label; this is a {node.kind} "
            "node.",
        )

    if node.kind == "logic":
        if not node.rules:
            problems.add(
                node.id,
                f"{at}.rules",
                "missing_rules",
                f"{_sentence(named(node))} is a logic node and needs at least one rule.",
            )
        for j, rule in enumerate(node.rules):
            what = f'the rule "{rule.label}"' if rule.label else f"rule {j + 1}"
            _check_rule(problems, node, f"{at}.rules[{j}]", rule, variables, what)
            _check_next(problems, node, f"{at}.rules[{j}].next", rule.next, index, what)
        _check_next(
            problems, node, f"{at}.default", node.default, index, 'the default ("Otherwise")'
        )
    else:
        if node.rules:
            problems.add(
                node.id,
                f"{at}.rules",
                "rules_not_allowed",
                f"{_sentence(named(node))} is {a_kind(node.kind)}: only logic nodes have rules.",
            )
        if node.default is not None:
            problems.add(
                node.id,
                f"{at}.default",
                "default_not_allowed",
                f"{_sentence(named(node))} is {a_kind(node.kind)}: only logic nodes have a "
                "default.",
            )

    if node.kind == "link":
        if node.tree_id is None:
            problems.add(
                node.id,
                f"{at}.tree_id",
                "missing_link_target",
                f"Choose the published tree {named(node)} continues in.",
            )
        elif tree_id is not None and node.tree_id == tree_id:
            problems.add(
                node.id,
                f"{at}.tree_id",
                "link_to_self",
                f"{_sentence(named(node))} links back into this same tree: choose another tree.",
            )
        elif published_trees is not None and node.tree_id not in published_trees:
            problems.add(
                node.id,
                f"{at}.tree_id",
                "link_not_published",
                f"The tree {named(node)} links to does not exist in this account or is not "
                "published.",
            )
    elif node.tree_id is not None:
        problems.add(
            node.id,
            f"{at}.tree_id",
            "link_target_not_allowed",
            f"{_sentence(named(node))} is {a_kind(node.kind)}: only link nodes point at "
            "another tree.",
        )


def _check_rule(
    problems: _Problems,
    node: Node,
    field: str,
    rule: Rule,
    variables: Mapping[str, Variable],
    what: str,
) -> None:
    try:
        expr = logic.parse(rule.when)
    except logic.LogicError as exc:
        problems.add(
            node.id,
            f"{field}.when",
            "invalid_expression",
            f"The condition of {what} of {named(node)} does not read: {exc.message} "
            f"(at character {exc.position + 1})",
        )
        return
    for name in sorted(logic.variables_of(expr) - set(variables)):
        problems.add(
            node.id,
            f"{field}.when",
            "unknown_variable",
            f"The condition of {what} of {named(node)} reads the variable {name}, which the "
            "tree does not declare.",
        )


def logic_next(node: Node, variables: Mapping[str, object]) -> str | None:
    """Where a logic node leads for these intake values: the first true rule, else the default.
    Rules that do not parse are skipped (a published graph has none)."""
    for rule in node.rules:
        try:
            if logic.evaluate_source(rule.when, variables):
                return rule.next
        except logic.LogicError:
            continue
    return node.default
