// The editor's state and every change to it, as one pure reducer (unit tested in
// state.test.ts). The page dispatches; side effects (saving, centering the view) stay in hooks.

import { applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';

import { initialPositions } from './layout';
import {
  addNode,
  type Branch,
  branchName,
  connect,
  fromGraph,
  problemsByNode,
  removeEdges,
  removeNodes,
  syncFlowNodes,
  type EditorDoc,
  type Graph,
  type GraphNode,
  type NodeKind,
  type Problem,
  type TreeFlowEdge,
  type TreeFlowNode,
  openBranch,
  type XY,
} from './model';

export type Pending = 'save' | 'publish' | 'check' | 'prepare-publish' | 'restore' | 'undo';

export interface EditorState {
  doc: EditorDoc;
  /** The React Flow nodes: where each node is drawn, and which is selected. */
  nodes: TreeFlowNode[];
  selectedEdges: ReadonlySet<string>;
  /** From the last publish or check, pinned to their nodes. */
  problems: Problem[];
  /** Changes not saved yet (document, positions or title). */
  dirty: boolean;
  /** How many document edits so far: a save clears `dirty` only if none came while it ran. */
  edits: number;
  /** The draft revision the next save is based on. */
  revision: number;
  title: string;
  changelog: string;
  /** Why the last canvas gesture was refused. */
  message: string | null;
  /** The outcome of the last save, check or publish. */
  notice: string | null;
  tab: 'node' | 'variables' | 'versions';
  /** The branch of the selected logic node that a new next step (or a drawn edge) goes to;
   * null: its first open branch (see `openBranch`). */
  branch: Branch | null;
  /** The draft as it was before a version was restored into it, to undo the restore. */
  undo: { label: string; graph: Graph } | null;
  newKind: NodeKind;
  pending: Pending | null;
}

export type EditorAction =
  | { type: 'edit'; change: (doc: EditorDoc) => EditorDoc }
  | { type: 'connect'; source: string; target: string }
  | { type: 'add-node'; node: GraphNode; position: XY; from?: string | undefined }
  | { type: 'branch'; branch: Branch | null }
  | {
      type: 'loaded';
      draft: { graph: Graph; revision: number };
      notice: string;
      undo: EditorState['undo'];
    }
  | { type: 'remove-nodes'; ids: readonly string[] }
  | { type: 'remove-edges'; edges: readonly TreeFlowEdge[] }
  | { type: 'nodes-change'; changes: NodeChange<TreeFlowNode>[] }
  | { type: 'edges-change'; changes: EdgeChange<TreeFlowEdge>[] }
  | { type: 'select'; id: string | null }
  | { type: 'layout'; positions: ReadonlyMap<string, XY> }
  | { type: 'title'; title: string }
  | { type: 'changelog'; changelog: string }
  | { type: 'tab'; tab: EditorState['tab'] }
  | { type: 'new-kind'; kind: NodeKind }
  | { type: 'started'; pending: Pending }
  | { type: 'saved'; revision: number; editsAtStart: number }
  | { type: 'checked'; problems: Problem[]; valid: boolean }
  | { type: 'published'; version: number }
  | { type: 'refused'; problems: Problem[] }
  | { type: 'finished' };

export const EMPTY_PROBLEMS: Problem[] = [];

/** The editor opened on a saved draft (laid out with dagre if some node has no position). */
export function initialState(draft: { graph: Graph; revision: number } | null | undefined, title: string): EditorState {
  const { doc, positions } = fromGraph(draft?.graph ?? {});
  const laid = initialPositions(doc, positions);
  return {
    doc,
    nodes: syncFlowNodes(doc, [], laid.positions, new Map()),
    selectedEdges: new Set(),
    problems: EMPTY_PROBLEMS,
    dirty: false,
    edits: 0,
    revision: draft?.revision ?? 1,
    title,
    changelog: '',
    message: null,
    notice: null,
    tab: 'node',
    branch: null,
    undo: null,
    newKind: 'question',
    pending: null,
  };
}

function problemCounts(problems: readonly Problem[]): Map<string, number> {
  return new Map([...problemsByNode(problems)].map(([id, list]) => [id, list.length]));
}

/** A new document (or problems): the React Flow nodes follow, unchanged ones kept as they are. */
function withDoc(state: EditorState, doc: EditorDoc, positions: ReadonlyMap<string, XY> = new Map()): EditorState {
  if (doc === state.doc) return state;
  return {
    ...state,
    undo: null,
    doc,
    nodes: syncFlowNodes(doc, state.nodes, positions, problemCounts(state.problems)),
    edits: state.edits + 1,
    dirty: true,
    notice: null,
  };
}

function withProblems(state: EditorState, problems: Problem[]): EditorState {
  return { ...state, problems, nodes: syncFlowNodes(state.doc, state.nodes, new Map(), problemCounts(problems)) };
}

function select(nodes: TreeFlowNode[], id: string | null): TreeFlowNode[] {
  return nodes.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id }));
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'edit':
      return withDoc(state, action.change(state.doc));
    case 'connect': {
      const next = connect(state.doc, action.source, action.target, undefined, branchFor(state, action.source));
      if (!next) {
        return {
          ...state,
          message: 'Solutions, escalations and links end the path here: they cannot lead to another node.',
        };
      }
      return withDoc({ ...state, message: null }, next);
    }
    case 'add-node': {
      const { node, from } = action;
      const added = addNode(state.doc, node);
      const doc = from ? (connect(added, from, node.id, undefined, branchFor(state, from)) ?? added) : added;
      const source = from ? state.doc.nodes.find((n) => n.id === from) : undefined;
      const notice =
        source?.kind === 'logic'
          ? `Added to ${branchName(source, branchFor(state, from ?? '') ?? { kind: 'new-rule' })} of “${source.title || source.id}”.`
          : null;
      return { ...withDoc(state, doc, new Map([[node.id, action.position]])), branch: null, notice };
    }
    case 'branch':
      return { ...state, branch: action.branch };
    case 'loaded': {
      const { doc, positions } = fromGraph(action.draft.graph);
      const laid = initialPositions(doc, positions);
      return {
        ...state,
        doc,
        nodes: syncFlowNodes(doc, [], laid.positions, new Map()),
        selectedEdges: new Set(),
        problems: EMPTY_PROBLEMS,
        dirty: false,
        edits: state.edits + 1,
        revision: action.draft.revision,
        branch: null,
        undo: action.undo,
        notice: action.notice,
        message: null,
      };
    }
    case 'remove-nodes':
      return withDoc(state, removeNodes(state.doc, new Set(action.ids)));
    case 'remove-edges':
      return withDoc({ ...state, selectedEdges: new Set() }, removeEdges(state.doc, action.edges));
    case 'nodes-change': {
      // Removals go through `remove-nodes` (the document), not straight to React Flow.
      const nodes = applyNodeChanges(
        action.changes.filter((c) => c.type !== 'remove'),
        state.nodes,
      );
      const moved = action.changes.some((c) => c.type === 'position' && c.dragging === false);
      return { ...state, nodes, dirty: state.dirty || moved };
    }
    case 'edges-change': {
      const selects = action.changes.filter((c) => c.type === 'select');
      if (selects.length === 0) return state;
      const selectedEdges = new Set(state.selectedEdges);
      for (const c of selects) {
        if (c.selected) selectedEdges.add(c.id);
        else selectedEdges.delete(c.id);
      }
      return { ...state, selectedEdges };
    }
    case 'select':
      return {
        ...state,
        nodes: select(state.nodes, action.id),
        tab: 'node',
        branch: selectedNodeId(state) === action.id ? state.branch : null,
      };
    case 'layout':
      return {
        ...state,
        nodes: state.nodes.map((n) => ({ ...n, position: action.positions.get(n.id) ?? n.position })),
        dirty: true,
      };
    case 'title':
      return { ...state, title: action.title, dirty: true };
    case 'changelog':
      return { ...state, changelog: action.changelog };
    case 'tab':
      return { ...state, tab: action.tab };
    case 'new-kind':
      return { ...state, newKind: action.kind };
    case 'started':
      return { ...state, pending: action.pending, message: null, notice: null };
    case 'saved':
      return {
        ...state,
        revision: action.revision,
        dirty: state.edits === action.editsAtStart ? false : state.dirty,
        notice: 'All changes saved.',
      };
    case 'checked':
      return {
        ...withProblems(state, action.problems),
        notice: action.valid ? 'No problems: the draft can be published.' : null,
      };
    case 'published':
      return { ...withProblems(state, EMPTY_PROBLEMS), changelog: '', notice: `Published version ${action.version}.` };
    case 'refused':
      return withProblems(state, action.problems);
    case 'finished':
      return { ...state, pending: null };
  }
}

/** The branch a new edge from logic node `source` takes: the one picked in its panel (when it is
 * the selected node), else its first open one. Undefined for other kinds. */
function branchFor(state: EditorState, source: string): Branch | undefined {
  const node = state.doc.nodes.find((n) => n.id === source);
  if (node?.kind !== 'logic') return undefined;
  return (selectedNodeId(state) === source ? state.branch : null) ?? openBranch(node);
}

/** The selected node's id (React Flow's selection). */
export function selectedNodeId(state: EditorState): string | null {
  return state.nodes.find((n) => n.selected)?.id ?? null;
}
