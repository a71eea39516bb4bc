"""Trying a logic rule in the editor: parse it, name the first problem at its position, and
evaluate it against sample values; and the language's operators and keywords for
autocomplete. Pure (no database): the same parser and evaluator sessions use."""

from __future__ import annotations

from collections.abc import Mapping

from troubletree.trees import logic
from troubletree.trees.schemas import (
    GrammarItem,
    RuleCheckResult,
    RuleError,
    RuleGrammar,
)

GRAMMAR = RuleGrammar(
    max_length=logic.MAX_SOURCE_LENGTH,
    items=[
        GrammarItem(text="==", kind="operator", description="equals", example='region == "eu"'),
        GrammarItem(
            text="!=", kind="operator", description="does not equal", example='status != "ok"'
        ),
        GrammarItem(text="<", kind="operator", description="less than", example="age_years < 3"),
        GrammarItem(text="<=", kind="operator", description="at most", example="attempts <= 2"),
        GrammarItem(text=">", kind="operator", description="greater than", example="users > 10"),
        GrammarItem(text=">=", kind="operator", description="at least", example="firmware >= 4.2"),
        GrammarItem(
            text="and",
            kind="keyword",
            description="both are true",
            example='on_site and model == "X200"',
        ),
        GrammarItem(
            text="or",
            kind="keyword",
            description="either is true",
            example='region == "eu" or region == "uk"',
        ),
        GrammarItem(
            text="not", kind="keyword", description="the opposite", example="not under_warranty"
        ),
        GrammarItem(
            text="in",
            kind="keyword",
            description="one of a list",
            example='region in ["eu", "uk"]',
        ),
        GrammarItem(
            text="not in",
            kind="keyword",
            description="none of a list",
            example='os not in ["ios", "android"]',
        ),
        GrammarItem(text="true", kind="literal", description="yes", example="on_site == true"),
        GrammarItem(text="false", kind="literal", description="no", example="on_site == false"),
        GrammarItem(text="null", kind="literal", description="no value", example="serial == null"),
    ],
)


def _name_positions(source: str) -> dict[str, int]:
    positions: dict[str, int] = {}
    for token in logic.tokenize(source):
        if token.kind == "name":
            positions.setdefault(str(token.value), token.position)
    return positions


def check_rule(source: str, declared: set[str], values: Mapping[str, object]) -> RuleCheckResult:
    """The first problem of the expression (a syntax error, or a variable the tree does not
    declare) at its position; else what it evaluates to for `values`."""
    if not source.strip():
        return RuleCheckResult(
            ok=False,
            error=RuleError(
                message="Write a condition, e.g. on_site == true.", position=0, length=1
            ),
            result=None,
            variables_used=[],
        )
    try:
        expr = logic.parse(source)
    except logic.LogicError as exc:
        position = min(exc.position, len(source))
        return RuleCheckResult(
            ok=False,
            error=RuleError(message=exc.message, position=position, length=1),
            result=None,
            variables_used=[],
        )
    used = logic.variables_of(expr)
    positions = _name_positions(source)
    unknown = sorted(used - declared, key=lambda name: positions[name])
    if unknown:
        name = unknown[0]
        return RuleCheckResult(
            ok=False,
            error=RuleError(
                message=f"The variable {name!r} is not declared in the tree's variables.",
                position=positions[name],
                length=len(name),
            ),
            result=None,
            variables_used=sorted(used),
        )
    return RuleCheckResult(
        ok=True, error=None, result=logic.evaluate(expr, values), variables_used=sorted(used)
    )
