import { useRef } from 'react';
import { Link, useParams } from 'react-router';

import { isUuid } from '../../../app/paths';
import { describeError } from '../../../lib/api/errors';
import { useUrlFilters } from '../../../lib/lists/hooks';
import type { FilterSpec } from '../../../lib/lists/urlFilters';
import { Field, FormErrors, SelectField } from '../../../ui/forms';
import { isNotFound, NOT_FOUND, NotFound } from '../../../ui/NotFound';
import { Loading, usePageTitle } from '../../../ui/page';
import { DropOffChart, OutcomeChart, TimeChart, TrendChart } from '../components/Charts';
import { DataTable } from '../components/DataTable';
import { duration, percent } from '../format';
import {
  type Counted,
  type InsightFilters,
  type NodeInsight,
  type PathInsight,
  type TreeInsights,
  type TrendPoint,
  useInsightTechnicians,
  useFeedbackCounts,
  useTreeInsights,
} from '../hooks';
import { editPath, insightsOverviewPath } from '../paths';

const OUTCOMES = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'unresolved', label: 'Unresolved' },
  { value: 'abandoned', label: 'Abandoned' },
  { value: 'in_progress', label: 'In progress' },
];

const SPEC: FilterSpec<InsightFilters> = {
  version: 'uuid',
  from: 'date',
  to: 'date',
  technician: 'uuid',
  outcome: OUTCOMES.map((o) => o.value),
};
const DEFAULTS: InsightFilters = { version: '', from: '', to: '', technician: '', outcome: '' };

const REASONS: Record<string, string> = {
  solved_elsewhere: 'Solved elsewhere',
  customer_left: 'Customer left',
  wrong_tree: 'Wrong tree',
  other: 'Other',
};

export function TreeInsightsPage() {
  const { treeId = '' } = useParams();
  if (!isUuid(treeId)) return <NotFound {...NOT_FOUND.tree} />;
  return <InsightsById key={treeId} treeId={treeId} />;
}

function InsightsById({ treeId }: { treeId: string }) {
  const [filters, setFilters] = useUrlFilters(SPEC, DEFAULTS);
  const insights = useTreeInsights(treeId, filters);
  const technicians = useInsightTechnicians(treeId);
  // Filters the API refuses (a range that ends before it starts) keep the last figures on
  // screen, with the error next to the field.
  const shown = useRef<TreeInsights | undefined>(undefined);
  if (insights.data) shown.current = insights.data;
  const data = insights.data ?? shown.current;
  usePageTitle(data ? `Analytics: ${data.title}` : 'Analytics');
  if (insights.isPending) return <Loading label="Counting sessions…" />;
  if (insights.isError && isNotFound(insights.error) && !data) return <NotFound {...NOT_FOUND.tree} />;
  const problem = insights.isError ? describeError(insights.error, ['date_to', 'date_from', 'version_id']) : null;
  if (!data) {
    return (
      <>
        <h1>Analytics</h1>
        <FormErrors messages={problem ? [...problem.general, ...Object.values(problem.fields)] : []} />
      </>
    );
  }
  const rangeError = problem?.fields.date_to ?? problem?.fields.date_from;
  return (
    <div className="insights" aria-busy={insights.isFetching || undefined}>
      <div className="page-header">
        <h1>Analytics: {data.title}</h1>
        <div className="actions">
          <Link className="button small" to={editPath(treeId)}>
            Open in editor
          </Link>
          <Link className="button small" to={insightsOverviewPath}>
            All trees
          </Link>
        </div>
      </div>
      <search className="filters" aria-label="Filter analytics">
        <SelectField
          label="Version"
          value={filters.version}
          onChange={(e) => setFilters({ version: e.target.value })}
          options={data.versions.map((v) => ({
            value: v.version_id,
            label: `Version ${v.number}${v.is_live ? ' (live)' : ''}`,
          }))}
        >
          <option value="">All versions</option>
        </SelectField>
        <Field
          label="From"
          type="date"
          value={filters.from}
          error={rangeError}
          onChange={(e) => setFilters({ from: e.target.value })}
        />
        <Field label="To" type="date" value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
        <SelectField
          label="Technician"
          value={filters.technician}
          onChange={(e) => setFilters({ technician: e.target.value })}
          options={technicians.data?.map((t) => ({ value: t.technician_id, label: `${t.full_name} (${t.sessions})` }))}
        >
          <option value="">Everyone</option>
        </SelectField>
        <SelectField
          label="Outcome"
          value={filters.outcome}
          onChange={(e) => setFilters({ outcome: e.target.value })}
          options={OUTCOMES}
        >
          <option value="">Any outcome</option>
        </SelectField>
      </search>
      {problem && !rangeError && <FormErrors messages={problem.general} />}
      <Summary data={data} />
      {data.totals.started === 0 ? (
        <p className="notice">No answered sessions match these filters yet.</p>
      ) : (
        <div className="insight-charts">
          <DropOffChart nodes={data.nodes} />
          <OutcomeChart totals={data.totals} outcomes={data.outcomes} />
          <TimeChart nodes={data.nodes} />
          <TrendChart trend={data.trend} />
        </div>
      )}
      <Tables data={data} treeId={treeId} version={filters.version} />
    </div>
  );
}

