// The rule language of logic nodes, in the editor: checks a rule as the author types (the
// error and its 0-based position, the same messages as the server's `trees/logic.py`, which
// stays the judge on publish), tries a rule against sample values, and suggests the tree's
// variables and the operators as one types. Pure, unit tested in logic.test.ts.
//
//   expression := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | comparison
//   comparison := operand [compare_op operand | ["not"] "in" list]
//   operand    := literal | variable | "(" expression ")"
//   list       := "[" [literal ("," literal)*] "]"
//   literal    := string | number | "-" number | true | false | null

const MAX_SOURCE_LENGTH = 1000;
const MAX_DEPTH = 32;
const MAX_LIST_ITEMS = 100;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);
const COMPARE_OPS = ['==', '!=', '<', '<=', '>', '>='] as const;
type CompareOp = (typeof COMPARE_OPS)[number];
type Value = string | number | boolean | null;

export class RuleError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

interface Token {
  kind: 'name' | 'keyword' | 'number' | 'string' | 'op' | '(' | ')' | '[' | ']' | ',' | '-' | 'end';
  value: string | number;
  position: number;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };

function matchAt(pattern: RegExp, source: string, at: number): string | null {
  pattern.lastIndex = at;
  return pattern.exec(source)?.[0] ?? null;
}

function readString(source: string, start: number): [string, number] {
  const quote = source[start];
  let out = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (ch === quote) return [out, i + 1];
    if (ch === '\\') {
      if (i + 1 >= source.length) break;
      const escaped = source[i + 1] ?? '';
      const value = ESCAPES[escaped];
      if (value === undefined) throw new RuleError(`Unknown escape '\\${escaped}' in a string.`, i);
      out += value;
      i += 2;
      continue;
    }
    out += ch;
    i += 1;
  }
  throw new RuleError('This string is not closed.', start);
}

function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new RuleError(`The expression is longer than ${MAX_SOURCE_LENGTH} characters.`, MAX_SOURCE_LENGTH);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if ('()[],-'.includes(ch)) {
      tokens.push({ kind: ch as Token['kind'], value: ch, position: i });
      i += 1;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', value: two, position: i });
      i += 2;
      continue;
    }
    if (ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', value: ch, position: i });
      i += 1;
      continue;
    }
    if (ch === '=') throw new RuleError("Use '==' to compare.", i);
    if (ch === '"' || ch === "'") {
      const [value, end] = readString(source, i);
      tokens.push({ kind: 'string', value, position: i });
      i = end;
      continue;
    }
    const number = matchAt(NUMBER, source, i);
    if (number) {
      const value = Number(number);
      if (!Number.isFinite(value)) throw new RuleError('This number is too large.', i);
      tokens.push({ kind: 'number', value, position: i });
      i += number.length;
      if (i < source.length && /[A-Za-z_]/.test(source[i] ?? '')) {
        throw new RuleError('A name cannot start with a digit.', i);
      }
      continue;
    }
    const word = matchAt(IDENTIFIER, source, i);
    if (word) {
      const lower = word.toLowerCase();
      tokens.push(
        KEYWORDS.has(lower)
          ? { kind: 'keyword', value: lower, position: i }
          : { kind: 'name', value: word, position: i },
      );
      i += word.length;
      continue;
    }
    throw new RuleError(`Unexpected character '${ch}'.`, i);
  }
  tokens.push({ kind: 'end', value: '', position: source.length });
  return tokens;
}

