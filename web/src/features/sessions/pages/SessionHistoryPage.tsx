import { useEffect, useState } from 'react';
import { Link } from 'react-router';

import { isApiError } from '../../../lib/api/errors';

import { useSearchText, useUrlFilters } from '../../../lib/lists/hooks';
import { PagedList } from '../../../ui/lists';
import { Field, SelectField } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { usePublishedTrees } from '../../trees/hooks';
import { ABANDON_REASON_LABEL, HANDOFF_BADGE, OUTCOME_LABEL, OUTCOMES, STATUS_LABEL, STATUSES } from '../labels';
import { FeedbackNotices } from '../../feedback/components/FeedbackNotices';
import {
  HISTORY_SPEC,
  historyDefaults,
  useOutcomeLabels,
  useSessionHistory,
  type HistoryFilters,
  type HistoryTab,
  type SessionSummary,
} from '../hooks';

const TABS: { tab: HistoryTab; label: string }[] = [
  { tab: 'mine', label: 'Mine' },
  { tab: 'assigned', label: 'Assigned to me' },
  { tab: 'all', label: 'Team' },
];

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function SessionHistoryPage() {
  usePageTitle('Session history');
  const me = useCurrentUser();
  const role = me.data?.membership?.role;
  // Admins and engineers see the team's sessions; they open on them (an engineer only where the
  // server lets them: one that refuses falls back to their own).
  const [teamRefused, setTeamRefused] = useState(false);
  const seesTeam = role === 'admin' || (role === 'engineer' && !teamRefused);
  const [filters, setFilters] = useUrlFilters(HISTORY_SPEC, historyDefaults(seesTeam));
  const tab: HistoryTab = filters.tab === 'all' && !seesTeam ? 'mine' : filters.tab;
  const { text, setText } = useSearchText(filters.q, (q) => setFilters({ q }), 300);
  // The tab depends on the role: wait for it rather than ask for the wrong list first.
  const history = useSessionHistory({ ...filters, tab }, me.isSuccess);
  const refused = tab === 'all' && role !== 'admin' && isApiError(history.error, 403);
  useEffect(() => {
    if (refused) setTeamRefused(true);
  }, [refused]);
  const trees = usePublishedTrees();
  const labels = useOutcomeLabels();
  const set = <K extends keyof HistoryFilters>(key: K, value: HistoryFilters[K]) =>
    setFilters({ [key]: value } as Partial<HistoryFilters>);
  const tabs = TABS.filter((t) => t.tab !== 'all' || seesTeam);

  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (!next) return;
    set('tab', next.tab);
    document.getElementById(`tab-${next.tab}`)?.focus();
  };

  return (
    <>
      <h1>Session history</h1>
      <FeedbackNotices />
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
            onClick={() => set('tab', t.tab)}
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
            placeholder="Ticket, serial, customer, technician, notes…"
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
          {/* Only when the account's trees have labels (or the address names one). */}
          {(!!labels.data?.length || filters.label !== '') && (
            <SelectField
              label="Outcome label"
              value={filters.label}
              onChange={(e) => set('label', e.target.value)}
              options={labels.data?.map((l) => ({ value: l, label: l }))}
            >
              <option value="">Any label</option>
            </SelectField>
          )}
          <SelectField
            label="Tree"
            value={filters.tree}
            onChange={(e) => set('tree', e.target.value)}
            options={trees.data?.map((t) => ({ value: t.id, label: t.title }))}
          >
            <option value="">Any tree</option>
          </SelectField>
          <Field label="From" type="date" value={filters.from} onChange={(e) => set('from', e.target.value)} />
          <Field label="To" type="date" value={filters.to} onChange={(e) => set('to', e.target.value)} />
          <label className="filter-check">
            <input
              type="checkbox"
              checked={filters.unanswered === '1'}
              onChange={(e) => set('unanswered', e.target.checked ? '1' : '')}
            />
            Include sessions never answered
          </label>
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

const MATCHED: Record<string, string> = {
  technician: 'Technician',
  tree_title: 'Tree',
  step_note: 'Step note',
  notes: 'Note',
  resolution_note: 'Resolution note',
};

/** "ticket_no" -> "Ticket no". */
const asWords = (name: string) => {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** What the search matched, named: "Ticket: INC-1234", "Technician: Tess", "Note: …". */
function MatchLine({ match }: { match: NonNullable<SessionSummary['match']> }) {
  const name = match.field === 'variable' && match.name ? asWords(match.name) : (MATCHED[match.field] ?? match.field);
  return (
    <span className="session-match">
      <span className="muted">{name}: </span>
      <mark>{match.snippet}</mark>
    </span>
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
          {!!session.answer_count && ` · ${session.answer_count} ${session.answer_count === 1 ? 'answer' : 'answers'}`}
        </span>
        {session.match && <MatchLine match={session.match} />}
      </div>
      <div className="badges">
        <span className={`badge status-${session.status}`}>{STATUS_LABEL[session.status] ?? session.status}</span>
        {session.outcome && (
          <span className={`badge outcome-${session.outcome}`}>
            {OUTCOME_LABEL[session.outcome] ?? session.outcome}
          </span>
        )}
        {session.outcome_label && <span className="badge outcome-label">{session.outcome_label}</span>}
        {session.abandon_reason && (
          <span className="badge">{ABANDON_REASON_LABEL[session.abandon_reason] ?? session.abandon_reason}</span>
        )}
        {session.never_answered && <span className="badge">never answered</span>}
        {session.handoff_status && (
          <span className={`badge handoff-${session.handoff_status}`}>{HANDOFF_BADGE[session.handoff_status]}</span>
        )}
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
