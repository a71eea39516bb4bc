"""Publish problems read as sentences and name nodes by their titles (the id as a hint), while
keeping node_id and field for the editor to select the node."""

from __future__ import annotations

from troubletree.trees.graph import Graph, validate_graph


def messages(data: dict[str, object]) -> dict[tuple[str | None, str, str], str]:
    return {
        (p.node_id, p.field, p.code): p.message for p in validate_graph(Graph.model_validate(data))
    }


def test_problems_name_nodes_by_title_with_the_right_article() -> None:
    found = messages(
        {
            "start": "q1",
            "variables": [{"name": "age", "label": "Age", "type": "number"}],
            "nodes": [
                {
                    "id": "q1",
                    "kind": "question",
                    "title": "Is the printer on?",
                    "options": [
                        {"id": "yes", "label": "Yes", "next": "a1"},
                        {"id": "no", "label": "No", "next": "gone"},
                        {"id": "x", "label": ""},
                    ],
                },
                {"id": "a1", "kind": "action", "title": "Check the cable"},
                {
                    "id": "l1",
                    "kind": "logic",
                    "title": "Old printer?",
                    "rules": [
                        {"when": "age > 3", "label": "Older than three years"},
                        {"when": "colour == 'red'", "next": "s1"},
                    ],
                },
                {"id": "e1", "kind": "escalation", "title": "", "options": [{"id": "o"}]},
                {"id": "s1", "kind": "solution", "title": "Solved"},
            ],
        }
    )
    assert found[("a1", "nodes[1].options", "missing_options")] == (
        '"Check the cable" (node a1) is an action node and needs at least one option.'
    )
    assert found[("q1", "nodes[0].options[1].next", "dangling_next")] == (
        'The option "No" of "Is the printer on?" (node q1) leads to the node gone, which '
        "does not exist."
    )
    assert found[("q1", "nodes[0].options[2].next", "missing_next")] == (
        'Choose where option 3 of "Is the printer on?" (node q1) leads.'
    )
    assert found[("l1", "nodes[2].rules[0].next", "missing_next")] == (
        'Choose where the rule "Older than three years" of "Old printer?" (node l1) leads.'
    )
    assert found[("l1", "nodes[2].rules[1].when", "unknown_variable")] == (
        'The condition of rule 2 of "Old printer?" (node l1) reads the variable colour, '
        "which the tree does not declare."
    )
    assert found[("e1", "nodes[3].title", "missing_title")] == "Give the node e1 a title."
    assert found[("e1", "nodes[3].options", "terminal_has_options")] == (
        "The node e1 is an escalation node and cannot have options."
    )
    assert found[("l1", "nodes[2]", "unreachable")] == (
        'No path from the start leads to "Old printer?" (node l1).'
    )
    assert not any(" a action" in m or " a escalation" in m for m in found.values())
