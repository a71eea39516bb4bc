import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { useDebouncedValue } from '../../../lib/lists/hooks';
import { PagedList } from '../../../ui/lists';
import { usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { usePublishedTrees } from '../../trees/hooks';
import { EMPTY_HISTORY, useSessionHistory, type HistoryFilters, type HistoryTab, type SessionSummary } from '../hooks';

const TABS: { tab: HistoryTab; label: string }[] = [
  { tab: 'mine', label: 'Mine' },
  { tab: 'assigned', label: 'Assigned to me' },
  { tab: 'all', label: 'All' },
];

const STATUS_LABEL: Record<string, string> = {
  prepared: 'Prepared',
  in_progress: 'In progress',
  completed: 'Completed',
  abandoned: 'Abandoned',
};

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
          <div className="field filter-search">
            <label htmlFor="history-q">Search</label>
            <input
              id="history-q"
              type="search"
              placeholder="Tree, technician, notes…"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="history-status">Status</label>
            <select
              id="history-status"
              value={filters.status}
              onChange={(e) => set('status', e.target.value as HistoryFilters['status'])}
            >
              <option value="">Any status</option>
              {Object.entries(STATUS_LABEL).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="history-outcome">Outcome</label>
            <select
              id="history-outcome"
              value={filters.outcome}
              onChange={(e) => set('outcome', e.target.value as HistoryFilters['outcome'])}
            >
              <option value="">Any outcome</option>
              <option value="resolved">Resolved</option>
              <option value="escalated">Escalated</option>
              <option value="unresolved">Unresolved</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="history-tree">Tree</label>
            <select id="history-tree" value={filters.treeId} onChange={(e) => set('treeId', e.target.value)}>
              <option value="">Any tree</option>
              {trees.data?.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="history-from">From</label>
            <input id="history-from" type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="history-to">To</label>
            <input id="history-to" type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />
          </div>
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
        <Link className="button primary small" to={`/sessions/${session.id}`} aria-label={`Start ${session.tree_title}`}>
          Start
        </Link>
      )}
    </li>
  );
}
