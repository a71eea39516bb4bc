import { describe, expect, it } from 'vitest';

import { blankNode, type Graph } from './model';
import { editorReducer, initialState, selectedNodeId, type EditorAction, type EditorState } from './state';

const graph: Graph = {
  start: 'n1',
  variables: [],
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Power?',
      options: [{ id: 'o1', label: 'Yes', next: 'n2' }],
      position: { x: 0, y: 0 },
    },
    { id: 'n2', kind: 'solution', title: 'Fixed', position: { x: 0, y: 200 } },
  ],
};

const open = () => initialState({ graph, revision: 4 }, 'Pump');
const run = (state: EditorState, ...actions: EditorAction[]) => actions.reduce(editorReducer, state);

describe('editor reducer', () => {
  it('opens clean on the saved draft, with a React Flow node per node', () => {
    const state = open();
    expect(state.dirty).toBe(false);
    expect(state.revision).toBe(4);
    expect(state.title).toBe('Pump');
    expect(state.nodes.map((n) => [n.id, n.position])).toEqual([
      ['n1', { x: 0, y: 0 }],
      ['n2', { x: 0, y: 200 }],
    ]);
  });

  it('an edit marks the draft dirty and redraws only the node that changed', () => {
    const before = open();
    const after = run(before, {
      type: 'edit',
      change: (doc) => ({ ...doc, nodes: doc.nodes.map((n) => (n.id === 'n2' ? { ...n, title: 'Done' } : n)) }),
    });
    expect(after.dirty).toBe(true);
    expect(after.edits).toBe(1);
    expect(after.nodes[0]).toBe(before.nodes[0]);
    expect(after.nodes[1]?.data.node.title).toBe('Done');
    // An edit that changes nothing is no edit.
    expect(run(after, { type: 'edit', change: (doc) => doc })).toBe(after);
  });

  it('adds a node at its place, connected from its parent, and selects it', () => {
    const state = run(
      open(),
      { type: 'add-node', node: blankNode('n3', 'action', 'New action'), position: { x: 10, y: 400 }, from: 'n2' },
      { type: 'select', id: 'n3' },
    );
    // n2 is a solution: nothing can follow it, so n3 stays unconnected.
    expect(state.doc.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    expect(state.nodes.find((n) => n.id === 'n3')?.position).toEqual({ x: 10, y: 400 });
    expect(selectedNodeId(state)).toBe('n3');
    const connected = run(state, {
      type: 'add-node',
      node: blankNode('n4', 'solution'),
      position: { x: 0, y: 600 },
      from: 'n3',
    });
    expect(connected.doc.nodes.find((n) => n.id === 'n3')?.options?.[0]?.next).toBe('n4');
  });

  it('refuses to connect from a node that ends the path, and says why', () => {
    const state = run(open(), { type: 'connect', source: 'n2', target: 'n1' });
    expect(state.message).toMatch(/cannot lead to another node/);
    expect(state.dirty).toBe(false);
    const ok = run(
      state,
      { type: 'add-node', node: blankNode('n3', 'question'), position: { x: 0, y: 0 } },
      { type: 'connect', source: 'n3', target: 'n1' },
    );
    expect(ok.message).toBeNull();
  });

  it('deletes nodes (and what led to them) and edges', () => {
    const state = run(open(), { type: 'remove-nodes', ids: ['n2'] });
    expect(state.doc.nodes.map((n) => n.id)).toEqual(['n1']);
    expect(state.doc.nodes[0]?.options?.[0]?.next ?? null).toBeNull();
    expect(state.nodes.map((n) => n.id)).toEqual(['n1']);
  });

  it('a drag that ends marks the draft dirty; selecting does not', () => {
    const selected = run(open(), { type: 'nodes-change', changes: [{ type: 'select', id: 'n1', selected: true }] });
    expect(selected.dirty).toBe(false);
    expect(selectedNodeId(selected)).toBe('n1');
    const dragged = run(selected, {
      type: 'nodes-change',
      changes: [{ type: 'position', id: 'n1', position: { x: 50, y: 60 }, dragging: false }],
    });
    expect(dragged.dirty).toBe(true);
    expect(dragged.nodes[0]?.position).toEqual({ x: 50, y: 60 });
    expect(dragged.edits).toBe(0); // positions are not document edits
  });

  it('a save clears dirty only when nothing was edited while it ran', () => {
    const edited = run(
      open(),
      { type: 'title', title: 'Pump P-100' },
      { type: 'edit', change: (d) => ({ ...d, start: 'n2' }) },
    );
    const clean = run(
      edited,
      { type: 'started', pending: 'save' },
      { type: 'saved', revision: 5, editsAtStart: edited.edits },
      { type: 'finished' },
    );
    expect(clean).toMatchObject({ dirty: false, revision: 5, pending: null, notice: 'All changes saved.' });

    const editedMeanwhile = run(
      edited,
      { type: 'edit', change: (d) => ({ ...d, start: 'n1' }) },
      { type: 'saved', revision: 5, editsAtStart: edited.edits },
    );
    expect(editedMeanwhile.dirty).toBe(true);
    expect(editedMeanwhile.revision).toBe(5);
  });

  it('pins the problems of a refused publish to their nodes, and clears them once published', () => {
    const problem = { node_id: 'n2', field: 'nodes[1].title', code: 'required', message: 'A title is needed.' };
    const refused = run(open(), { type: 'refused', problems: [problem] });
    expect(refused.nodes.find((n) => n.id === 'n2')?.data.problems).toBe(1);
    const published = run(refused, { type: 'changelog', changelog: 'First' }, { type: 'published', version: 1 });
    expect(published.nodes.find((n) => n.id === 'n2')?.data.problems).toBe(0);
    expect(published).toMatchObject({ changelog: '', notice: 'Published version 1.', problems: [] });
  });

  it('a check reports whether the draft can be published', () => {
    expect(run(open(), { type: 'checked', problems: [], valid: true }).notice).toBe(
      'No problems: the draft can be published.',
    );
    expect(run(open(), { type: 'checked', problems: [], valid: false }).notice).toBeNull();
  });
});

describe('logic branches', () => {
  const logicGraph: Graph = {
    start: 'n1',
    variables: [{ name: 'location', label: 'Where' }],
    nodes: [
      {
        id: 'n1',
        kind: 'logic',
        title: 'Where?',
        rules: [
          { when: 'location == "home"', label: 'At home', next: 'n2' },
          { when: 'location == "office"', label: 'In the office', next: null },
        ],
        default: 'n2',
        position: { x: 0, y: 0 },
      },
      { id: 'n2', kind: 'solution', title: 'Fixed', position: { x: 0, y: 200 } },
    ],
  };
  const opened = () => run(initialState({ graph: logicGraph, revision: 1 }, 'Logic'), { type: 'select', id: 'n1' });
  const addFromN1 = (state: EditorState) =>
    run(state, { type: 'add-node', node: blankNode('n3', 'solution', 'New'), position: { x: 0, y: 400 }, from: 'n1' });

  it('a next step goes to the branch the author picked, and says so', () => {
    const state = addFromN1(run(opened(), { type: 'branch', branch: { kind: 'rule', index: 0 } }));
    const n1 = state.doc.nodes[0];
    expect(n1?.rules?.map((r) => r.next)).toEqual(['n3', null]);
    expect(n1?.default).toBe('n2');
    expect(state.notice).toBe('Added to Rule 1: At home of “Where?”.');
    expect(state.branch).toBeNull();
  });

  it('with no branch picked, the first rule leading nowhere: never the default silently', () => {
    const state = addFromN1(opened());
    expect(state.doc.nodes[0]?.rules?.map((r) => r.next)).toEqual(['n2', 'n3']);
    expect(state.doc.nodes[0]?.default).toBe('n2');
    expect(state.notice).toBe('Added to Rule 2: In the office of “Where?”.');
  });

  it('the default, when picked', () => {
    const state = addFromN1(run(opened(), { type: 'branch', branch: { kind: 'default' } }));
    expect(state.doc.nodes[0]?.default).toBe('n3');
    expect(state.doc.nodes[0]?.rules?.map((r) => r.next)).toEqual(['n2', null]);
  });

  it('a drawn edge follows the picked branch too; selecting another node forgets it', () => {
    const picked = run(opened(), { type: 'branch', branch: { kind: 'new-rule' } });
    const drawn = run(picked, { type: 'connect', source: 'n1', target: 'n2' });
    expect(drawn.doc.nodes[0]?.rules).toHaveLength(3);
    expect(run(picked, { type: 'select', id: 'n2' }).branch).toBeNull();
  });

  it('restoring loads another draft with an undo; the next edit drops the undo', () => {
    const restored = run(opened(), {
      type: 'loaded',
      draft: { graph: { start: 'n2', nodes: [{ id: 'n2', kind: 'solution', title: 'Only' }] }, revision: 7 },
      notice: 'Version 1 restored into the draft.',
      undo: { label: 'version 1', graph: logicGraph },
    });
    expect(restored.revision).toBe(7);
    expect(restored.dirty).toBe(false);
    expect(restored.nodes.map((n) => n.id)).toEqual(['n2']);
    expect(restored.undo?.graph).toBe(logicGraph);
    const edited = run(restored, {
      type: 'edit',
      change: (doc) => ({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, title: 'Changed' })) }),
    });
    expect(edited.undo).toBeNull();
  });
});
