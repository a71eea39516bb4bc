// Automatic layout with dagre: top to bottom, the start at the top, siblings side by side.

import dagre from '@dagrejs/dagre';

import type { EditorDoc, XY } from './model';

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 72;

/** Top-left corner of every node (React Flow's convention) for a tidy layered drawing. */
export function layoutPositions(doc: EditorDoc): Map<string, XY> {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  // The start first, so dagre puts it in the first rank even when the tree loops back.
  const ordered = doc.start
    ? [...doc.nodes.filter((n) => n.id === doc.start), ...doc.nodes.filter((n) => n.id !== doc.start)]
    : doc.nodes;
  for (const node of ordered) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const node of doc.nodes) {
    const targets = [
      ...(node.options ?? []).map((o) => o.next),
      ...(node.rules ?? []).map((r) => r.next),
      node.default,
    ];
    for (const t of targets) {
      if (t && t !== node.id && g.hasNode(t)) g.setEdge(node.id, t);
    }
  }
  dagre.layout(g);
  const out = new Map<string, XY>();
  for (const node of doc.nodes) {
    const p = g.node(node.id);
    if (p) out.set(node.id, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 });
  }
  return out;
}

/** Saved positions if every node has one, else a fresh layout. */
export function initialPositions(
  doc: EditorDoc,
  saved: ReadonlyMap<string, XY>,
): { positions: Map<string, XY>; laidOut: boolean } {
  if (doc.nodes.every((n) => saved.has(n.id))) return { positions: new Map(saved), laidOut: false };
  return { positions: layoutPositions(doc), laidOut: true };
}

/** Where to draw a new node: below `from`, moved right until it overlaps no other node. */
export function placeBelow(from: XY | undefined, taken: Iterable<XY>): XY {
  return freeSpot(from ? { x: from.x, y: from.y + NODE_HEIGHT + 70 } : { x: 0, y: 0 }, taken);
}

/** `start`, moved right until it overlaps no node at `taken`. */
export function freeSpot(start: XY, taken: Iterable<XY>): XY {
  const others = [...taken];
  const overlaps = (p: XY) =>
    others.some((o) => Math.abs(o.x - p.x) < NODE_WIDTH + 10 && Math.abs(o.y - p.y) < NODE_HEIGHT + 10);
  const at = { ...start };
  for (let i = 0; i < 200 && overlaps(at); i++) at.x += NODE_WIDTH + 40;
  return at;
}
