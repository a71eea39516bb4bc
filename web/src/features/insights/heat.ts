// The editor's heat overlay: one figure per node of a version, scaled 0..1 against the
// busiest node, with the text its badge shows. Pure.

import { duration, percent } from './format';

export type HeatMetric = 'visits' | 'drop_off' | 'time';

export const HEAT_METRICS: { value: HeatMetric; label: string }[] = [
  { value: 'visits', label: 'Visits' },
  { value: 'drop_off', label: 'Drop-off' },
  { value: 'time', label: 'Time (median)' },
];

export interface HeatNodeFigures {
  node_id: string;
  visits: number;
  drop_off_rate: number;
  time: { median_seconds: number | null };
}

export interface Heat {
  /** 0 (cold) .. 1 (the hottest node). */
  level: number;
  label: string;
}

function figure(node: HeatNodeFigures, metric: HeatMetric): number {
  if (metric === 'visits') return node.visits;
  if (metric === 'drop_off') return node.drop_off_rate;
  return node.time.median_seconds ?? 0;
}

function label(node: HeatNodeFigures, metric: HeatMetric): string {
  if (metric === 'visits') return `${node.visits} visit${node.visits === 1 ? '' : 's'}`;
  if (metric === 'drop_off') return `${percent(node.drop_off_rate)} drop-off`;
  return node.time.median_seconds === null ? 'no time yet' : `median ${duration(node.time.median_seconds)}`;
}

export function heatMap(nodes: readonly HeatNodeFigures[], metric: HeatMetric): Map<string, Heat> {
  const top = Math.max(0, ...nodes.map((n) => figure(n, metric)));
  return new Map(
    nodes.map((n) => [n.node_id, { level: top > 0 ? figure(n, metric) / top : 0, label: label(n, metric) }]),
  );
}

/** The node's colour: from pale yellow (cold) to red (hot). */
export function heatColour(level: number): string {
  const clamped = Math.min(1, Math.max(0, level));
  const hue = 55 - 55 * clamped;
  const light = 90 - 32 * clamped; // dark text stays readable on the hottest
  return `hsl(${Math.round(hue)} 90% ${Math.round(light)}%)`;
}
