import { useId, useMemo, useRef, useState } from 'react';

import { useDebouncedValue } from '../../../lib/lists/hooks';
import { type RuleValues, useRuleCheck, useRuleChecks, useRuleGrammar } from '../hooks';
import { applySuggestion, type Suggestion, suggest } from '../logic';
import type { GraphNode, Rule, Variable } from '../model';

const NO_SUGGESTIONS: Suggestion[] = [];

/**
 * A rule's condition: the tree's variables and the operators offered as one types (arrows and
 * Enter or Tab pick one, Escape closes the list, Ctrl+Space lists everything), and the first
 * problem the server finds shown where it is, a moment after typing stops.
 */
export function RuleField({
  id,
  label,
  value,
  variables,
  serverError,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  variables: readonly Variable[];
  serverError?: string | undefined;
  onChange: (value: string) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  /** Ctrl+Space: every variable and operator, even between words. */
  const [all, setAll] = useState(false);
  const grammar = useRuleGrammar();
  const operators = grammar.data ?? NO_SUGGESTIONS;
  const options: Suggestion[] = useMemo(
    () => (caret === null || closed ? [] : suggest(value, caret, variables, operators, { all })),
    [value, caret, closed, all, variables, operators],
  );
  const [settled] = useDebouncedValue(value, 300);
  const check = useRuleCheck(settled, variables);
  // Only the answer for what the box holds now (not for an older text).
  const answer = check.data && settled === value && value.trim() !== '' ? check.data : null;
  const problem = answer && !answer.ok ? answer.error : null;
  const errorId = `${id}-error`;

  const pick = (suggestion: Suggestion) => {
    const at = caret ?? value.length;
    const next = applySuggestion(value, at, suggestion.insert);
    onChange(next.text);
    setCaret(next.caret);
    setAll(false);
    setActive(0);
    requestAnimationFrame(() => input.current?.setSelectionRange(next.caret, next.caret));
  };
  const track = () => {
    setCaret(input.current?.selectionStart ?? null);
    setClosed(false);
  };

  return (
    <div className="field rule-field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={input}
        id={id}
        value={value}
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        placeholder="location == 'office' and age_years >= 3"
        aria-autocomplete="list"
        aria-expanded={options.length > 0}
        aria-controls={listId}
        aria-activedescendant={options.length > 0 ? `${listId}-${Math.min(active, options.length - 1)}` : undefined}
        aria-invalid={problem || serverError ? true : undefined}
        aria-describedby={problem || serverError ? errorId : `${id}-hint`}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setClosed(false);
          setAll(false);
          setActive(0);
        }}
        onClick={track}
        onKeyUp={(e) => {
          if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') track();
        }}
        onBlur={() => setCaret(null)}
        onKeyDown={(e) => {
          if (e.key === ' ' && e.ctrlKey) {
            e.preventDefault();
            track();
            setAll(true);
            return;
          }
          if (options.length === 0) return;
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((a) => (a + step + options.length) % options.length);
          } else if (e.key === 'Enter' || e.key === 'Tab') {
            const chosen = options[Math.min(active, options.length - 1)];
            if (chosen) {
              e.preventDefault();
              pick(chosen);
            }
          } else if (e.key === 'Escape') {
            e.preventDefault();
            setClosed(true);
          }
        }}
      />
      {options.length > 0 && (
        <div id={listId} role="listbox" className="rule-suggestions" aria-label="Variables and operators">
          {options.map((o, i) => (
            <div
              key={o.insert}
              id={`${listId}-${i}`}
              tabIndex={-1}
              role="option"
              aria-selected={i === Math.min(active, options.length - 1)}
              // Keeps the focus in the input.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(o);
              }}
            >
              <code>{o.insert}</code> <span className="muted">{o.hint}</span>
            </div>
          ))}
        </div>
      )}
      {!problem && !serverError && (
        <p className="field-hint" id={`${id}-hint`}>
          Type a variable or an operator for suggestions (Ctrl+Space lists them all).
        </p>
      )}
      {problem ? (
        <div className="field-error rule-error" id={errorId} role="alert">
          <p>
            {problem.message} (at character {problem.position + 1})
          </p>
          <pre aria-hidden="true">
            {value}
            {'\n'}
            {`${' '.repeat(problem.position)}${'^'.repeat(Math.max(1, problem.length))}`}
          </pre>
        </div>
      ) : (
        serverError && (
          <p className="field-error" id={errorId}>
            {serverError}
          </p>
        )
      )}
    </div>
  );
}

