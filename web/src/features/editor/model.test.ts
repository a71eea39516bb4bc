import { describe, expect, it } from 'vitest';

import { initialPositions, layoutPositions, NODE_HEIGHT, placeBelow } from './layout';
import {
  addNode,
  blankNode,
  changeKind,
  connect,
  fromGraph,
  isPanelField,
  newNodeId,
  normaliseProblems,
  problemField,
  problemsByNode,
  removeEdges,
  removeNodes,
  syncFlowNodes,
  toFlowEdges,
  toGraph,
  updateNode,
  type EditorDoc,
  type Graph,
} from './model';

const graph: Graph = {
  start: 'n1',
  variables: [{ name: 'serial', label: 'Serial', type: 'text', required: 'at_start' }],
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Power?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n3' },
      ],
      position: { x: 10, y: 20 },
    },
    { id: 'n2', kind: 'logic', title: 'Check', rules: [{ when: 'serial == "A"', next: 'n3' }], default: 'n4' },
    { id: 'n3', kind: 'solution', title: 'Fixed' },
    { id: 'n4', kind: 'escalation', title: 'Call tier 2' },
  ],
};

describe('graph <-> React Flow', () => {
  it('splits positions off the graph and puts them back on save', () => {
    const { doc, positions } = fromGraph(graph);
    expect(doc.start).toBe('n1');
    expect(doc.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(doc.nodes[0]).not.toHaveProperty('position');
    expect(positions.get('n1')).toEqual({ x: 10, y: 20 });
    const saved = toGraph(doc, new Map([['n1', { x: 10.4, y: 99.6 }]]));
    expect(saved.nodes?.[0]?.position).toEqual({ x: 10, y: 100 });
    expect(saved.nodes?.[1]).not.toHaveProperty('position');
    expect(saved.variables).toEqual(graph.variables);
  });

  it('draws one edge per option, rule and default that leads to a node', () => {
    const { doc } = fromGraph(graph);
    const edges = toFlowEdges(doc);
    expect(edges.map((e) => [e.id, e.source, e.target, e.label])).toEqual([
      ['n1|o|o1', 'n1', 'n2', 'Yes'],
      ['n1|o|o2', 'n1', 'n3', 'No'],
      ['n2|r|0', 'n2', 'n3', 'serial == "A"'],
      ['n2|d', 'n2', 'n4', 'otherwise'],
    ]);
    // a dangling next has no edge
    const dangling = updateNode(doc, 'n1', (n) => ({ ...n, options: [{ id: 'o1', label: 'x', next: 'gone' }] }));
    expect(toFlowEdges(dangling).filter((e) => e.source === 'n1')).toEqual([]);
  });

  it('keeps unchanged React Flow nodes (same object) and their position', () => {
    const { doc, positions } = fromGraph(graph);
    const first = syncFlowNodes(doc, [], positions, new Map());
    expect(first[0]?.position).toEqual({ x: 10, y: 20 });
    expect(first[0]?.data.isStart).toBe(true);
    const moved = first.map((n) => (n.id === 'n1' ? { ...n, position: { x: 500, y: 500 } } : n));
    const edited = updateNode(doc, 'n3', (n) => ({ ...n, title: 'Fixed!' }));
    const second = syncFlowNodes(edited, moved, positions, new Map([['n4', 2]]));
    expect(second[0]).toBe(moved[0]); // untouched: same object, dragged position kept
    expect(second[1]).toBe(moved[1]);
    expect(second[2]).not.toBe(moved[2]);
    expect(second[2]?.data.node.title).toBe('Fixed!');
    expect(second[3]?.data.problems).toBe(2);
  });
});

describe('editing', () => {
  const doc = (): EditorDoc => fromGraph(graph).doc;

  it('numbers new nodes after the highest id and makes the first node the start', () => {
    expect(newNodeId(doc())).toBe('n5');
    const empty: EditorDoc = { start: null, variables: [], nodes: [] };
    const one = addNode(empty, blankNode(newNodeId(empty), 'question'));
    expect(one.start).toBe('n1');
    expect(addNode(one, blankNode('n2', 'solution')).start).toBe('n1');
  });

  it('connects by the kind of the source', () => {
    const d = addNode(doc(), blankNode('n5', 'action'));
    const action = connect(d, 'n5', 'n3');
    expect(action?.nodes.find((n) => n.id === 'n5')?.options).toEqual([{ id: 'o1', label: 'Done', next: 'n3' }]);
    const question = connect(d, 'n1', 'n4');
    expect(question?.nodes[0]?.options?.[2]).toEqual({ id: 'o3', label: 'Option 3', next: 'n4' });
    const logic = connect(d, 'n2', 'n1');
    expect(logic?.nodes[1]?.rules).toHaveLength(2); // default taken: a new rule
    expect(connect(d, 'n3', 'n1')).toBeNull(); // a solution ends the path
    expect(connect(d, 'n1', 'nope')).toBeNull();
  });

  it('fills the first unconnected option before adding one', () => {
    const d = updateNode(doc(), 'n1', (n) => ({ ...n, options: [{ id: 'o1', label: 'Yes', next: null }] }));
    expect(connect(d, 'n1', 'n4')?.nodes[0]?.options).toEqual([{ id: 'o1', label: 'Yes', next: 'n4' }]);
  });

  it('removing a node disconnects everything that led to it, and the start', () => {
    const d = removeNodes(doc(), new Set(['n3', 'n1']));
    expect(d.nodes.map((n) => n.id)).toEqual(['n2', 'n4']);
    expect(d.nodes[0]?.rules?.[0]?.next).toBeNull();
    expect(d.start).toBeNull();
  });

  it('removing an edge leaves the option, leading nowhere', () => {
    const d = doc();
    const edges = toFlowEdges(d);
    const out = removeEdges(
      d,
      edges.filter((e) => e.id === 'n1|o|o2' || e.id === 'n2|d'),
    );
    expect(out.nodes[0]?.options?.[1]).toEqual({ id: 'o2', label: 'No', next: null });
    expect(out.nodes[1]?.default).toBeNull();
  });

  it('changing the kind drops what the new kind cannot have', () => {
    const question = doc().nodes[0];
    if (!question) throw new Error('no node');
    expect(changeKind(question, 'solution').options).toEqual([]);
    expect(changeKind(question, 'action').options).toHaveLength(2);
    const solved = { ...changeKind(question, 'solution'), outcome_label: 'Replaced toner' };
    expect(changeKind(solved, 'escalation').outcome_label).toBe('Replaced toner');
    expect(changeKind(solved, 'question')).not.toHaveProperty('outcome_label');
    expect(changeKind(question, 'link').tree_id).toBeNull();
  });

  it('leaves the document untouched when nothing changed', () => {
    const d = doc();
    expect(updateNode(d, 'n1', (n) => n)).toBe(d);
    expect(removeNodes(d, new Set())).toBe(d);
  });
});

describe('publish problems', () => {
  it('pins problems to their node and field', () => {
    const problems = normaliseProblems([
      { node_id: 'n1', field: 'graph.nodes[0].options[1].next', code: 'missing_next', message: 'Choose' },
      { node_id: 'n1', field: 'graph.nodes[0]', code: 'no_path_to_end', message: 'No path' },
      { node_id: null, field: 'graph.start', code: 'missing_start', message: 'Start' },
    ]);
    expect(problems.map(problemField)).toEqual(['options[1].next', '', 'start']);
    expect(problems.map((p) => isPanelField(problemField(p)))).toEqual([true, false, false]);
    expect([...problemsByNode(problems).entries()].map(([id, list]) => [id, list.length])).toEqual([['n1', 2]]);
  });
});

describe('layout', () => {
  it('puts the start on top and every child below its parent', () => {
    const { doc } = fromGraph(graph);
    const at = layoutPositions(doc);
    expect(at.size).toBe(4);
    const y = (id: string) => at.get(id)?.y ?? Number.NaN;
    expect(y('n1')).toBeLessThan(y('n2'));
    expect(y('n2')).toBeLessThan(y('n4'));
    expect(y('n1')).toBeLessThan(y('n3'));
  });

  it('keeps saved positions when every node has one, else lays the tree out', () => {
    const { doc, positions } = fromGraph(graph);
    expect(initialPositions(doc, positions).laidOut).toBe(true); // only n1 had a position
    const all = new Map(doc.nodes.map((n, i) => [n.id, { x: i, y: i }]));
    const kept = initialPositions(doc, all);
    expect(kept.laidOut).toBe(false);
    expect(kept.positions.get('n3')).toEqual({ x: 2, y: 2 });
  });

  it('places a new node below its anchor without overlapping others', () => {
    const below = placeBelow({ x: 0, y: 0 }, []);
    expect(below.y).toBeGreaterThan(NODE_HEIGHT);
    const taken = [below];
    const next = placeBelow({ x: 0, y: 0 }, taken);
    expect(next.y).toBe(below.y);
    expect(next.x).toBeGreaterThan(below.x);
  });
});
