// Autocomplete in a logic rule's condition: the word being typed, what fits it (the tree's
// variables, then the operators and keywords of `GET trees/logic/grammar`), and putting a
// choice in. Checking and trying a rule is the server's (`POST trees/logic/check`). Pure, unit
// tested in logic.test.ts.

export interface Suggestion {
  insert: string;
  hint: string;
}

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
  operators: readonly Suggestion[],
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
  const ops = operators.filter((o) => o.insert.startsWith(p) && o.insert !== prefix);
  return [...vars, ...ops].slice(0, limit);
}

/** The text with the word at `caret` replaced by the suggestion, and where the caret goes. */
export function applySuggestion(text: string, caret: number, insert: string): { text: string; caret: number } {
  const { start, end } = wordAt(text, caret);
  const after = text.slice(end);
  const spaced = after.startsWith(' ') ? insert : `${insert} `;
  return { text: text.slice(0, start) + spaced + after, caret: start + spaced.length };
}
