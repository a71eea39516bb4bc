import { Link } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useUrlFilters } from '../../../lib/lists/hooks';
import type { FilterSpec } from '../../../lib/lists/urlFilters';
import { Field, FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { DataTable, type TableColumn } from '../components/DataTable';
import { percent } from '../format';
import { type EmptySearch, type TreeRank, useAccountInsights, useEmptySearches } from '../hooks';
import { insightsPath } from '../paths';

interface RangeQuery extends Record<string, string> {
  from: string;
  to: string;
}
const SPEC: FilterSpec<RangeQuery> = { from: 'date', to: 'date' };
const DEFAULTS: RangeQuery = { from: '', to: '' };

const title: TableColumn<TreeRank> = {
  header: 'Tree',
  value: (r) => r.title,
  render: (r) => <Link to={insightsPath(r.tree_id)}>{r.title}</Link>,
};
const sessions: TableColumn<TreeRank> = { header: 'Sessions', value: (r) => r.sessions, numeric: true };

export function InsightsOverviewPage() {
  usePageTitle('Analytics');
  const [range, setRange] = useUrlFilters(SPEC, DEFAULTS);
  const overview = useAccountInsights(range.from, range.to);
  const misses = useEmptySearches(range.from, range.to);
  const problem = overview.isError ? describeError(overview.error, ['date_to']) : null;
  const data = overview.data;
  return (
    <div className="insights">
      <div className="page-header">
        <h1>Analytics</h1>
      </div>
      <search className="filters" aria-label="Filter analytics">
        <Field
          label="From"
          type="date"
          value={range.from}
          error={problem?.fields.date_to}
          onChange={(e) => setRange({ from: e.target.value })}
        />
        <Field label="To" type="date" value={range.to} onChange={(e) => setRange({ to: e.target.value })} />
      </search>
      <FormErrors messages={problem?.general ?? []} />
      {!data ? (
        overview.isPending && <Loading label="Counting sessions…" />
      ) : (
        <>
          <DataTable<TreeRank>
            title="Most used trees"
            file="analytics"
            rows={data.by_use}
            rowKey={(r) => r.tree_id}
            columns={[title, sessions]}
          />
          <DataTable<TreeRank>
            title="Highest escalation rate"
            file="analytics"
            rows={data.by_escalation}
            rowKey={(r) => r.tree_id}
            columns={[
              title,
              { header: 'Escalated', value: (r) => r.escalated, numeric: true },
              sessions,
              {
                header: 'Escalation rate',
                value: (r) => r.escalation_rate,
                render: (r) => percent(r.escalation_rate),
                numeric: true,
              },
            ]}
          />
          <DataTable<TreeRank>
            title="Highest drop-off"
            file="analytics"
            rows={data.by_drop_off}
            rowKey={(r) => r.tree_id}
            columns={[
              title,
              { header: 'Abandoned', value: (r) => r.abandoned, numeric: true },
              sessions,
              {
                header: 'Drop-off rate',
                value: (r) => r.drop_off_rate,
                render: (r) => percent(r.drop_off_rate),
                numeric: true,
              },
            ]}
          />
        </>
      )}
      {misses.isAvailable && (
        <DataTable<EmptySearch>
          title="Searches that found nothing"
          file="analytics"
          rows={misses.data ?? []}
          rowKey={(m) => m.query}
          columns={[
            { header: 'Search', value: (m) => m.query },
            { header: 'Times', value: (m) => m.count, numeric: true },
          ]}
        />
      )}
    </div>
  );
}
