import { describe, expect, it } from 'vitest';

import type { Graph } from '../../client';
import { answer, interpolate, missingAtStart, naturalOutcome, nodeOf, runsOffline } from './navigate';

const graph: Graph = {
  start: 'q1',
  variables: [{ name: 'serial', label: 'Serial', type: 'text', required: 'at_start' }],
  nodes: [
    {
      id: 'q1',
      kind: 'question',
      title: 'Is {{serial}} on?',
      options: [
        { id: 'y', label: 'Yes', next: 's1' },
        { id: 'n', label: 'No', next: 'l1' },
      ],
    },
    { id: 'l1', kind: 'logic', title: 'Old?', rules: [], default: 's1' },
    { id: 's1', kind: 'solution', title: 'Done' },
  ],
};

describe('offline navigation', () => {
  it('follows an option to its node and refuses one that is not there', () => {
    const q1 = nodeOf(graph, 'q1');
    expect(q1 && answer(q1, 'y')).toEqual({ next: 's1', label: 'Yes' });
    expect(q1 && answer(q1, 'x')).toBeNull();
  });

  it('runs choices and end nodes, and leaves logic nodes to the server', () => {
    expect(runsOffline(nodeOf(graph, 'q1'))).toBe(true);
    expect(runsOffline(nodeOf(graph, 's1'))).toBe(true);
    expect(runsOffline(nodeOf(graph, 'l1'))).toBe(false);
    expect(runsOffline(undefined)).toBe(false);
  });

  it('interpolates intake values as plain text', () => {
    expect(interpolate('Is {{serial}} on? {{missing}}', { serial: 'SN-1' })).toBe('Is SN-1 on? ');
    expect(interpolate('{{ok}}', { ok: true })).toBe('yes');
  });

  it('knows the outcome of end nodes and the values needed to start', () => {
    expect(naturalOutcome(nodeOf(graph, 's1'))).toBe('resolved');
    expect(naturalOutcome(nodeOf(graph, 'q1'))).toBeNull();
    expect(missingAtStart(graph, {})).toEqual(['serial']);
    expect(missingAtStart(graph, { serial: 'x' })).toEqual([]);
  });
});
