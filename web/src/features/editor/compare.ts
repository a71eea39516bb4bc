// Two versions of a tree (or a version and the draft) drawn as one graph: every node and edge of
// either, marked added, removed or changed. Pure functions, unit tested in compare.test.ts.
//
// Which nodes and edges were added, removed or changed comes from the server's diff
// (`GET trees/{id}/versions/compare`); this draws them together, where each graph had them.

import type { FieldChange, VersionDiff } from '../../client';
import { freeSpot, initialPositions } from './layout';
import {
  fromGraph,
  type EditorDoc,
  type Graph,
  type GraphNode,
  toFlowEdges,
  type TreeFlowEdge,
  type XY,
} from './model';

export type { FieldChange, VersionDiff };
export type DiffStatus = 'added' | 'removed' | 'changed';

/** Two sides to compare: a version, and a later version or the saved draft. */
export interface ComparePair {
  from: number;
  to: number | 'draft';
}

export function sideLabel(side: number | 'draft'): string {
  return side === 'draft' ? 'the draft' : `version ${side}`;
}

/** A node of the compare drawing; `before` is the node in the older graph (for the panel). */
export interface CompareNode {
  id: string;
  node: GraphNode;
  before: GraphNode | null;
  status: DiffStatus | null;
  position: XY;
  isStart: boolean;
}

export interface CompareEdge extends TreeFlowEdge {
  status: DiffStatus | null;
}

export interface CompareDrawing {
  nodes: CompareNode[];
  edges: CompareEdge[];
  /** How many nodes and edges of each kind, for the legend. */
  counts: Record<DiffStatus, { nodes: number; edges: number }>;
}

/** The branch an edge leaves from (without its target): `n1|o|o2`, `n4|r|0`, `n4|d`. */
const branchOf = (edge: TreeFlowEdge) => edge.id;

export function compareDrawing(before: Graph, after: Graph, diff: VersionDiff): CompareDrawing {
  const old = fromGraph(before);
  const now = fromGraph(after);
  const added = new Set(diff.nodes_added.map((n) => n.id));
  const removed = new Set(diff.nodes_removed.map((n) => n.id));
  const changed = new Set(diff.nodes_changed.map((n) => n.node_id));
  const oldById = new Map(old.doc.nodes.map((n) => [n.id, n]));

  // Every node of the newer graph, then the removed ones where the older graph had them.
  const union: EditorDoc = {
    start: now.doc.start ?? old.doc.start,
    variables: now.doc.variables,
    nodes: [...now.doc.nodes, ...old.doc.nodes.filter((n) => !now.doc.nodes.some((m) => m.id === n.id))],
  };
  const saved = new Map([...old.positions, ...now.positions]);
  const { positions, laidOut } = initialPositions(union, saved);
  if (!laidOut) {
    // A removed node drawn where a newer node now stands moves aside.
    const newer = now.doc.nodes.map((n) => positions.get(n.id)).filter((p): p is XY => !!p);
    for (const node of union.nodes) {
      if (now.doc.nodes.some((n) => n.id === node.id)) continue;
      const at = positions.get(node.id);
      if (at) {
        const spot = freeSpot(at, newer);
        positions.set(node.id, spot);
        newer.push(spot);
      }
    }
  }

  const nodes: CompareNode[] = union.nodes.map((node) => ({
    id: node.id,
    node,
    before: oldById.get(node.id) ?? null,
    status: added.has(node.id) ? 'added' : removed.has(node.id) ? 'removed' : changed.has(node.id) ? 'changed' : null,
    position: positions.get(node.id) ?? { x: 0, y: 0 },
    isStart: union.start === node.id,
  }));

  // Which edges were added and removed comes from the server (by branch and target); an edge
  // kept whose label changed (an option renamed) is marked changed. A branch that now leads
  // elsewhere is drawn twice: the old edge removed, the new one added.
  const serverEdge = (e: VersionDiff['edges_added'][number]) =>
    `${e.source}|${e.via === 'option' ? `o|${e.key}` : e.via === 'rule' ? `r|${e.key}` : 'd'}>${e.target}`;
  const addedEdges = new Set(diff.edges_added.map(serverEdge));
  const removedEdges = new Set(diff.edges_removed.map(serverEdge));
  const oldEdges = new Map(toFlowEdges(old.doc).map((e) => [branchOf(e), e]));
  const newEdges = toFlowEdges(now.doc);
  const newBranches = new Set(newEdges.map(branchOf));
  const edges: CompareEdge[] = newEdges.map((edge) => {
    const was = oldEdges.get(branchOf(edge));
    const status = addedEdges.has(`${edge.id}>${edge.target}`)
      ? 'added'
      : was && was.target === edge.target && was.label !== edge.label
        ? 'changed'
        : null;
    return { ...edge, status };
  });
  for (const [branch, edge] of oldEdges) {
    if (!removedEdges.has(`${edge.id}>${edge.target}`)) continue;
    edges.push({ ...edge, id: newBranches.has(branch) ? `${branch}|was` : branch, status: 'removed' });
  }

  const counts: CompareDrawing['counts'] = {
    added: { nodes: 0, edges: 0 },
    removed: { nodes: 0, edges: 0 },
    changed: { nodes: 0, edges: 0 },
  };
  for (const n of nodes) if (n.status) counts[n.status].nodes += 1;
  for (const e of edges) if (e.status) counts[e.status].edges += 1;
  return { nodes, edges, counts };
}

