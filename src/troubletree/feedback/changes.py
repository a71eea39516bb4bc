"""What changed between two versions of a tree, in the terms of a person who runs it. Pure: two
graphs in, lists of steps out (built on `trees.diff`).

Automatic nodes (logic, link) are not steps anyone sees, so they are left out; a node whose
title, text or answer labels changed was reworded; a node whose set of answers changed, or
whose answers lead somewhere else now, has its answers changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from troubletree.trees.diff import diff_graphs
from troubletree.trees.graph import CHOICE_KINDS, TERMINAL_KINDS, Graph

VISIBLE_KINDS = CHOICE_KINDS | TERMINAL_KINDS
WORDING_FIELDS = frozenset({"title", "body"})


@dataclass(frozen=True)
class Step:
    node_id: str
    title: str


@dataclass(frozen=True)
class TechnicianChanges:
    added: list[Step] = field(default_factory=list)
    removed: list[Step] = field(default_factory=list)
    reworded: list[Step] = field(default_factory=list)
    answers_changed: list[Step] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.reworded or self.answers_changed)


def technician_changes(before: Graph, after: Graph) -> TechnicianChanges:
    diff = diff_graphs(before, after)
    kinds = {n.id: n.kind for n in after.nodes}
    reworded: list[Step] = []
    answers: list[Step] = []
    for change in diff.nodes_changed:
        if kinds.get(change.node_id) not in VISIBLE_KINDS:
            continue
        step = Step(change.node_id, change.title)
        relabelled = any(
            c.field == "label" for option in change.options_changed for c in option.changes
        )
        if relabelled or any(c.field in WORDING_FIELDS for c in change.changes):
            reworded.append(step)
        redirected = any(
            c.field == "next" for option in change.options_changed for c in option.changes
        )
        if change.options_added or change.options_removed or redirected:
            answers.append(step)
    return TechnicianChanges(
        added=[Step(n.id, n.title) for n in diff.nodes_added if n.kind in VISIBLE_KINDS],
        removed=[Step(n.id, n.title) for n in diff.nodes_removed if n.kind in VISIBLE_KINDS],
        reworded=reworded,
        answers_changed=answers,
    )
