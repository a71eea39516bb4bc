"""What changed between two graphs (two versions, or a version and the draft), node by node:
nodes, options and variables added, removed and changed, with each changed field before and
after, and the arrows (edges) added and removed, for colouring the graph. Pure: plain data in,
plain data out."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
)

from troubletree.trees.graph import Graph, Node, Option, Variable


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class OptionChange(BaseModel):
    option_id: str
    changes: list[FieldChange]


class NodeChange(BaseModel):
    node_id: str
    title: str
    changes: list[FieldChange]
    options_added: list[Option]
    options_removed: list[Option]
    options_changed: list[OptionChange]


class VariableChange(BaseModel):
    name: str
    changes: list[FieldChange]


class Edge(BaseModel):
    """An arrow of the graph: from a node, through one of its options, rules or its default,
    to another node. `via` is `option`, `rule` or `default`; `key` the option id, the rule's
    0-based index, or `default`; `label` what the arrow reads (option label, rule label or
    expression, "Otherwise")."""

    source: str
    target: str
    via: str
    key: str
    label: str


class GraphDiff(BaseModel):
    start: FieldChange | None
    nodes_added: list[Node]
    nodes_removed: list[Node]
    nodes_changed: list[NodeChange]
    edges_added: list[Edge]
    edges_removed: list[Edge]
    variables_added: list[Variable]
    variables_removed: list[Variable]
    variables_changed: list[VariableChange]

    @property
    def is_empty(self) -> bool:
        return not (
            self.start
            or self.nodes_added
            or self.nodes_removed
            or self.nodes_changed
            or self.edges_added
            or self.edges_removed
            or self.variables_added
            or self.variables_removed
            or self.variables_changed
        )


NODE_FIELDS = ("kind", "title", "body", "rules", "default", "tree_id")
OPTION_FIELDS = ("label", "next")
VARIABLE_FIELDS = ("label", "type", "required", "choices", "help")


def _field_changes(
    before: BaseModel, after: BaseModel, fields: tuple[str, ...]
) -> list[FieldChange]:
    old = before.model_dump(mode="json", include=set(fields))
    new = after.model_dump(mode="json", include=set(fields))
    return [
        FieldChange(field=name, before=old[name], after=new[name])
        for name in fields
        if old[name] != new[name]
    ]


def _by_key(items: list[Any], key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(getattr(item, key), item)
    return out


def edges_of(graph: Graph) -> dict[tuple[str, str, str, str], Edge]:
    """Every arrow of the graph by (source, via, key, target); the first node of an id only."""
    out: dict[tuple[str, str, str, str], Edge] = {}
    for node in _by_key(graph.nodes, "id").values():
        found = [
            Edge(source=node.id, target=o.next, via="option", key=o.id, label=o.label)
            for o in node.options
            if o.next
        ]
        found += [
            Edge(source=node.id, target=r.next, via="rule", key=str(i), label=r.label or r.when)
            for i, r in enumerate(node.rules)
            if r.next
        ]
        if node.default:
            found.append(
                Edge(
                    source=node.id,
                    target=node.default,
                    via="default",
                    key="default",
                    label="Otherwise",
                )
            )
        for edge in found:
            out.setdefault((edge.source, edge.via, edge.key, edge.target), edge)
    return out


def diff_graphs(before: Graph, after: Graph) -> GraphDiff:
    """Node-level differences (by node id, then option id). Editor positions are ignored."""
    old_nodes, new_nodes = _by_key(before.nodes, "id"), _by_key(after.nodes, "id")
    changed: list[NodeChange] = []
    for node_id, new in new_nodes.items():
        old = old_nodes.get(node_id)
        if old is None:
            continue
        old_options, new_options = _by_key(old.options, "id"), _by_key(new.options, "id")
        option_changes = [
            OptionChange(option_id=oid, changes=c)
            for oid, option in new_options.items()
            if oid in old_options and (c := _field_changes(old_options[oid], option, OPTION_FIELDS))
        ]
        node_change = NodeChange(
            node_id=node_id,
            title=new.title,
            changes=_field_changes(old, new, NODE_FIELDS),
            options_added=[o for oid, o in new_options.items() if oid not in old_options],
            options_removed=[o for oid, o in old_options.items() if oid not in new_options],
            options_changed=option_changes,
        )
        if (
            node_change.changes
            or node_change.options_added
            or node_change.options_removed
            or node_change.options_changed
        ):
            changed.append(node_change)

    old_vars, new_vars = _by_key(before.variables, "name"), _by_key(after.variables, "name")
    old_edges, new_edges = edges_of(before), edges_of(after)
    return GraphDiff(
        start=FieldChange(field="start", before=before.start, after=after.start)
        if before.start != after.start
        else None,
        nodes_added=[n for nid, n in new_nodes.items() if nid not in old_nodes],
        nodes_removed=[n for nid, n in old_nodes.items() if nid not in new_nodes],
        nodes_changed=changed,
        edges_added=[e for k, e in new_edges.items() if k not in old_edges],
        edges_removed=[e for k, e in old_edges.items() if k not in new_edges],
        variables_added=[v for name, v in new_vars.items() if name not in old_vars],
        variables_removed=[v for name, v in old_vars.items() if name not in new_vars],
        variables_changed=[
            VariableChange(name=name, changes=c)
            for name, v in new_vars.items()
            if name in old_vars and (c := _field_changes(old_vars[name], v, VARIABLE_FIELDS))
        ],
    )
