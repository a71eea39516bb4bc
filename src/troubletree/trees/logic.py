"""The safe expression language of `logic` nodes (pure: no I/O, never `eval`).

    power_status == "off"
    age_years >= 3 and not under_warranty
    region in ["eu", "uk"] or (model == 'X200' and firmware < 4.2)

Grammar (keywords are case-insensitive):

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := operand [compare_op operand | ["not"] "in" list]
    operand    := literal | variable | "(" expression ")"
    list       := "[" [literal ("," literal)*] "]"
    literal    := string | number | "-" number | true | false | null
    compare_op := "==" | "!=" | "<" | "<=" | ">" | ">="

Values come from intake forms, so comparisons coerce gently: a number compared with a numeric
string compares as numbers, and a boolean with "true"/"false" as booleans. Comparisons that make
no sense (ordering with a missing value, a number against a word) are simply false; evaluating
never raises. Parse errors carry the 0-based character position of the problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal as TypingLiteral

MAX_SOURCE_LENGTH = 1000
MAX_DEPTH = 32
MAX_LIST_ITEMS = 100

Value = str | int | float | bool | None
CompareOp = TypingLiteral["==", "!=", "<", "<=", ">", ">="]
COMPARE_OPS: frozenset[str] = frozenset({"==", "!=", "<", "<=", ">", ">="})
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# ASCII digits only: `\d` and str.isdigit() also take other scripts' digits and superscripts.
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class LogicError(ValueError):
    """A syntax error in an expression, at a 0-based character position."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at position {position})")


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # name, keyword, number, string, op, "(", ")", "[", "]", ",", "-", end
    value: str | float | int
    position: int


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_SOURCE_LENGTH:
        raise LogicError(
            f"The expression is longer than {MAX_SOURCE_LENGTH} characters.", MAX_SOURCE_LENGTH
        )
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()[],":
            tokens.append(Token(ch, ch, i))
            i += 1
            continue
        if ch == "-":
            tokens.append(Token("-", ch, i))
            i += 1
            continue
        two = source[i : i + 2]
        if two in {"==", "!=", "<=", ">="}:
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if ch in "<>":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        if ch == "=":
            raise LogicError("Use '==' to compare.", i)
        if ch in "\"'":
            value, end = _read_string(source, i)
            tokens.append(Token("string", value, i))
            i = end
            continue
        match = NUMBER.match(source, i)
        if match:
            text = match.group()
            number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
            if isinstance(number, float) and not math.isfinite(number):
                raise LogicError("This number is too large.", i)
            tokens.append(Token("number", number, i))
            i = match.end()
            if i < n and (source[i].isalpha() or source[i] == "_"):
                raise LogicError("A name cannot start with a digit.", i)
            continue
        match = IDENTIFIER.match(source, i)
        if match:
            word = match.group()
            if word.lower() in KEYWORDS:
                tokens.append(Token("keyword", word.lower(), i))
            else:
                tokens.append(Token("name", word, i))
            i = match.end()
            continue
        raise LogicError(f"Unexpected character {ch!r}.", i)
    tokens.append(Token("end", "", n))
    return tokens


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(source):
                break
            escaped = source[i + 1]
            if escaped not in _ESCAPES:
                raise LogicError(f"Unknown escape '\\{escaped}' in a string.", i)
            out.append(_ESCAPES[escaped])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise LogicError("This string is not closed.", start)


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class Const:
    value: Value


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class In:
    needle: Expr
    items: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


