// The editor's document and its conversion to and from React Flow, all pure functions.
//
// The graph (DESIGN section 3) is the source of truth for everything but where nodes are drawn;
// positions live in the React Flow nodes while editing and go back into the graph on save.
// Updates are immutable and keep unchanged objects, so React Flow re-renders only what changed
// (a 1,000-node tree stays fast).

import type { Edge, Node as FlowNode } from '@xyflow/react';

import type { Graph, Node as GraphNodeFull, Option, Problem, Rule, Variable } from '../../client';

export type { Graph, Option, Problem, Rule, Variable };
export type NodeKind = GraphNodeFull['kind'];
/** A node as the editor holds it; end nodes may carry an outcome label ("Replaced toner"). */
export type GraphNode = Omit<GraphNodeFull, 'position'> & { outcome_label?: string | null };
export interface XY {
  x: number;
  y: number;
}

export interface EditorDoc {
  start: string | null;
  variables: Variable[];
  nodes: GraphNode[];
}

export const KINDS: { kind: NodeKind; label: string }[] = [
  { kind: 'question', label: 'Question' },
  { kind: 'action', label: 'Action' },
  { kind: 'solution', label: 'Solution' },
  { kind: 'escalation', label: 'Escalation' },
  { kind: 'logic', label: 'Logic' },
  { kind: 'link', label: 'Link' },
];

export const TERMINAL: ReadonlySet<NodeKind> = new Set(['solution', 'escalation']);
export const CHOICE: ReadonlySet<NodeKind> = new Set(['question', 'action']);
/** End nodes: they carry an outcome label. */
export const END_KINDS: ReadonlySet<NodeKind> = new Set(['solution', 'escalation']);
/** Kinds with no outgoing edges in this tree. */
export const NO_OUTPUT: ReadonlySet<NodeKind> = new Set(['solution', 'escalation', 'link']);

export interface TreeNodeData extends Record<string, unknown> {
  node: GraphNode;
  isStart: boolean;
  problems: number;
  /** In a compare: what happened to the node. */
  diff?: 'added' | 'removed' | 'changed' | null;
  /** With the heat overlay on: the node's figure in the chosen version (undefined: not in it). */
  heat?: { level: number; label: string } | null;
}
export type TreeFlowNode = FlowNode<TreeNodeData, 'tree'>;

// --------------------------------------------------------------------------- graph <-> doc

/** Splits a stored graph into the document and the saved positions. */
export function fromGraph(graph: Graph): { doc: EditorDoc; positions: Map<string, XY> } {
  const positions = new Map<string, XY>();
  const nodes: GraphNode[] = [];
  for (const full of graph.nodes ?? []) {
    const { position, ...node } = full;
    if (position) positions.set(node.id, { x: position.x, y: position.y });
    nodes.push(node);
  }
  return { doc: { start: graph.start ?? null, variables: graph.variables ?? [], nodes }, positions };
}

/** The graph to save: the document with the positions nodes are drawn at (rounded). */
export function toGraph(doc: EditorDoc, positions: ReadonlyMap<string, XY>): Graph {
  return {
    start: doc.start,
    variables: doc.variables,
    nodes: doc.nodes.map((node) => {
      const at = positions.get(node.id);
      return at ? { ...node, position: { x: Math.round(at.x), y: Math.round(at.y) } } : { ...node };
    }),
  };
}

// --------------------------------------------------------------------------- doc -> React Flow

/**
 * React Flow nodes for the document. `previous` nodes are kept (same object) when their data did
 * not change, and keep their position, selection and measured size.
 */
export function syncFlowNodes(
  doc: EditorDoc,
  previous: readonly TreeFlowNode[],
  positions: ReadonlyMap<string, XY>,
  problemCounts: ReadonlyMap<string, number>,
): TreeFlowNode[] {
  const byId = new Map(previous.map((n) => [n.id, n]));
  return doc.nodes.map((node) => {
    const isStart = doc.start === node.id;
    const problems = problemCounts.get(node.id) ?? 0;
    const old = byId.get(node.id);
    if (old && old.data.node === node && old.data.isStart === isStart && old.data.problems === problems) return old;
    return {
      ...(old ?? {}),
      id: node.id,
      type: 'tree',
      position: old?.position ?? positions.get(node.id) ?? { x: 0, y: 0 },
      data: { node, isStart, problems },
    };
  });
}

export type EdgeKind = 'option' | 'rule' | 'default';

export interface TreeEdgeData extends Record<string, unknown> {
  kind: EdgeKind;
  /** Option id, or rule index. */
  ref: string;
}
export type TreeFlowEdge = Edge<TreeEdgeData>;