function Summary({ data }: { data: TreeInsights }) {
  const { totals, duration: d } = data;
  const tiles: [string, string][] = [
    ['Sessions', String(totals.started)],
    ['Completed', String(totals.completed)],
    ['Abandoned', String(totals.abandoned)],
    ['In progress', String(totals.in_progress)],
    ['Median duration', duration(d.median_seconds)],
    ['90th percentile', duration(d.p90_seconds)],
  ];
  return (
    <dl className="insight-tiles" aria-label="Summary">
      {tiles.map(([label, value]) => (
        <div key={label} className="insight-tile">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

interface OptionRow {
  node: string;
  option: string;
  count: number;
}

function Tables({ data, treeId, version }: { data: TreeInsights; treeId: string; version: string }) {
  const file = data.title;
  const feedback = useFeedbackCounts(treeId, version);
  const options: OptionRow[] = data.nodes.flatMap((n) =>
    n.options.map((o) => ({ node: n.title || n.node_id, option: o.label || o.option_id, count: o.count })),
  );
  const outcomeRows: (Counted & { group: string })[] = [
    ...data.outcomes.map((o) => ({ ...o, group: 'Outcome' })),
    ...data.outcome_labels.map((o) => ({ ...o, group: 'Outcome label' })),
    ...data.abandoned_by_reason.map((o) => ({ ...o, group: 'Abandoned', key: REASONS[o.key] ?? o.key })),
  ];
  return (
    <>
      <DataTable<NodeInsight>
        title="Steps"
        file={file}
        rows={data.nodes}
        rowKey={(n) => n.node_id}
        columns={[
          { header: 'Step', value: (n) => n.title || n.node_id },
          { header: 'Kind', value: (n) => n.kind },
          { header: 'Visits', value: (n) => n.visits, numeric: true },
          { header: 'Sessions', value: (n) => n.sessions, numeric: true },
          { header: 'Ended here', value: (n) => n.exits, numeric: true },
          { header: 'Abandoned here', value: (n) => n.abandoned, numeric: true },
          { header: 'Drop-offs', value: (n) => n.drop_offs, numeric: true },
          {
            header: 'Drop-off rate',
            value: (n) => n.drop_off_rate,
            render: (n) => percent(n.drop_off_rate),
            numeric: true,
          },
          {
            header: 'Median time (s)',
            value: (n) => n.time.median_seconds,
            render: (n) => duration(n.time.median_seconds),
            numeric: true,
          },
          {
            header: 'p90 time (s)',
            value: (n) => n.time.p90_seconds,
            render: (n) => duration(n.time.p90_seconds),
            numeric: true,
          },
          {
            header: 'Mean time (s)',
            value: (n) => n.time.mean_seconds,
            render: (n) => duration(n.time.mean_seconds),
            numeric: true,
          },
          { header: 'Open feedback', value: (n) => feedback.get(n.node_id)?.open ?? 0, numeric: true },
          { header: 'Resolved feedback', value: (n) => feedback.get(n.node_id)?.resolved ?? 0, numeric: true },
        ]}
      />
      <DataTable<OptionRow>
        title="Options chosen"
        file={file}
        rows={options}
        rowKey={(o, i) => `${o.node}-${o.option}-${i}`}
        columns={[
          { header: 'Step', value: (o) => o.node },
          { header: 'Option', value: (o) => o.option },
          { header: 'Chosen', value: (o) => o.count, numeric: true },
        ]}
      />
      <DataTable<PathInsight>
        title="Most taken paths"
        file={file}
        rows={data.paths}
        rowKey={(p) => p.node_ids.join('>')}
        columns={[
          { header: 'Path', value: (p) => p.titles.join(' → ') },
          { header: 'Sessions', value: (p) => p.sessions, numeric: true },
        ]}
      />
      <DataTable<Counted & { group: string }>
        title="Outcomes"
        file={file}
        rows={outcomeRows}
        rowKey={(o) => `${o.group}-${o.key}`}
        columns={[
          { header: 'Group', value: (o) => o.group },
          { header: 'Outcome', value: (o) => o.key },
          { header: 'Sessions', value: (o) => o.count, numeric: true },
          { header: 'Share', value: (o) => o.rate, render: (o) => percent(o.rate), numeric: true },
        ]}
      />
      <DataTable<TrendPoint>
        title="Sessions per day"
        file={file}
        rows={data.trend}
        rowKey={(t) => t.day}
        columns={[
          { header: 'Day', value: (t) => t.day },
          { header: 'Sessions', value: (t) => t.started, numeric: true },
          { header: 'Resolved', value: (t) => t.resolved, numeric: true },
          { header: 'Escalated', value: (t) => t.escalated, numeric: true },
          { header: 'Unresolved', value: (t) => t.unresolved, numeric: true },
          { header: 'Abandoned', value: (t) => t.abandoned, numeric: true },
          { header: 'In progress', value: (t) => t.in_progress, numeric: true },
        ]}
      />
    </>
  );
}
