import { describe, expect, it } from 'vitest';

import { applySuggestion, checkRule, evaluateRule, parseRule, suggest, wordAt } from './logic';

const vars = ['location', 'age_years', 'under_warranty', 'model', 'firmware', 'region'];
const run = (source: string, values: Record<string, unknown>) => evaluateRule(parseRule(source), values);

describe('rule check', () => {
  it('accepts the grammar of the server (trees/logic.py)', () => {
    for (const source of [
      'location == "office"',
      'age_years >= 3 and not under_warranty',
      'region in ["eu", "uk"] or (model == \'X200\' and firmware < 4.2)',
      'region not in ["us"]',
      'firmware > -1.5e2',
      'NOT under_warranty OR age_years != null',
    ]) {
      expect(checkRule(source, vars), source).toMatchObject({ ok: true });
    }
  });

  it('names the problem and its 0-based position, in the server’s words', () => {
    expect(checkRule('location = "office"', vars)).toEqual({
      ok: false,
      message: "Use '==' to compare.",
      position: 9,
    });
    expect(checkRule('age_years >= ', vars)).toEqual({
      ok: false,
      message: 'Expected a value or a variable, found the end of the expression.',
      position: 13,
    });
    expect(checkRule('location == "office', vars)).toMatchObject({
      message: 'This string is not closed.',
      position: 12,
    });
    expect(checkRule('1 < age_years < 5', vars)).toMatchObject({
      message: "Comparisons cannot be chained; join them with 'and'.",
      position: 14,
    });
    expect(checkRule('region in ["eu" "uk"]', vars)).toMatchObject({
      message: "Expected ',' or ']' in the list.",
      position: 16,
    });
    expect(checkRule('(age_years > 3', vars)).toMatchObject({ message: "Expected ')'.", position: 14 });
    expect(checkRule('3abc', vars)).toMatchObject({ message: 'A name cannot start with a digit.', position: 1 });
    expect(checkRule('age_years > 3 3', vars)).toMatchObject({ message: "Unexpected '3'.", position: 14 });
    expect(checkRule('age_years ~ 3', vars)).toMatchObject({ message: "Unexpected character '~'.", position: 10 });
    expect(checkRule('   ', vars)).toMatchObject({ message: 'The expression is empty.', position: 0 });
  });

  it('flags a name that is not one of the tree’s variables, where it stands', () => {
    expect(checkRule('age_years > 3 and colour == "red"', vars)).toEqual({
      ok: false,
      message: "The variable 'colour' is not declared in the tree's variables.",
      position: 18,
    });
  });
});

describe('trying a rule', () => {
  it('compares gently, like a session: numbers from form text, booleans from "true"', () => {
    expect(run('age_years >= 3', { age_years: '4' })).toBe(true);
    expect(run('age_years >= 3', { age_years: 2 })).toBe(false);
    expect(run('age_years >= 3', {})).toBe(false); // missing: ordering is false
    expect(run('under_warranty', { under_warranty: 'false' })).toBe(false);
    expect(run('not under_warranty', { under_warranty: false })).toBe(true);
    expect(run('location == "office"', { location: 'office' })).toBe(true);
    expect(run('region in ["eu", "uk"]', { region: 'uk' })).toBe(true);
    expect(run('region not in ["eu", "uk"]', { region: 'uk' })).toBe(false);
    expect(run('model == null', {})).toBe(true);
    expect(run('age_years > "abc"', { age_years: 3 })).toBe(false); // a number against a word
  });
});

describe('autocomplete', () => {
  const variables = [
    { name: 'location', label: 'Where is the customer?' },
    { name: 'age_years', label: 'Age' },
  ];

  it('offers the variables first, then the operators, for the word being typed', () => {
    expect(suggest('lo', 2, variables).map((s) => s.insert)).toEqual(['location']);
    expect(suggest('location ', 9, variables)).toEqual([]); // between words: only when asked
    expect(
      suggest('location ', 9, variables, { all: true })
        .map((s) => s.insert)
        .slice(0, 3),
    ).toEqual(['location', 'age_years', '==']);
    expect(suggest('location >', 10, variables).map((s) => s.insert)).toEqual(['>=']);
    expect(suggest('age_years > 3 a', 15, variables).map((s) => s.insert)).toEqual(['age_years', 'and']);
    expect(suggest('location == "lo', 15, variables)).toEqual([]); // inside a string
  });

  it('replaces the word at the caret and puts the caret after it', () => {
    expect(wordAt('age_years > 3 a', 15)).toEqual({ start: 14, end: 15, prefix: 'a' });
    expect(applySuggestion('age_years > 3 a', 15, 'and')).toEqual({ text: 'age_years > 3 and ', caret: 18 });
    expect(applySuggestion('loc == 1', 3, 'location')).toEqual({ text: 'location == 1', caret: 8 });
  });
});
