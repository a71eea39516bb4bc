// A session as the API answers it, for component tests.

import type { SessionRead } from '../features/sessions/hooks';

const AT = '2026-01-01T10:00:00Z';

/** The fixture session's id (ids in addresses are uuids). */
export const SESSION_ID = '5e0c1f2a-3b4c-4d5e-8f60-718293a4b5c6';

export function sessionFixture(change: Partial<SessionRead> = {}): SessionRead {
  return {
    id: SESSION_ID,
    revision: 1,
    status: 'in_progress',
    tree_id: 't1',
    tree_title: 'Pump will not start',
    tree_version_id: 'v1',
    version_number: 1,
    technician: { id: 'u1', email: 'tess@example.com', full_name: 'Tess Technician' },
    created_by: null,
    created_at: AT,
    started_at: AT,
    updated_at: AT,
    completed_at: null,
    notes: '',
    outcome: null,
    outcome_label: null,
    outcome_labels: [],
    abandon_reason: null,
    abandon_note: null,
    answer_count: 0,
    never_answered: false,
    resolution_note: null,
    can_complete: false,
    variables: {},
    variable_definitions: [],
    missing_variables: { at_start: [], before_complete: [] },
    path: [step(0, 'n1', 'Does the pump get power?')],
    current: {
      version_id: 'v1',
      node_id: 'n1',
      kind: 'question',
      title: 'Does the pump get power?',
      body: '',
      is_terminal: false,
      options: [
        { id: 'o1', label: 'Yes' },
        { id: 'o2', label: 'No' },
      ],
      suggested_option_id: null,
      waiting_for: [],
    },
    ...change,
  };
}

export function step(index: number, nodeId: string, title: string, answer: string | null = null) {
  return {
    index,
    node_id: nodeId,
    title,
    kind: 'question',
    answer_label: answer,
    option_id: null,
    arrived_at: AT,
    note: null,
    seconds_spent: null,
    step_seq: index,
    version_id: 'v1',
    automatic: false,
  };
}