type Sample = Record<string, string>;

function sampleValue(variable: Variable | undefined, text: string): RuleValues[string] {
  if (text === '') return null;
  if (variable?.type === 'number') return Number.isFinite(Number(text)) ? Number(text) : text;
  if (variable?.type === 'boolean') return text === 'true';
  return text;
}

/** "Try the rules": sample values for the variables the rules read, and where a session would
 * go (each rule tried by the server, the first true one wins, else the default). */
export function TryRules({
  node,
  variables,
  titleOf,
}: {
  node: GraphNode;
  variables: readonly Variable[];
  titleOf: (id: string) => string;
}) {
  const [sample, setSample] = useState<Sample>({});
  const [settled] = useDebouncedValue(sample, 300);
  const rules: Rule[] = node.rules ?? [];
  const expressions = rules.map((r) => r.when);
  // What each rule reads (asked without values, so the fields stay put while values change).
  const shapes = useRuleChecks(expressions, variables, {});
  const used = [...new Set(shapes.flatMap((q) => q.data?.variables_used ?? []))];
  const values: RuleValues = Object.fromEntries(
    used.map((name) => [
      name,
      sampleValue(
        variables.find((v) => v.name === name),
        settled[name] ?? '',
      ),
    ]),
  );
  const tried = useRuleChecks(expressions, variables, values);
  if (rules.length === 0) return null;

  const answers = tried.map((q) => q.data);
  const waiting = answers.some((a, i) => !a && expressions[i]?.trim());
  const broken = answers.findIndex((a, i) => !expressions[i]?.trim() || (a && !a.ok));
  const taken = answers.findIndex((a) => a?.ok && a.result === true);
  const firstBroken = broken >= 0 && (taken < 0 || broken < taken) ? broken : -1;
  const rule = taken >= 0 ? rules[taken] : undefined;
  const result = waiting
    ? 'Trying…'
    : firstBroken >= 0
      ? `Rule ${firstBroken + 1} cannot be tried until its condition is fixed.`
      : rule
        ? `Rule ${taken + 1}${rule.label ? ` (“${rule.label}”)` : ''} is the first true rule: the session goes to ${
            rule.next ? titleOf(rule.next) : 'nowhere yet (choose where it leads)'
          }.`
        : `No rule is true: the session goes to ${node.default ? titleOf(node.default) : 'nowhere yet (choose the default)'} (otherwise).`;

  return (
    <fieldset className="sub-list try-rules">
      <legend>Try the rules</legend>
      {used.length === 0 && <p className="muted">The rules read no variable.</p>}
      {used.map((name) => {
        const variable = variables.find((v) => v.name === name);
        const fieldId = `${node.id}-try-${name}`;
        const set = (text: string) => setSample((s) => ({ ...s, [name]: text }));
        return (
          <div key={name} className="field">
            <label htmlFor={fieldId}>
              {variable?.label ?? name} <code>{name}</code>
            </label>
            {variable?.type === 'choice' || variable?.type === 'boolean' ? (
              <select id={fieldId} value={sample[name] ?? ''} onChange={(e) => set(e.target.value)}>
                <option value="">(no value)</option>
                {(variable.type === 'boolean' ? ['true', 'false'] : (variable.choices ?? [])).map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={fieldId}
                type={variable?.type === 'number' ? 'number' : variable?.type === 'date' ? 'date' : 'text'}
                value={sample[name] ?? ''}
                onChange={(e) => set(e.target.value)}
              />
            )}
          </div>
        );
      })}
      <p className="try-result" role="status">
        {result}
      </p>
    </fieldset>
  );
}