/** Whether the diff has anything in it. */
export function isEmptyDiff(diff: VersionDiff): boolean {
  return (
    !diff.start &&
    diff.nodes_added.length === 0 &&
    diff.edges_added.length === 0 &&
    diff.edges_removed.length === 0 &&
    diff.nodes_removed.length === 0 &&
    diff.nodes_changed.length === 0 &&
    diff.variables_added.length === 0 &&
    diff.variables_removed.length === 0 &&
    diff.variables_changed.length === 0
  );
}

const FIELD_NAMES: Record<string, string> = {
  kind: 'Kind',
  title: 'Title',
  body: 'Body',
  rules: 'Rules',
  default: 'Otherwise leads to',
  tree_id: 'Linked tree',
  label: 'Label',
  next: 'Leads to',
  type: 'Type',
  required: 'Required',
  choices: 'Choices',
  help: 'Help',
  start: 'Start',
};

export function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? field;
}

/** A field's value as one line of text: rules as "label: when → next", lists joined. */
export function fieldText(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (field === 'rules' && Array.isArray(value)) {
    if (value.length === 0) return '(no rules)';
    return value
      .map((r: { when?: string; next?: string | null; label?: string | null }, i) => {
        const name = r.label ? `${r.label} (${r.when ?? ''})` : r.when || '(no condition)';
        return `${i + 1}. ${name} → ${r.next ?? 'nowhere'}`;
      })
      .join('; ');
  }
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One line per change of a node, for the list and the side panel. */
export interface ChangeLine {
  what: string;
  before: string;
  after: string;
}

export function nodeChangeLines(change: VersionDiff['nodes_changed'][number]): ChangeLine[] {
  const lines: ChangeLine[] = change.changes.map((c: FieldChange) => ({
    what: fieldName(c.field),
    before: fieldText(c.field, c.before),
    after: fieldText(c.field, c.after),
  }));
  for (const o of change.options_added) lines.push({ what: `Option added`, before: '(none)', after: o.label ?? '' });
  for (const o of change.options_removed)
    lines.push({ what: `Option removed`, before: o.label ?? '', after: '(none)' });
  for (const o of change.options_changed) {
    for (const c of o.changes) {
      lines.push({
        what: `Option ${o.option_id}: ${fieldName(c.field).toLowerCase()}`,
        before: fieldText(c.field, c.before),
        after: fieldText(c.field, c.after),
      });
    }
  }
  return lines;
}
