// The analytics charts (recharts). Each takes the figures as the API returns them.

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

import { duration } from '../format';
import type { NodeInsight, SessionTotalsLike, TrendPoint } from '../types';

export const STATE_COLOURS: Record<string, string> = {
  resolved: '#2e7d32',
  escalated: '#ef6c00',
  unresolved: '#6d4c41',
  abandoned: '#c62828',
  in_progress: '#1565c0',
};

const STATE_LABELS: Record<string, string> = {
  resolved: 'Resolved',
  escalated: 'Escalated',
  unresolved: 'Unresolved',
  abandoned: 'Abandoned',
  in_progress: 'In progress',
};

const short = (text: string) => (text.length > 28 ? `${text.slice(0, 27)}…` : text);

function ChartFrame({ label, height, children }: { label: string; height: number; children: React.ReactElement }) {
  return (
    <figure className="insight-chart" aria-label={label} data-testid={`chart-${label}`}>
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={height}>
        {children}
      </ResponsiveContainer>
    </figure>
  );
}

/** Sessions reaching each node and those that stopped there short of an end. */
export function DropOffChart({ nodes }: { nodes: NodeInsight[] }) {
  const data = nodes.map((n) => ({ name: short(n.title || n.node_id), reached: n.sessions, dropped: n.drop_offs }));
  return (
    <ChartFrame label="Drop-off by step" height={Math.max(180, 34 * data.length + 60)}>
      <BarChart data={data} layout="vertical" margin={{ left: 12, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={170} />
        <Tooltip />
        <Legend />
        <Bar dataKey="reached" name="Sessions reaching" fill="#90caf9" isAnimationActive={false} />
        <Bar dataKey="dropped" name="Dropped off here" fill="#c62828" isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

export function OutcomeChart({ totals, outcomes }: SessionTotalsLike) {
  const counts: Record<string, number> = Object.fromEntries(outcomes.map((o) => [o.key, o.count]));
  counts.abandoned = totals.abandoned;
  counts.in_progress = totals.in_progress;
  const data = Object.keys(STATE_LABELS)
    .map((key) => ({ key, name: STATE_LABELS[key], value: counts[key] ?? 0 }))
    .filter((d) => d.value > 0);
  return (
    <ChartFrame label="Outcome split" height={260}>
      <PieChart>
        <Pie data={data} dataKey="value" nameKey="name" outerRadius={90} label isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.key} fill={STATE_COLOURS[d.key]} />
          ))}
        </Pie>
        <Tooltip />
        <Legend />
      </PieChart>
    </ChartFrame>
  );
}

export function TimeChart({ nodes }: { nodes: NodeInsight[] }) {
  const data = nodes
    .filter((n) => n.time.count > 0)
    .map((n) => ({ name: short(n.title || n.node_id), median: n.time.median_seconds, p90: n.time.p90_seconds }));
  return (
    <ChartFrame label="Time per step" height={Math.max(180, 34 * data.length + 60)}>
      <BarChart data={data} layout="vertical" margin={{ left: 12, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tickFormatter={(s: number) => duration(s)} />
        <YAxis type="category" dataKey="name" width={170} />
        <Tooltip formatter={(s) => duration(Number(s))} />
        <Legend />
        <Bar dataKey="median" name="Median" fill="#7e57c2" isAnimationActive={false} />
        <Bar dataKey="p90" name="90th percentile" fill="#d1c4e9" isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

export function TrendChart({ trend }: { trend: TrendPoint[] }) {
  return (
    <ChartFrame label="Sessions over time" height={260}>
      <AreaChart data={trend} margin={{ left: 0, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="day" />
        <YAxis allowDecimals={false} />
        <Tooltip />
        <Legend />
        {Object.keys(STATE_LABELS).map((key) => (
          <Area
            key={key}
            type="monotone"
            dataKey={key}
            name={STATE_LABELS[key]}
            stackId="1"
            stroke={STATE_COLOURS[key]}
            fill={STATE_COLOURS[key]}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ChartFrame>
  );
}
