import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { useUrlFilters } from '../../../lib/lists/hooks';
import { Field, FormErrors, SelectField } from '../../../ui/forms';
import { PagedList } from '../../../ui/lists';
import { Loading, usePageTitle } from '../../../ui/page';
import { AccountTabs } from '../../account/components/AccountTabs';
import { useMembers } from '../../account/hooks';
import { useCurrentUser } from '../../auth/hooks';
import { saveFile } from '../../sessions/download';
import {
  AUDIT_DEFAULTS,
  AUDIT_SPEC,
  useAuditActions,
  useAuditEvents,
  useExportAudit,
  type AuditEventRead,
  type AuditFilters,
} from '../hooks';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "member_role_changed" -> "Member role changed"; "api_key_used" -> "API key used". */
export function actionLabel(action: string): string {
  const words = action.replace(/[_.]/g, ' ').replace(/\bapi\b/g, 'API');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The event's details on one line: `old_role: engineer · new_role: technician`. */
export function detailsLine(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([name, value]) => name !== 'api_key_id' && value !== null && value !== undefined)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

function EventRow({ event, platform }: { event: AuditEventRead; platform: boolean }) {
  return (
    <tr>
      <td>
        <time dateTime={event.created_at}>{dateFormat.format(new Date(event.created_at))}</time>
      </td>
      <td>
        <span className="badge">{actionLabel(event.action)}</span>
      </td>
      <td>
        {event.actor_name ?? <span className="muted">nobody known</span>}
        {event.actor_email && <div className="muted">{event.actor_email}</div>}
        {event.api_key_id && <div className="badge warn">via API key</div>}
      </td>
      {platform && <td className="mono">{event.account_id?.slice(0, 8) ?? '—'}</td>}
      <td className="mono">{event.subject ?? '—'}</td>
      <td>{event.ip ?? '—'}</td>
      <td className="details">{detailsLine(event.data)}</td>
    </tr>
  );
}

export function AuditLogPage() {
  usePageTitle('Audit log');
  const me = useCurrentUser();
  const isAdmin = me.data?.membership?.role === 'admin';
  const isSuperuser = me.data?.user.is_superuser === true;
  const [filters, setFilters] = useUrlFilters(AUDIT_SPEC, AUDIT_DEFAULTS);
  const effective: AuditFilters = { ...filters, platform: isSuperuser ? filters.platform : '' };
  const platform = effective.platform === '1';
  const members = useMembers();
  const actions = useAuditActions();
  const events = useAuditEvents(effective);
  const exporter = useExportAudit();
  const download = useSingleFlight(async () => {
    const { blob, filename } = await exporter.mutateAsync(effective);
    saveFile(blob, filename);
  });
  const set = <K extends keyof AuditFilters>(name: K, value: AuditFilters[K]) => setFilters({ [name]: value });

  if (me.isPending) return <Loading />;
  if (!isAdmin) {
    return (
      <>
        <h1>Audit log</h1>
        <p>Only account administrators read the audit log.</p>
      </>
    );
  }
  return (
    <>
      <h1>Audit log</h1>
      <AccountTabs />
      <search className="filters" aria-label="Filter the audit log">
        <SelectField
          label="Who"
          value={effective.actor}
          onChange={(e) => set('actor', e.target.value)}
          options={members.data?.map((m) => ({ value: m.user_id, label: m.full_name }))}
        >
          <option value="">Anyone</option>
        </SelectField>
        <SelectField
          label="Action"
          value={effective.action}
          onChange={(e) => set('action', e.target.value)}
          options={actions.data?.map((a) => ({ value: a, label: actionLabel(a) }))}
        >
          <option value="">Any action</option>
        </SelectField>
        <Field label="From" type="date" value={effective.from} onChange={(e) => set('from', e.target.value)} />
        <Field label="To" type="date" value={effective.to} onChange={(e) => set('to', e.target.value)} />
        {isSuperuser && (
          <label className="filter-check">
            <input type="checkbox" checked={platform} onChange={(e) => set('platform', e.target.checked ? '1' : '')} />
            Every account (platform)
          </label>
        )}
      </search>
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={() => download.run()}
          aria-disabled={download.busy || undefined}
        >
          {download.busy ? 'Preparing…' : 'Download CSV'}
        </button>
      </div>
      {exporter.error !== null && <FormErrors messages={describeError(exporter.error).general} />}
      <PagedList list={events} loadingLabel="Loading the audit log…" empty="No events match.">
        <div className="table-scroll">
          <table className="data-table audit-table" aria-label="Audit events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Who</th>
                {platform && <th scope="col">Account</th>}
                <th scope="col">Subject</th>
                <th scope="col">Address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((event) => (
                <EventRow key={event.id} event={event} platform={platform} />
              ))}
            </tbody>
          </table>
        </div>
      </PagedList>
    </>
  );
}
