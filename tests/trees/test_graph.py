"""The graph document: shape and size limits, publish validation, logic branching, diffs."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from troubletree.trees.diff import diff_graphs
from troubletree.trees.graph import (
    EXIT_KINDS,
    MAX_BODY_BYTES,
    MAX_NODES,
    Graph,
    Node,
    link_targets,
    logic_next,
    validate_graph,
)

LINKED = uuid.UUID("00000000-0000-4000-8000-000000000001")

SAMPLE: dict[str, Any] = {
    "start": "n1",
    "variables": [
        {
            "name": "power_status",
            "label": "Power",
            "type": "choice",
            "choices": ["on", "off"],
            "required": "at_start",
        },
        {"name": "age_years", "label": "Age in years", "type": "number"},
    ],
    "nodes": [
        {
            "id": "n1",
            "kind": "logic",
            "title": "Route by intake",
            "rules": [
                {"when": 'power_status == "off"', "next": "n3"},
                {"when": "age_years >= 3", "next": "n5"},
            ],
            "default": "n2",
        },
        {
            "id": "n2",
            "kind": "question",
            "title": "Does the device power on?",
            "body": "Markdown, may use {{serial}}",
            "options": [
                {"id": "o1", "label": "Yes", "next": "n4"},
                {"id": "o2", "label": "No", "next": "n3"},
                {"id": "o3", "label": "Not sure", "next": "n2b"},
            ],
        },
        {
            "id": "n2b",
            "kind": "action",
            "title": "Look at the LED, then answer again",
            "options": [{"id": "o4", "label": "Done", "next": "n2"}],
        },  # a loop back is fine
        {"id": "n3", "kind": "solution", "title": "Replace the power supply"},
        {
            "id": "n4",
            "kind": "action",
            "title": "Reseat the cable",
            "options": [{"id": "o5", "label": "Done", "next": "n3"}],
        },  # n3 has three parents
        {
            "id": "n5",
            "kind": "link",
            "title": "Continue in the old-device tree",
            "tree_id": str(LINKED),
        },
    ],
}


def sample(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    data.update(changes)
    return data


def node_of(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def problems(
    data: dict[str, Any], published: set[uuid.UUID] | None = None, tree_id: uuid.UUID | None = None
) -> list[tuple[str | None, str, str]]:
    graph = Graph.model_validate(data)
    found = validate_graph(
        graph, published_trees={LINKED} if published is None else published, tree_id=tree_id
    )
    return [(p.node_id, p.field, p.code) for p in found]


# --------------------------------------------------------------------------- the document


def test_sample_is_valid_with_shared_steps_and_loops() -> None:
    assert problems(SAMPLE) == []
    assert link_targets(Graph.model_validate(SAMPLE)) == {LINKED}


def test_drafts_may_be_incomplete() -> None:
    draft = {"nodes": [{"id": "a", "kind": "question", "options": [{"id": "o", "next": "zz"}]}]}
    Graph.model_validate(draft)  # stored as a draft without complaint
    assert set(problems(draft)) == {
        (None, "start", "missing_start"),
        ("a", "nodes[0].title", "missing_title"),
        ("a", "nodes[0].options[0].label", "missing_label"),
        ("a", "nodes[0].options[0].next", "dangling_next"),
        ("a", "nodes[0]", "no_path_to_end"),
    }
    assert problems({}) == [(None, "nodes", "no_nodes"), (None, "start", "missing_start")]


@pytest.mark.parametrize(
    ("data", "loc", "error"),
    [
        ({"nodes": [{"id": "a", "kind": "maybe"}]}, ("nodes", 0, "kind"), "literal_error"),
        (
            {"nodes": [{"id": "a b", "kind": "solution"}]},
            ("nodes", 0, "id"),
            "string_pattern_mismatch",
        ),
        (
            {"nodes": [{"id": "a", "kind": "solution", "colour": "red"}]},
            ("nodes", 0, "colour"),
            "extra_forbidden",
        ),
        ({"nodes": {"id": "a"}}, ("nodes",), "list_type"),
        ({"start": 5}, ("start",), "string_type"),
        (
            {"nodes": [{"id": "a", "kind": "solution", "body": "a\x00"}]},
            ("nodes", 0, "body"),
            "nul_character",
        ),
        (
            {"nodes": [{"id": "a", "kind": "solution", "body": "x" * (MAX_BODY_BYTES + 1)}]},
            ("nodes", 0, "body"),
            "body_too_large",
        ),
        (
            {"nodes": [{"id": "a", "kind": "solution", "body": "é" * (MAX_BODY_BYTES // 2 + 1)}]},
            ("nodes", 0, "body"),
            "body_too_large",
        ),  # bytes, not characters
        (
            {
                "nodes": [
                    {
                        "id": "a",
                        "kind": "question",
                        "options": [{"id": f"o{i}", "label": "x", "next": "a"} for i in range(101)],
                    }
                ]
            },
            ("nodes", 0, "options"),
            "too_long",
        ),
        (
            {"nodes": [{"id": "a", "kind": "logic", "rules": [{"when": "a" * 1001}]}]},
            ("nodes", 0, "rules", 0, "when"),
            "string_too_long",
        ),
        (
            {"nodes": [{"id": "a", "kind": "link", "tree_id": "not-a-uuid"}]},
            ("nodes", 0, "tree_id"),
            "uuid_parsing",
        ),
        (
            {"variables": [{"name": "1x", "label": "X"}]},
            ("variables", 0, "name"),
            "string_pattern_mismatch",
        ),
        (
            {"nodes": [{"id": "a", "kind": "solution", "position": {"x": "inf", "y": 0}}]},
            ("nodes", 0, "position", "x"),
            "finite_number",
        ),
    ],
)
def test_shape_and_size_errors_name_the_field(
    data: dict[str, Any], loc: tuple[Any, ...], error: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Graph.model_validate(data)
    assert (loc, error) in [(e["loc"], e["type"]) for e in caught.value.errors()]


def test_node_limit() -> None:
    nodes = [{"id": f"n{i}", "kind": "solution", "title": "x"} for i in range(MAX_NODES + 1)]
    with pytest.raises(ValidationError) as caught:
        Graph.model_validate({"nodes": nodes})
    assert caught.value.errors()[0]["loc"] == ("nodes",)
    Graph.model_validate({"nodes": nodes[:MAX_NODES]})
    # A graph built past the model (an old stored one) is still caught on publish.
    big = Graph.model_construct(
        start="n0", variables=[], nodes=[Node.model_validate(n) for n in nodes]
    )
    assert "too_many_nodes" in {p.code for p in validate_graph(big)}


# --------------------------------------------------------------------------- publish problems


def test_dangling_and_missing_next() -> None:
    data = sample()
    node_of(data, "n2")["options"][0]["next"] = "nope"
    node_of(data, "n4")["options"][0]["next"] = None
    found = problems(data)
    assert ("n2", "nodes[1].options[0].next", "dangling_next") in found
    assert ("n4", "nodes[4].options[0].next", "missing_next") in found
    assert ("n4", "nodes[4]", "no_path_to_end") in found


def test_start_problems() -> None:
    assert (None, "start", "missing_start") in problems(sample(start=None))
    assert (None, "start", "start_not_found") in problems(sample(start="ghost"))


def test_duplicate_ids() -> None:
    data = sample()
    data["nodes"].append({"id": "n3", "kind": "escalation", "title": "Again"})
    node_of(data, "n2")["options"][1]["id"] = "o1"
    found = problems(data)
    assert ("n3", "nodes[6].id", "duplicate_node_id") in found
    assert ("n2", "nodes[1].options[1].id", "duplicate_option_id") in found


def test_unreachable_and_dead_end_nodes() -> None:
    data = sample()
    data["nodes"].append({"id": "orphan", "kind": "solution", "title": "Nobody gets here"})
    data["nodes"].append(
        {
            "id": "trap",
            "kind": "action",
            "title": "Spin",
            "options": [{"id": "o", "label": "Again", "next": "trap"}],
        }
    )
    node_of(data, "n4")["options"].append({"id": "o9", "label": "Spin", "next": "trap"})
    found = problems(data)
    assert ("orphan", "nodes[6]", "unreachable") in found
    assert ("trap", "nodes[7]", "no_path_to_end") in found
    assert ("n4", "nodes[4]", "no_path_to_end") not in found  # n4 still reaches n3


def test_terminal_nodes_cannot_have_options() -> None:
    data = sample()
    node_of(data, "n3")["options"] = [{"id": "o", "label": "More", "next": "n2"}]
    assert ("n3", "nodes[3].options", "terminal_has_options") in problems(data)


def test_question_needs_options() -> None:
    data = sample()
    data["nodes"].append({"id": "q", "kind": "question", "title": "Hm?"})
    node_of(data, "n4")["options"].append({"id": "o9", "label": "Ask", "next": "q"})
    found = problems(data)
    assert ("q", "nodes[6].options", "missing_options") in found
    assert ("q", "nodes[6]", "no_path_to_end") in found


def test_fields_of_other_kinds_are_refused() -> None:
    data = sample()
    node_of(data, "n2")["rules"] = [{"when": "age_years > 1", "next": "n3"}]
    node_of(data, "n2")["default"] = "n3"
    node_of(data, "n3")["tree_id"] = str(LINKED)
    node_of(data, "n5")["options"] = [{"id": "o", "label": "x", "next": "n3"}]
    found = problems(data)
    assert ("n2", "nodes[1].rules", "rules_not_allowed") in found
    assert ("n2", "nodes[1].default", "default_not_allowed") in found
    assert ("n3", "nodes[3].tree_id", "link_target_not_allowed") in found
    assert ("n5", "nodes[5].options", "options_not_allowed") in found


def test_logic_rules_are_parsed_and_checked() -> None:
    data = sample()
    logic_node = node_of(data, "n1")
    logic_node["rules"][0]["when"] = 'power_status = "off"'
    logic_node["rules"][1]["when"] = "voltage < 3"
    logic_node["default"] = None
    found = problems(data)
    assert ("n1", "nodes[0].rules[0].when", "invalid_expression") in found
    assert ("n1", "nodes[0].rules[1].when", "unknown_variable") in found
    assert ("n1", "nodes[0].default", "missing_next") in found
    message = next(
        p.message
        for p in validate_graph(Graph.model_validate(data))
        if p.code == "invalid_expression"
    )
    assert "character 14" in message
    logic_node["rules"] = []
    assert ("n1", "nodes[0].rules", "missing_rules") in problems(data)


def test_link_targets_must_be_published_and_not_this_tree() -> None:
    assert ("n5", "nodes[5].tree_id", "link_not_published") in problems(SAMPLE, published=set())
    assert ("n5", "nodes[5].tree_id", "link_to_self") in problems(SAMPLE, tree_id=LINKED)
    data = sample()
    node_of(data, "n5")["tree_id"] = None
    assert ("n5", "nodes[5].tree_id", "missing_link_target") in problems(data)


def test_variable_problems() -> None:
    data = sample()
    data["variables"].append({"name": "age_years", "label": "Again", "type": "number"})
    data["variables"].append({"name": "colour", "label": "Colour", "type": "choice"})
    found = problems(data)
    assert (None, "variables[2].name", "duplicate_variable") in found
    assert (None, "variables[3].choices", "missing_choices") in found


# --------------------------------------------------------------------------- logic branching


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"power_status": "off", "age_years": 10}, "n3"),  # rules are tried in order
        ({"power_status": "on", "age_years": "5"}, "n5"),
        ({"power_status": "on", "age_years": 1}, "n2"),
        ({}, "n2"),
    ],
)
def test_logic_next(variables: dict[str, object], expected: str) -> None:
    node = Graph.model_validate(SAMPLE).nodes[0]
    assert logic_next(node, variables) == expected


# --------------------------------------------------------------------------- diffs


def test_diff_of_nodes_and_options() -> None:
    before = Graph.model_validate(SAMPLE)
    data = sample()
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "n2b"]
    node_of(data, "n2")["options"] = [
        {"id": "o1", "label": "Yes, it does", "next": "n4"},  # label changed
        {"id": "o2", "label": "No", "next": "n3"},
        {"id": "o6", "label": "It smells", "next": "n6"},  # added (o3 removed)
    ]
    node_of(data, "n3")["title"] = "Swap the power supply"
    node_of(data, "n4")["position"] = {"x": 10, "y": 20}  # layout only: not a change
    data["nodes"].append({"id": "n6", "kind": "escalation", "title": "Call the fire brigade"})
    data["variables"] = data["variables"][:1]
    diff = diff_graphs(before, Graph.model_validate(data))

    assert [n.id for n in diff.nodes_added] == ["n6"]
    assert [n.id for n in diff.nodes_removed] == ["n2b"]
    changed = {c.node_id: c for c in diff.nodes_changed}
    assert set(changed) == {"n2", "n3"}
    assert [o.id for o in changed["n2"].options_added] == ["o6"]
    assert [o.id for o in changed["n2"].options_removed] == ["o3"]
    assert changed["n2"].options_changed[0].option_id == "o1"
    assert changed["n2"].options_changed[0].changes[0].model_dump() == {
        "field": "label",
        "before": "Yes",
        "after": "Yes, it does",
    }
    assert changed["n3"].changes[0].model_dump() == {
        "field": "title",
        "before": "Replace the power supply",
        "after": "Swap the power supply",
    }
    assert [v.name for v in diff.variables_removed] == ["age_years"]
    assert diff.start is None and not diff.is_empty
    assert diff_graphs(before, before).is_empty


# --------------------------------------------------------------------------- property


KINDS = ["question", "action", "logic", "solution", "escalation", "link"]


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    """Random graphs that are well formed in every way except, perhaps, their shape: every
    `next` resolves, ids are unique, fields suit their kinds. Options may be missing."""
    count = draw(st.integers(min_value=1, max_value=12))
    ids = [f"n{i}" for i in range(count)]
    target = st.sampled_from(ids)
    nodes: list[dict[str, Any]] = []
    for node_id in ids:
        kind = draw(st.sampled_from(KINDS))
        node: dict[str, Any] = {"id": node_id, "kind": kind, "title": f"Step {node_id}"}
        if kind in ("question", "action"):
            nexts = draw(st.lists(target, max_size=3))
            node["options"] = [
                {"id": f"o{j}", "label": f"Choice {j}", "next": n} for j, n in enumerate(nexts)
            ]
        elif kind == "logic":
            nexts = draw(st.lists(target, min_size=1, max_size=3))
            node["rules"] = [{"when": f"x >= {j}", "next": n} for j, n in enumerate(nexts)]
            node["default"] = draw(target)
        elif kind == "link":
            node["tree_id"] = str(LINKED)
        nodes.append(node)
    return {
        "start": draw(target),
        "nodes": nodes,
        "variables": [{"name": "x", "label": "X", "type": "number"}],
    }


def _closure(data: dict[str, Any]) -> tuple[list[str], list[list[bool]]]:
    """Reachability by Warshall's algorithm (independent of the validator's searches):
    reach[i][j] is true when a path of length >= 0 leads from node i to node j."""
    ids = [n["id"] for n in data["nodes"]]
    pos = {node_id: i for i, node_id in enumerate(ids)}
    size = len(ids)
    reach = [[i == j for j in range(size)] for i in range(size)]
    for i, node in enumerate(data["nodes"]):
        edges = [o["next"] for o in node.get("options", [])]
        edges += [r["next"] for r in node.get("rules", [])]
        edges += [node["default"]] if node.get("default") else []
        for target in edges:
            reach[i][pos[target]] = True
    for k in range(size):
        for i in range(size):
            if reach[i][k]:
                for j in range(size):
                    if reach[k][j]:
                        reach[i][j] = True
    return ids, reach


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_accepts_exactly_graphs_where_every_node_is_reachable_and_can_finish(
    data: dict[str, Any],
) -> None:
    ids, reach = _closure(data)
    start = ids.index(data["start"])
    exits = [i for i, n in enumerate(data["nodes"]) if n["kind"] in EXIT_KINDS]
    unreachable = {ids[i] for i in range(len(ids)) if not reach[start][i]}
    stuck = {ids[i] for i in range(len(ids)) if not any(reach[i][e] for e in exits)}

    found = validate_graph(Graph.model_validate(data), published_trees={LINKED})

    assert (found == []) == (not unreachable and not stuck)
    assert {p.node_id for p in found if p.code == "unreachable"} == unreachable
    assert {p.node_id for p in found if p.code == "no_path_to_end"} == stuck
    # The only other complaint possible here is a question or action without options, and
    # such a node can never finish.
    for p in found:
        assert p.code in {"unreachable", "no_path_to_end", "missing_options"}
        if p.code == "missing_options":
            assert p.node_id in stuck
