"""What a technician is told changed between two versions (pure)."""

from __future__ import annotations

from tests.sessions.helpers import printer_graph
from troubletree.feedback.changes import Step, technician_changes
from troubletree.trees.graph import Graph


def _graph(document: dict[str, object]) -> Graph:
    return Graph.model_validate(document)


def test_added_removed_reworded_and_answers_changed() -> None:
    before = printer_graph()
    after = printer_graph()
    nodes = {n["id"]: n for n in after["nodes"]}
    nodes["q1"]["title"] = "Is the {{device}} switched on?"  # reworded
    nodes["q2"]["options"][1]["label"] = "No, nothing comes out"  # reworded (an answer's label)
    nodes["a1"]["options"][0]["next"] = "q3"  # answers lead elsewhere
    nodes["l1"]["title"] = "Old device? (automatic)"  # automatic: nobody sees it
    after["nodes"] = [n for n in after["nodes"] if n["id"] != "s_replace"]
    nodes["l1"]["rules"][0]["next"] = "e1"
    after["nodes"].append(
        {
            "id": "q3",
            "kind": "question",
            "title": "Is the cable damaged?",
            "options": [{"id": "c1", "label": "No", "next": "q2"}],
        }
    )
    changes = technician_changes(_graph(before), _graph(after))
    assert changes.added == [Step("q3", "Is the cable damaged?")]
    assert changes.removed == [Step("s_replace", "Replace the device")]
    assert changes.reworded == [
        Step("q1", "Is the {{device}} switched on?"),
        Step("q2", "Does it print a test page?"),
    ]
    assert changes.answers_changed == [Step("a1", "Reseat the power cable")]
    assert not changes.is_empty


def test_moving_nodes_in_the_editor_changes_nothing() -> None:
    before = printer_graph()
    after = printer_graph()
    after["nodes"][0]["position"] = {"x": 400, "y": 20}
    assert technician_changes(_graph(before), _graph(after)).is_empty
