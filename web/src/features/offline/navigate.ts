// Running a published version on the device, without the server: where a session stands and
// what an answer leads to. Pure. Questions, actions, solutions and escalations run offline;
// a logic node (which decides on the intake values by the server's rule language) or a link
// node (another tree) waits for the connection: the session is synced up to there and goes on
// online.

import type { Graph, Node } from '../../client';

export type OfflineNode = Node & { options: NonNullable<Node['options']> };

export const TERMINAL = new Set(['solution', 'escalation']);
const OFFLINE_KINDS = new Set(['question', 'action', 'solution', 'escalation']);

export function nodeOf(graph: Graph, id: string): Node | undefined {
  return (graph.nodes ?? []).find((n) => n.id === id);
}

/** Whether the device can run this node on its own. */
export function runsOffline(node: Node | undefined): boolean {
  return !!node && OFFLINE_KINDS.has(node.kind);
}

/** `{{name}}` replaced by the intake value (or left empty), as plain text. */
export function interpolate(text: string | undefined, values: Record<string, unknown>): string {
  return (text ?? '').replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) return '';
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    return String(value);
  });
}

/** The node an option leads to, or null when it is not an option of `node`. */
export function answer(node: Node, optionId: string): { next: string; label: string } | null {
  const option = (node.options ?? []).find((o) => o.id === optionId);
  if (!option?.next) return null;
  return { next: option.next, label: option.label ?? '' };
}

/** The outcome an end node gives (solution: resolved, escalation: escalated). */
export function naturalOutcome(node: Node | undefined): 'resolved' | 'escalated' | null {
  if (node?.kind === 'solution') return 'resolved';
  if (node?.kind === 'escalation') return 'escalated';
  return null;
}

/** The intake values still missing to start (required at start). */
export function missingAtStart(graph: Graph, values: Record<string, unknown>): string[] {
  return (graph.variables ?? [])
    .filter((v) => v.required === 'at_start')
    .filter((v) => values[v.name] === undefined || values[v.name] === null || values[v.name] === '')
    .map((v) => v.name);
}
