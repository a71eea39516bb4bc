import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { useDebouncedValue } from '../../../lib/lists/hooks';
import { PagedList } from '../../../ui/lists';
import { Field, SelectField } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { usePublishedTrees } from '../../trees/hooks';
import { OUTCOMES, STATUS_LABEL, STATUSES } from '../labels';
import { EMPTY_HISTORY, useSessionHistory, type HistoryFilters, type HistoryTab, type SessionSummary } from '../hooks';

const TABS: { tab: HistoryTab; label: string }[] = [
  { tab: 'mine', label: 'Mine' },
  { tab: 'assigned', label: 'Assigned to me' },
  { tab: 'all', label: 'All' },
];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function SessionHistoryPage() {
  usePageTitle('Session history');
  const me = useCurrentUser();
  const isAdmin = me.data?.membership?.role === 'admin';
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab') as HistoryTab | null;
  const tab: HistoryTab = requested === 'assigned' || (requested === 'all' && isAdmin) ? requested : 'mine';
  const [filters, setFilters] = useState<Omit<HistoryFilters, 'tab' | 'q'>>(EMPTY_HISTORY);
  const [text, setText] = useState('');
  const [q] = useDebouncedValue(text, 300);
  const history = useSessionHistory({ ...filters, tab, q });
  const trees = usePublishedTrees();
  const set = <K extends keyof HistoryFilters>(key: K, value: HistoryFilters[K]) =>
    setFilters((f) => ({ ...f, [key]: value }));
  const tabs = TABS.filter((t) => t.tab !== 'all' || isAdmin);

  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (!next) return;
    setParams({ tab: next.tab }, { replace: true });
    document.getElementById(`tab-${next.tab}`)?.focus();
  };

  return (
    <>
      <h1>Session history</h1>
      <div role="tablist" aria-label="Sessions" className="tabs">
        {tabs.map((t, i) => (
          <button
            key={t.tab}
            id={`tab-${t.tab}`}
            type="button"
            role="tab"
            aria-selected={t.tab === tab}
            aria-controls="history-panel"
            tabIndex={t.tab === tab ? 0 : -1}
            onKeyDown={(e) => onTabKey(e, i)}
            onClick={() => setParams({ tab: t.tab }, { replace: true })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id="history-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        <search className="filters" aria-label="Filter sessions">
          <Field
            label="Search"
            className="field filter-search"
            type="search"
            placeholder="Tree, technician, notes…"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <SelectField
            label="Status"
            value={filters.status}
            onChange={(e) => set('status', e.target.value as HistoryFilters['status'])}
            options={STATUSES}
          >
            <option value="">Any status</option>
          </SelectField>
          <SelectField
            label="Outcome"
            value={filters.outcome}
            onChange={(e) => set('outcome', e.target.value as HistoryFilters['outcome'])}
            options={OUTCOMES}
          >
            <option value="">Any outcome</option>
          </SelectField>
          <SelectField
            label="Tree"
            value={filters.treeId}
            onChange={(e) => set('treeId', e.target.value)}
            options={trees.data?.map((t) => ({ value: t.id, label: t.title }))}
          >
            <option value="">Any tree</option>
          </SelectField>
          <Field label="From" type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
          <Field label="To" type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />
        </search>
        <PagedList
          list={history}
          loadingLabel="Loading sessions…"
          empty={tab === 'assigned' ? 'Nothing is assigned to you.' : 'No sessions match.'}
        >
          <ul className="session-list" aria-label="Sessions">
            {history.items.map((s) => (
              <SessionRow key={s.id} session={s} myId={me.data?.user.id} />
            ))}
          </ul>
        </PagedList>
      </div>
    </>
  );
}

function SessionRow({ session, myId }: { session: SessionSummary; myId: string | undefined }) {
  const startable = session.status === 'prepared' && session.technician_id === myId;
  return (
    <li className="session-row">
      <div className="session-main">
        <Link to={`/sessions/${session.id}`} className="session-title">
          {session.tree_title}
        </Link>
        <span className="muted">
          {dateFormat.format(new Date(session.created_at))} · {session.technician_name} · v{session.version_number}
        </span>
      </div>
      <div className="badges">
        <span className={`badge status-${session.status}`}>{STATUS_LABEL[session.status] ?? session.status}</span>
        {session.outcome && <span className={`badge outcome-${session.outcome}`}>{session.outcome}</span>}
      </div>
      {startable && (
        <Link
          className="button primary small"
          to={`/sessions/${session.id}`}
          aria-label={`Start ${session.tree_title}`}
        >
          Start
        </Link>
      )}
    </li>
  );
}
