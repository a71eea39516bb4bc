// Every API call of the audit log page. Components use these hooks, never the client.

import { type InfiniteData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';

import { auditExportAuditEvents, auditExportPlatformAuditEvents, type AuditEventRead } from '../../client';
import {
  auditListAuditActionsOptions,
  auditListAuditEventsInfiniteOptions,
  auditListPlatformAuditEventsInfiniteOptions,
} from '../../client/@tanstack/react-query.gen';
import { allItems, cursorList, cursorPaging } from '../../lib/api/query';
import type { FilterSpec } from '../../lib/lists/urlFilters';
import { dayBound } from '../sessions/hooks';

export type { AuditEventRead } from '../../client';

/** The log's filters, as the address holds them (`/account/audit?action=sign_in&from=2026-12-01`). */
export interface AuditFilters extends Record<string, string> {
  actor: string;
  action: string;
  from: string; // yyyy-mm-dd
  to: string;
  /** '1': every account (superusers). */
  platform: '' | '1';
}

export const AUDIT_SPEC: FilterSpec<AuditFilters> = {
  actor: 'uuid',
  action: 'text',
  from: 'date',
  to: 'date',
  platform: 'flag',
};

export const AUDIT_DEFAULTS: AuditFilters = { actor: '', action: '', from: '', to: '', platform: '' };

function auditQuery(filters: AuditFilters) {
  return {
    actor_id: filters.actor || null,
    action: filters.action || null,
    created_from: dayBound(filters.from, false),
    created_to: dayBound(filters.to, true),
  };
}

const items = (data: InfiniteData<{ items: AuditEventRead[] }>) => allItems(data);

/** The log for these filters, newest first, page by page: the account's, or with `platform`
 * every account's. */
export function useAuditEvents(filters: AuditFilters) {
  const query = { ...auditQuery(filters), limit: 50 };
  const options =
    filters.platform === '1'
      ? auditListPlatformAuditEventsInfiniteOptions({ query })
      : auditListAuditEventsInfiniteOptions({ query });
  return cursorList(useInfiniteQuery({ ...options, ...cursorPaging, select: items }));
}

/** The actions the account's log holds (for the filter). */
export function useAuditActions() {
  return useQuery({ ...auditListAuditActionsOptions(), staleTime: 30_000 });
}

/** Everything the filters match as a CSV file (sent with the bearer token like every call). */
export function useExportAudit() {
  return useMutation({
    mutationFn: async (filters: AuditFilters): Promise<{ blob: Blob; filename: string }> => {
      const options = { query: auditQuery(filters), parseAs: 'blob' as const, throwOnError: true as const };
      const { data, response } =
        filters.platform === '1'
          ? await auditExportPlatformAuditEvents(options)
          : await auditExportAuditEvents(options);
      const disposition = response.headers.get('Content-Disposition') ?? '';
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'audit-log.csv';
      return { blob: data as unknown as Blob, filename };
    },
  });
}
