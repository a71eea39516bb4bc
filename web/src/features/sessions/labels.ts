// How session statuses and outcomes read, wherever they are shown or chosen.

import type { Choice } from '../../ui/forms';
import type { AbandonReason, Outcome } from './hooks';

export const STATUS_LABEL: Record<string, string> = {
  prepared: 'Prepared',
  in_progress: 'In progress',
  completed: 'Completed',
  abandoned: 'Abandoned',
};

export const OUTCOMES: { value: Outcome; label: string }[] = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'unresolved', label: 'Unresolved' },
];

export const OUTCOME_LABEL: Record<string, string> = Object.fromEntries(OUTCOMES.map((o) => [o.value, o.label]));

export const STATUSES: Choice[] = Object.entries(STATUS_LABEL).map(([value, label]) => ({ value, label }));

export const ABANDON_REASONS: { value: AbandonReason; label: string }[] = [
  { value: 'solved_elsewhere', label: 'Solved elsewhere' },
  { value: 'customer_left', label: 'Customer left' },
  { value: 'wrong_tree', label: 'Wrong tree' },
  { value: 'other', label: 'Other' },
];

export const ABANDON_REASON_LABEL: Record<string, string> = Object.fromEntries(
  ABANDON_REASONS.map((r) => [r.value, r.label]),
);

/** The escalation hand-off mail, as a history badge. */
export const HANDOFF_BADGE: Record<string, string> = {
  pending: 'hand-off mail queued',
  sent: 'hand-off mailed',
  failed: 'hand-off mail failed',
};