/** One edge per option, rule and default that leads to an existing node. */
export function toFlowEdges(doc: EditorDoc): TreeFlowEdge[] {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const edges: TreeFlowEdge[] = [];
  for (const node of doc.nodes) {
    for (const option of node.options ?? []) {
      if (option.next && ids.has(option.next)) {
        edges.push({
          id: `${node.id}|o|${option.id}`,
          source: node.id,
          target: option.next,
          label: option.label || undefined,
          data: { kind: 'option', ref: option.id },
        });
      }
    }
    (node.rules ?? []).forEach((rule, i) => {
      if (rule.next && ids.has(rule.next)) {
        edges.push({
          id: `${node.id}|r|${i}`,
          source: node.id,
          target: rule.next,
          label: rule.label || rule.when || `rule ${i + 1}`,
          data: { kind: 'rule', ref: String(i) },
        });
      }
    });
    if (node.default && ids.has(node.default)) {
      edges.push({
        id: `${node.id}|d`,
        source: node.id,
        target: node.default,
        label: 'otherwise',
        data: { kind: 'default', ref: '' },
      });
    }
  }
  return edges;
}

// --------------------------------------------------------------------------- problems

/** Where a problem belongs inside its node: `nodes[3].options[0].next` -> `options[0].next`. */
export function problemField(problem: Problem): string {
  return problem.field.replace(/^(graph\.)?nodes\[\d+\]\.?/, '');
}

/** Fields the node panel shows a message next to; problems elsewhere go on top of the panel. */
export function isPanelField(field: string): boolean {
  return /^(title|body|outcome_label|options|rules|default|tree_id|options\[\d+\]\.(label|next)|rules\[\d+\]\.(when|next|label))$/.test(
    field,
  );
}

/** Problems as the API reports them on publish name fields from the request body
 * (`graph.nodes[2].title`); the same as validate's (`nodes[2].title`). */
export function normaliseProblems(problems: readonly Problem[]): Problem[] {
  return problems.map((p) => (p.field.startsWith('graph.') ? { ...p, field: p.field.slice(6) } : p));
}

export function problemsByNode(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of problems) {
    if (!p.node_id) continue;
    const list = out.get(p.node_id);
    if (list) list.push(p);
    else out.set(p.node_id, [p]);
  }
  return out;
}

// --------------------------------------------------------------------------- edits

