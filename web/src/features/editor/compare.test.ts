import { describe, expect, it } from 'vitest';

import { compareDrawing, fieldText, isEmptyDiff, nodeChangeLines, type VersionDiff } from './compare';
import type { Graph } from './model';

const before: Graph = {
  start: 'n1',
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Power?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n3' },
      ],
      position: { x: 0, y: 0 },
    },
    { id: 'n2', kind: 'solution', title: 'Fixed', position: { x: -200, y: 200 } },
    { id: 'n3', kind: 'escalation', title: 'Call us', position: { x: 200, y: 200 } },
  ],
};
const after: Graph = {
  start: 'n1',
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Power?',
      options: [
        { id: 'o1', label: 'Yes, it has', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n4' },
      ],
      position: { x: 0, y: 0 },
    },
    { id: 'n2', kind: 'solution', title: 'Fixed', position: { x: -200, y: 200 } },
    { id: 'n4', kind: 'escalation', title: 'Call tier 2', position: { x: 200, y: 200 } },
  ],
};
// What the server answers for these two graphs (trees/diff.py).
const diff: VersionDiff = {
  from_version: 1,
  to_version: 2,
  start: null,
  nodes_added: [{ id: 'n4', kind: 'escalation', title: 'Call tier 2' }],
  nodes_removed: [{ id: 'n3', kind: 'escalation', title: 'Call us' }],
  nodes_changed: [
    {
      node_id: 'n1',
      title: 'Power?',
      changes: [],
      options_added: [],
      options_removed: [],
      options_changed: [
        { option_id: 'o1', changes: [{ field: 'label', before: 'Yes', after: 'Yes, it has' }] },
        { option_id: 'o2', changes: [{ field: 'next', before: 'n3', after: 'n4' }] },
      ],
    },
  ],
  edges_added: [{ source: 'n1', via: 'option', key: 'o2', target: 'n4', label: 'No' }],
  edges_removed: [{ source: 'n1', via: 'option', key: 'o2', target: 'n3', label: 'No' }],
  variables_added: [],
  variables_removed: [],
  variables_changed: [],
};

describe('compare drawing', () => {
  it('draws the nodes of both graphs, marked as the server says', () => {
    const drawing = compareDrawing(before, after, diff);
    expect(drawing.nodes.map((n) => [n.id, n.status])).toEqual([
      ['n1', 'changed'],
      ['n2', null],
      ['n4', 'added'],
      ['n3', 'removed'],
    ]);
    expect(drawing.nodes.find((n) => n.id === 'n1')?.before?.options?.[0]?.label).toBe('Yes');
  });

  it('moves a removed node aside when a newer node stands where it was', () => {
    const drawing = compareDrawing(before, after, diff);
    const n3 = drawing.nodes.find((n) => n.id === 'n3')?.position;
    const n4 = drawing.nodes.find((n) => n.id === 'n4')?.position;
    expect(n4).toEqual({ x: 200, y: 200 });
    expect(n3?.y).toBe(200);
    expect(Math.abs((n3?.x ?? 0) - 200)).toBeGreaterThanOrEqual(220);
  });

  it('marks the edges the server says were added and removed, and kept ones relabelled', () => {
    const drawing = compareDrawing(before, after, diff);
    expect(drawing.edges.map((e) => [e.id, e.target, e.status])).toEqual([
      ['n1|o|o1', 'n2', 'changed'], // same target, new label
      ['n1|o|o2', 'n4', 'added'],
      ['n1|o|o2|was', 'n3', 'removed'],
    ]);
    expect(drawing.counts).toEqual({
      added: { nodes: 1, edges: 1 },
      removed: { nodes: 1, edges: 1 },
      changed: { nodes: 1, edges: 1 },
    });
  });

  it('lays out with dagre when a graph has no positions', () => {
    const strip = (g: Graph): Graph => ({ ...g, nodes: g.nodes?.map(({ position: _, ...n }) => n) });
    const drawing = compareDrawing(strip(before), strip(after), diff);
    const ys = new Set(drawing.nodes.map((n) => n.position.y));
    expect(ys.size).toBe(2); // the question above, its three targets on one rank
  });
});

describe('change lines', () => {
  it('reads each change as field, before and after', () => {
    expect(nodeChangeLines(diff.nodes_changed[0] as VersionDiff['nodes_changed'][number])).toEqual([
      { what: 'Option o1: label', before: 'Yes', after: 'Yes, it has' },
      { what: 'Option o2: leads to', before: 'n3', after: 'n4' },
    ]);
    expect(fieldText('rules', [{ when: 'a == 1', label: 'A is one', next: 'n2' }])).toBe('1. A is one (a == 1) → n2');
    expect(fieldText('body', '')).toBe('(empty)');
    expect(isEmptyDiff(diff)).toBe(false);
    expect(isEmptyDiff({ ...diff, nodes_added: [], nodes_removed: [], nodes_changed: [] })).toBe(false);
    expect(
      isEmptyDiff({
        ...diff,
        nodes_added: [],
        nodes_removed: [],
        nodes_changed: [],
        edges_added: [],
        edges_removed: [],
      }),
    ).toBe(true);
  });
});