export type Expr =
  | { type: 'const'; value: Value }
  | { type: 'var'; name: string; position: number }
  | { type: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { type: 'in'; needle: Expr; items: Value[]; negated: boolean }
  | { type: 'not'; operand: Expr }
  | { type: 'and' | 'or'; items: Expr[] };

function describeToken(token: Token): string {
  if (token.kind === 'end') return 'the end of the expression';
  if (token.kind === 'string') return `string '${token.value}'`;
  return `'${token.value}'`;
}

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index] as Token;
  }
  /** The current token's kind (a call, so TypeScript does not keep an earlier narrowing). */
  private kindNow(): Token['kind'] {
    return this.current.kind;
  }
  private advance(): Token {
    const token = this.current;
    if (token.kind !== 'end') this.index += 1;
    return token;
  }
  private atKeyword(word: string): boolean {
    return this.current.kind === 'keyword' && this.current.value === word;
  }
  private expect(kind: Token['kind'], what: string): Token {
    if (this.current.kind !== kind) throw new RuleError(`Expected ${what}.`, this.current.position);
    return this.advance();
  }
  private enter(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      throw new RuleError(`The expression is nested more than ${MAX_DEPTH} levels deep.`, this.current.position);
    }
  }

  parse(): Expr {
    if (this.current.kind === 'end') throw new RuleError('The expression is empty.', 0);
    const expr = this.parseJoin('or');
    if (this.kindNow() !== 'end')
      throw new RuleError(`Unexpected ${describeToken(this.current)}.`, this.current.position);
    return expr;
  }

  private parseJoin(word: 'or' | 'and'): Expr {
    const next = () => (word === 'or' ? this.parseJoin('and') : this.parseNot());
    const items = [next()];
    while (this.atKeyword(word)) {
      this.advance();
      items.push(next());
    }
    return items.length === 1 ? (items[0] as Expr) : { type: word, items };
  }

  private parseNot(): Expr {
    if (this.atKeyword('not')) {
      this.advance();
      this.enter();
      const operand = this.parseNot();
      this.depth -= 1;
      return { type: 'not', operand };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseOperand();
    const token = this.current;
    if (token.kind === 'op') {
      this.advance();
      const right = this.parseOperand();
      if (this.current.kind === 'op') {
        throw new RuleError("Comparisons cannot be chained; join them with 'and'.", this.current.position);
      }
      return { type: 'compare', op: token.value as CompareOp, left, right };
    }
    let negated = false;
    const after = this.tokens[this.index + 1];
    if (this.atKeyword('not') && after?.kind === 'keyword' && after.value === 'in') {
      this.advance();
      negated = true;
    }
    if (this.atKeyword('in')) {
      this.advance();
      return { type: 'in', needle: left, items: this.parseList(), negated };
    }
    return left;
  }

  private parseList(): Value[] {
    this.expect('[', "'[' to start a list");
    const items: Value[] = [];
    if (this.current.kind === ']') {
      this.advance();
      return items;
    }
    for (;;) {
      if (items.length >= MAX_LIST_ITEMS) {
        throw new RuleError(`A list holds at most ${MAX_LIST_ITEMS} values.`, this.current.position);
      }
      items.push(this.parseLiteral());
      if (this.current.kind === ',') {
        this.advance();
        continue;
      }
      this.expect(']', "',' or ']' in the list");
      return items;
    }
  }

  private parseLiteral(): Value {
    const token = this.current;
    if (token.kind === '-') {
      this.advance();
      return -Number(this.expect('number', "a number after '-'").value);
    }
    if (token.kind === 'string' || token.kind === 'number') {
      this.advance();
      return token.value;
    }
    if (token.kind === 'keyword' && (token.value === 'true' || token.value === 'false' || token.value === 'null')) {
      this.advance();
      return token.value === 'null' ? null : token.value === 'true';
    }
    throw new RuleError(`Expected a value, found ${describeToken(token)}.`, token.position);
  }

  private parseOperand(): Expr {
    const token = this.current;
    if (token.kind === '(') {
      this.advance();
      this.enter();
      const inner = this.parseJoin('or');
      this.depth -= 1;
      this.expect(')', "')'");
      return inner;
    }
    if (token.kind === 'name') {
      this.advance();
      return { type: 'var', name: String(token.value), position: token.position };
    }
    if (
      token.kind === 'string' ||
      token.kind === 'number' ||
      token.kind === '-' ||
      (token.kind === 'keyword' && ['true', 'false', 'null'].includes(String(token.value)))
    ) {
      return { type: 'const', value: this.parseLiteral() };
    }
    throw new RuleError(`Expected a value or a variable, found ${describeToken(token)}.`, token.position);
  }
}

export function parseRule(source: string): Expr {
  return new Parser(tokenize(source)).parse();
}

/** Each variable a rule reads, with where it first appears. */
export function variablesOf(expr: Expr, out = new Map<string, number>()): Map<string, number> {
  switch (expr.type) {
    case 'var':
      if (!out.has(expr.name)) out.set(expr.name, expr.position);
      break;
    case 'compare':
      variablesOf(expr.left, out);
      variablesOf(expr.right, out);
      break;
    case 'in':
      variablesOf(expr.needle, out);
      break;
    case 'not':
      variablesOf(expr.operand, out);
      break;
    case 'and':
    case 'or':
      for (const item of expr.items) variablesOf(item, out);
      break;
  }
  return out;
}

export type RuleCheck =
  | { ok: true; expr: Expr; variables: string[] }
  | { ok: false; message: string; position: number };

/** The rule's first problem and where it is: a syntax error, or a name that is not a variable. */
export function checkRule(source: string, known: readonly string[]): RuleCheck {
  let expr: Expr;
  try {
    expr = parseRule(source);
  } catch (error) {
    if (error instanceof RuleError) return { ok: false, message: error.message, position: error.position };
    throw error;
  }
  const used = variablesOf(expr);
  for (const [name, position] of used) {
    if (!known.includes(name)) {
      return { ok: false, message: `The variable '${name}' is not declared in the tree's variables.`, position };
    }
  }
  return { ok: true, expr, variables: [...used.keys()] };
}

// --------------------------------------------------------------------------- trying a rule

const toNumber = (value: unknown): number | null => {
  if (typeof value === 'boolean' || value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
};

const toBoolean = (value: unknown): boolean | null => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase())) {
    return value.trim().toLowerCase() === 'true';
  }
  return null;
};

