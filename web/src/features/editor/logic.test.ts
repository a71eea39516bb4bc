import { describe, expect, it } from 'vitest';

import { applySuggestion, suggest, wordAt } from './logic';

// As `GET trees/logic/grammar` lists them.
const operators = ['==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'not', 'in', 'true', 'false', 'null'].map(
  (insert) => ({ insert, hint: '' }),
);

describe('autocomplete', () => {
  const variables = [
    { name: 'location', label: 'Where is the customer?' },
    { name: 'age_years', label: 'Age' },
  ];

  it('offers the variables first, then the operators, for the word being typed', () => {
    expect(suggest('lo', 2, variables, operators).map((s) => s.insert)).toEqual(['location']);
    expect(suggest('location ', 9, variables, operators)).toEqual([]); // between words: only when asked
    expect(
      suggest('location ', 9, variables, operators, { all: true })
        .map((s) => s.insert)
        .slice(0, 3),
    ).toEqual(['location', 'age_years', '==']);
    expect(suggest('location >', 10, variables, operators).map((s) => s.insert)).toEqual(['>=']);
    expect(suggest('age_years > 3 a', 15, variables, operators).map((s) => s.insert)).toEqual(['age_years', 'and']);
    expect(suggest('location == "lo', 15, variables, operators)).toEqual([]); // inside a string
  });

  it('replaces the word at the caret and puts the caret after it', () => {
    expect(wordAt('age_years > 3 a', 15)).toEqual({ start: 14, end: 15, prefix: 'a' });
    expect(applySuggestion('age_years > 3 a', 15, 'and')).toEqual({ text: 'age_years > 3 and ', caret: 18 });
    expect(applySuggestion('loc == 1', 3, 'location')).toEqual({ text: 'location == 1', caret: 8 });
  });
});