function nextNumber(ids: Iterable<string>, prefix: string): number {
  let max = 0;
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  for (const id of ids) {
    const m = pattern.exec(id);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

export function newNodeId(doc: EditorDoc): string {
  return `n${nextNumber(
    doc.nodes.map((n) => n.id),
    'n',
  )}`;
}

export function newOptionId(node: GraphNode): string {
  return `o${nextNumber(
    (node.options ?? []).map((o) => o.id),
    'o',
  )}`;
}

export function blankNode(id: string, kind: NodeKind, title = ''): GraphNode {
  return { id, kind, title, body: '', options: [], rules: [], default: null, tree_id: null };
}

/** Adds a node; the first node of a tree becomes its start. */
export function addNode(doc: EditorDoc, node: GraphNode): EditorDoc {
  return { ...doc, nodes: [...doc.nodes, node], start: doc.start ?? node.id };
}

export function updateNode(doc: EditorDoc, id: string, change: (node: GraphNode) => GraphNode): EditorDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    const next = change(n);
    changed = changed || next !== n;
    return next;
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Changing the kind drops what the new kind cannot have (options of a solution, ...). */
export function changeKind(node: GraphNode, kind: NodeKind): GraphNode {
  // Only end nodes carry an outcome label.
  const { outcome_label: label, ...rest } = node;
  return {
    ...rest,
    ...(END_KINDS.has(kind) && label ? { outcome_label: label } : {}),
    kind,
    options: CHOICE.has(kind) ? (node.options ?? []) : [],
    rules: kind === 'logic' ? (node.rules ?? []) : [],
    default: kind === 'logic' ? (node.default ?? null) : null,
    tree_id: kind === 'link' ? (node.tree_id ?? null) : null,
  };
}

/** Removes nodes and every option, rule or default leading to them (left unconnected). */
export function removeNodes(doc: EditorDoc, ids: ReadonlySet<string>): EditorDoc {
  if (ids.size === 0) return doc;
  const nodes = doc.nodes
    .filter((n) => !ids.has(n.id))
    .map((n) => {
      const options = n.options ?? [];
      const rules = n.rules ?? [];
      const hits =
        options.some((o) => o.next && ids.has(o.next)) ||
        rules.some((r) => r.next && ids.has(r.next)) ||
        (n.default != null && ids.has(n.default));
      if (!hits) return n;
      return {
        ...n,
        options: options.map((o) => (o.next && ids.has(o.next) ? { ...o, next: null } : o)),
        rules: rules.map((r) => (r.next && ids.has(r.next) ? { ...r, next: null } : r)),
        default: n.default != null && ids.has(n.default) ? null : n.default,
      };
    });
  return { ...doc, nodes, start: doc.start && ids.has(doc.start) ? null : doc.start };
}

/** Disconnects the edges (the option stays, leading nowhere). */
export function removeEdges(doc: EditorDoc, edges: readonly Pick<TreeFlowEdge, 'source' | 'data'>[]): EditorDoc {
  let out = doc;
  for (const edge of edges) {
    const data = edge.data;
    if (!data) continue;
    out = updateNode(out, edge.source, (n) => {
      if (data.kind === 'option') {
        return { ...n, options: (n.options ?? []).map((o) => (o.id === data.ref ? { ...o, next: null } : o)) };
      }
      if (data.kind === 'rule') {
        return { ...n, rules: (n.rules ?? []).map((r, i) => (String(i) === data.ref ? { ...r, next: null } : r)) };
      }
      return { ...n, default: null };
    });
  }
  return out;
}

/** The branch of a logic node a new edge leaves from: a rule (by index), the default, or a new rule. */
export type Branch = { kind: 'rule'; index: number } | { kind: 'default' } | { kind: 'new-rule' };

/** The branch a logic node's next step goes to unless the author picks another: the first rule
 * leading nowhere, else the default if it leads nowhere, else a new rule. */
export function openBranch(node: GraphNode): Branch {
  const index = (node.rules ?? []).findIndex((r) => !r.next);
  if (index >= 0) return { kind: 'rule', index };
  return node.default ? { kind: 'new-rule' } : { kind: 'default' };
}

export function branchKey(branch: Branch): string {
  return branch.kind === 'rule' ? `rule-${branch.index}` : branch.kind;
}

export function parseBranchKey(key: string): Branch {
  const m = /^rule-(\d+)$/.exec(key);
  if (m) return { kind: 'rule', index: Number(m[1]) };
  return key === 'default' ? { kind: 'default' } : { kind: 'new-rule' };
}

/** How the panel and messages name a branch: the rule's label, else its condition. */
export function branchName(node: GraphNode, branch: Branch): string {
  if (branch.kind === 'default') return 'Otherwise (default)';
  if (branch.kind === 'new-rule') return 'A new rule';
  const rule = (node.rules ?? [])[branch.index];
  const name = rule?.label?.trim() || rule?.when.trim();
  return `Rule ${branch.index + 1}${name ? `: ${name}` : ''}`;
}

/** Points one branch of a logic node at `target` (a new rule gets an empty condition). */
export function setBranch(node: GraphNode, branch: Branch, target: string): GraphNode {
  const rules = node.rules ?? [];
  if (branch.kind === 'default') return { ...node, default: target };
  if (branch.kind === 'rule' && branch.index < rules.length) {
    return { ...node, rules: rules.map((r, i) => (i === branch.index ? { ...r, next: target } : r)) };
  }
  return { ...node, rules: [...rules, { when: '', next: target, label: null }] };
}

/**
 * Connects `source` to `target` the way its kind allows: a question or action gets a new
 * option (or its first unconnected one), a logic node the branch given (by default the first
 * open one: see `openBranch`).
 * Returns null when the source cannot lead anywhere (solution, escalation, link).
 */
export function connect(
  doc: EditorDoc,
  source: string,
  target: string,
  label?: string,
  branch?: Branch,
): EditorDoc | null {
  const node = doc.nodes.find((n) => n.id === source);
  if (!node || !doc.nodes.some((n) => n.id === target) || NO_OUTPUT.has(node.kind)) return null;
  return updateNode(doc, source, (n) => {
    if (n.kind === 'logic') return setBranch(n, branch ?? openBranch(n), target);
    const options = n.options ?? [];
    const open = options.findIndex((o) => !o.next);
    if (open >= 0 && label === undefined) {
      return { ...n, options: options.map((o, i) => (i === open ? { ...o, next: target } : o)) };
    }
    const fallback = n.kind === 'action' && options.length === 0 ? 'Done' : `Option ${options.length + 1}`;
    return { ...n, options: [...options, { id: newOptionId(n), label: label ?? fallback, next: target }] };
  });
}
