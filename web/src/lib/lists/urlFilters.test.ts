import { describe, expect, it } from 'vitest';

import { type FilterSpec, readFilters, writeFilters } from './urlFilters';

interface Filters extends Record<string, string> {
  tab: string;
  status: string;
  tree: string;
  from: string;
  q: string;
  unanswered: string;
}

const SPEC: FilterSpec<Filters> = {
  tab: ['mine', 'assigned', 'all'],
  status: ['completed', 'abandoned'],
  tree: 'uuid',
  from: 'date',
  q: 'text',
  unanswered: 'flag',
};
const DEFAULTS: Filters = { tab: 'mine', status: '', tree: '', from: '', q: '', unanswered: '' };
const TREE = '0f8fad5b-d9cb-469f-a165-70867728950e';

const read = (query: string) => readFilters(new URLSearchParams(query), SPEC, DEFAULTS);

describe('filters in the URL', () => {
  it('reads every kind of filter', () => {
    expect(read(`tab=all&status=completed&tree=${TREE}&from=2026-03-01&q=INC-1234&unanswered=1`)).toEqual({
      tab: 'all',
      status: 'completed',
      tree: TREE,
      from: '2026-03-01',
      q: 'INC-1234',
      unanswered: '1',
    });
  });

  it('reads the defaults from an empty query', () => {
    expect(read('')).toEqual(DEFAULTS);
  });

  it('reads an unusable value as the default, never as a filter the API would refuse', () => {
    expect(read('tab=everyone&status=<b>&tree=not-a-uuid&from=2026-13-45&unanswered=yes')).toEqual(DEFAULTS);
    expect(read(`q=${'x'.repeat(201)}`).q).toBe('');
  });

  it('keeps the search text as typed, spaces included', () => {
    expect(read('q=pump+room+2').q).toBe('pump room 2');
  });

  it('writes only what differs from the defaults', () => {
    const query = writeFilters({ ...DEFAULTS, status: 'abandoned', q: 'Tess' }, SPEC, DEFAULTS);
    expect(query.toString()).toBe('status=abandoned&q=Tess');
    expect(writeFilters(DEFAULTS, SPEC, DEFAULTS).toString()).toBe('');
  });

  it('carries over parameters that are not filters', () => {
    const query = writeFilters({ ...DEFAULTS, tab: 'all' }, SPEC, DEFAULTS, new URLSearchParams('tab=mine&ref=mail'));
    expect(query.toString()).toBe('ref=mail&tab=all');
  });

  it('reads back what it wrote', () => {
    const filters = { ...DEFAULTS, tab: 'assigned', tree: TREE, from: '2026-01-31', q: 'a&b=c ?', unanswered: '1' };
    expect(read(writeFilters(filters, SPEC, DEFAULTS).toString())).toEqual(filters);
  });
});
