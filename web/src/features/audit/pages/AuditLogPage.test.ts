import { describe, expect, it } from 'vitest';

import { actionLabel, detailsLine } from './AuditLogPage';

describe('actionLabel', () => {
  it('reads an action name as words', () => {
    expect(actionLabel('member_role_changed')).toBe('Member role changed');
    expect(actionLabel('api_key_used')).toBe('API key used');
    expect(actionLabel('webhook.disabled')).toBe('Webhook disabled');
  });
});

describe('detailsLine', () => {
  it('lists the details on one line, without the key id (shown as a badge) or empty values', () => {
    expect(detailsLine({ old_role: 'engineer', new_role: 'technician', api_key_id: 'k', note: null, version: 2 })).toBe(
      'old_role: engineer · new_role: technician · version: 2',
    );
    expect(detailsLine({})).toBe('');
  });
});