Expr = Const | Var | Compare | In | Not | And | Or


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_keyword(self, word: str) -> bool:
        return self.current.kind == "keyword" and self.current.value == word

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise LogicError(f"Expected {what}.", self.current.position)
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LogicError(
                f"The expression is nested more than {MAX_DEPTH} levels deep.",
                self.current.position,
            )

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise LogicError("The expression is empty.", 0)
        expr = self.parse_or()
        if self.current.kind != "end":
            raise LogicError(f"Unexpected {self._describe(self.current)}.", self.current.position)
        return expr

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.at_keyword("or"):
            self.advance()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        items = [self.parse_not()]
        while self.at_keyword("and"):
            self.advance()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Expr:
        if self.at_keyword("not"):
            self.advance()
            self.enter()
            operand = self.parse_not()
            self.depth -= 1
            return Not(operand)
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_operand()
        token = self.current
        if token.kind == "op":
            self.advance()
            op = str(token.value)
            assert op in COMPARE_OPS
            right = self.parse_operand()
            if self.current.kind == "op":
                raise LogicError(
                    "Comparisons cannot be chained; join them with 'and'.", self.current.position
                )
            return Compare(op, left, right)  # type: ignore[arg-type]
        negated = False
        if (
            self.at_keyword("not")
            and self.tokens[self.index + 1].kind == "keyword"
            and (self.tokens[self.index + 1].value == "in")
        ):
            self.advance()
            negated = True
        if self.at_keyword("in"):
            self.advance()
            return In(left, self.parse_list(), negated)
        return left

    def parse_list(self) -> tuple[Value, ...]:
        self.expect("[", "'[' to start a list")
        items: list[Value] = []
        if self.current.kind == "]":
            self.advance()
            return ()
        while True:
            if len(items) >= MAX_LIST_ITEMS:
                raise LogicError(
                    f"A list holds at most {MAX_LIST_ITEMS} values.", self.current.position
                )
            items.append(self.parse_literal())
            if self.current.kind == ",":
                self.advance()
                continue
            self.expect("]", "',' or ']' in the list")
            return tuple(items)

    def parse_literal(self) -> Value:
        token = self.current
        if token.kind == "-":
            self.advance()
            number = self.expect("number", "a number after '-'")
            assert isinstance(number.value, int | float)
            return -number.value
        if token.kind in {"string", "number"}:
            self.advance()
            return token.value
        if token.kind == "keyword" and token.value in {"true", "false", "null"}:
            self.advance()
            return {"true": True, "false": False, "null": None}[str(token.value)]
        raise LogicError(f"Expected a value, found {self._describe(token)}.", token.position)

    def parse_operand(self) -> Expr:
        token = self.current
        if token.kind == "(":
            self.advance()
            self.enter()
            inner = self.parse_or()
            self.depth -= 1
            self.expect(")", "')'")
            return inner
        if token.kind == "name":
            self.advance()
            return Var(str(token.value), token.position)
        if token.kind in {"string", "number", "-"} or (
            token.kind == "keyword" and token.value in {"true", "false", "null"}
        ):
            return Const(self.parse_literal())
        raise LogicError(
            f"Expected a value or a variable, found {self._describe(token)}.", token.position
        )

    @staticmethod
    def _describe(token: Token) -> str:
        if token.kind == "end":
            return "the end of the expression"
        if token.kind == "string":
            return f"string {token.value!r}"
        return f"'{token.value}'"


def parse(source: str) -> Expr:
    """The syntax tree of `source`, or LogicError with the position of the first problem."""
    return _Parser(source).parse()


def variables_of(expr: Expr) -> set[str]:
    match expr:
        case Var(name=name):
            return {name}
        case Const():
            return set()
        case Compare(left=left, right=right):
            return variables_of(left) | variables_of(right)
        case In(needle=needle):
            return variables_of(needle)
        case Not(operand=operand):
            return variables_of(operand)
        case And(items=items) | Or(items=items):
            out: set[str] = set()
            for item in items:
                out |= variables_of(item)
            return out
    raise AssertionError(expr)  # pragma: no cover


# --------------------------------------------------------------------------- evaluation


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _boolean(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _coerce(left: object, right: object) -> tuple[object, object]:
    """Brings two values to one type when one side is typed and the other is form text."""
    if isinstance(left, bool) or isinstance(right, bool):
        lb, rb = _boolean(left), _boolean(right)
        return (lb, rb) if lb is not None and rb is not None else (left, right)
    if isinstance(left, int | float) or isinstance(right, int | float):
        ln, rn = _number(left), _number(right)
        return (ln, rn) if ln is not None and rn is not None else (left, right)
    return left, right


def _equal(left: object, right: object) -> bool:
    left, right = _coerce(left, right)
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    return left == right


def _compare(op: CompareOp, left: object, right: object) -> bool:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    left, right = _coerce(left, right)
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    a: float | str | None
    b: float | str | None
    if isinstance(left, int | float) and isinstance(right, int | float):
        a, b = _number(left), _number(right)
    elif isinstance(left, str) and isinstance(right, str):
        a, b = left, right
    else:
        return False
    if a is None or b is None:
        return False
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def _value(expr: Expr, variables: Mapping[str, object]) -> object:
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Var):
        return variables.get(expr.name)
    return evaluate(expr, variables)


def _truthy(value: object) -> bool:
    if value is None:
        return False
    boolean = _boolean(value)
    if boolean is not None:
        return boolean
    if isinstance(value, int | float):
        return value != 0
    return bool(value)


def evaluate(expr: Expr, variables: Mapping[str, object]) -> bool:
    """True or false for these variable values; a missing variable is null. Never raises."""
    if isinstance(expr, Const | Var):
        return _truthy(_value(expr, variables))
    if isinstance(expr, Compare):
        return _compare(expr.op, _value(expr.left, variables), _value(expr.right, variables))
    if isinstance(expr, In):
        needle = _value(expr.needle, variables)
        found = any(_equal(needle, item) for item in expr.items)
        return found != expr.negated
    if isinstance(expr, Not):
        return not evaluate(expr.operand, variables)
    if isinstance(expr, And):
        return all(evaluate(item, variables) for item in expr.items)
    return any(evaluate(item, variables) for item in expr.items)


def evaluate_source(source: str, variables: Mapping[str, object]) -> bool:
    return evaluate(parse(source), variables)