function coerce(left: unknown, right: unknown): [unknown, unknown] {
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    const [a, b] = [toBoolean(left), toBoolean(right)];
    return a !== null && b !== null ? [a, b] : [left, right];
  }
  if (typeof left === 'number' || typeof right === 'number') {
    const [a, b] = [toNumber(left), toNumber(right)];
    return a !== null && b !== null ? [a, b] : [left, right];
  }
  return [left, right];
}

function equal(left: unknown, right: unknown): boolean {
  const [a, b] = coerce(left ?? null, right ?? null);
  return a === b;
}

function compare(op: CompareOp, left: unknown, right: unknown): boolean {
  if (op === '==') return equal(left, right);
  if (op === '!=') return !equal(left, right);
  const [a, b] = coerce(left, right);
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const [x, y] = [a as number | string, b as number | string];
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  const boolean = toBoolean(value);
  if (boolean !== null) return boolean;
  if (typeof value === 'number') return value !== 0;
  return value !== '';
}

function operandValue(expr: Expr, values: Readonly<Record<string, unknown>>): unknown {
  if (expr.type === 'const') return expr.value;
  if (expr.type === 'var') return values[expr.name] ?? null;
  return evaluateRule(expr, values);
}

/** True or false for these values (a missing one is null), as a session would decide. */
export function evaluateRule(expr: Expr, values: Readonly<Record<string, unknown>>): boolean {
  switch (expr.type) {
    case 'const':
    case 'var':
      return truthy(operandValue(expr, values));
    case 'compare':
      return compare(expr.op, operandValue(expr.left, values), operandValue(expr.right, values));
    case 'in': {
      const needle = operandValue(expr.needle, values);
      return expr.items.some((item) => equal(needle, item)) !== expr.negated;
    }
    case 'not':
      return !evaluateRule(expr.operand, values);
    case 'and':
      return expr.items.every((item) => evaluateRule(item, values));
    case 'or':
      return expr.items.some((item) => evaluateRule(item, values));
  }
}

// --------------------------------------------------------------------------- autocomplete

export interface Suggestion {
  insert: string;
  hint: string;
}

export const OPERATORS: Suggestion[] = [
  { insert: '==', hint: 'equals' },
  { insert: '!=', hint: 'differs from' },
  { insert: '<', hint: 'less than' },
  { insert: '<=', hint: 'at most' },
  { insert: '>', hint: 'more than' },
  { insert: '>=', hint: 'at least' },
  { insert: 'and', hint: 'both' },
  { insert: 'or', hint: 'either' },
  { insert: 'not', hint: 'the opposite' },
  { insert: 'in', hint: 'one of a [list]' },
  { insert: 'not in', hint: 'none of a [list]' },
  { insert: 'true', hint: 'yes' },
  { insert: 'false', hint: 'no' },
  { insert: 'null', hint: 'no value' },
];

/** The word (a name or an operator) being typed at `caret`. */
export function wordAt(text: string, caret: number): { start: number; end: number; prefix: string } {
  const before = text.slice(0, caret);
  const m = /([A-Za-z_][A-Za-z0-9_]*|[=!<>]+)$/.exec(before);
  const start = m ? caret - (m[1]?.length ?? 0) : caret;
  const rest = /^[A-Za-z0-9_]*/.exec(text.slice(caret))?.[0] ?? '';
  return { start, end: caret + rest.length, prefix: before.slice(start) };
}

/** What fits the word being typed: the tree's variables first, then the operators. Inside a
 * string, nothing; between words, nothing unless asked (`all`: Ctrl+Space). */
export function suggest(
  text: string,
  caret: number,
  variables: readonly { name: string; label: string }[],
  { all = false, limit = 8 }: { all?: boolean; limit?: number } = {},
): Suggestion[] {
  const quotes = text.slice(0, caret).match(/["']/g)?.length ?? 0;
  if (quotes % 2 === 1) return [];
  const { prefix } = wordAt(text, caret);
  if (prefix === '' && !all) return [];
  const p = prefix.toLowerCase();
  const vars = variables
    .filter((v) => v.name.toLowerCase().startsWith(p) && v.name !== prefix)
    .map((v) => ({ insert: v.name, hint: v.label }));
  const ops = OPERATORS.filter((o) => o.insert.startsWith(p) && o.insert !== prefix);
  return [...vars, ...ops].slice(0, limit);
}

/** The text with the word at `caret` replaced by the suggestion, and where the caret goes. */
export function applySuggestion(text: string, caret: number, insert: string): { text: string; caret: number } {
  const { start, end } = wordAt(text, caret);
  const after = text.slice(end);
  const spaced = after.startsWith(' ') ? insert : `${insert} `;
  return { text: text.slice(0, start) + spaced + after, caret: start + spaced.length };
}
