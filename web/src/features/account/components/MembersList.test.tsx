import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, renderPage } from '../../../test/app';
import { MembersList } from './MembersList';

const member = (role: string) => ({
  user_id: 'u2',
  email: 'theo@example.com',
  full_name: 'Theo Tech',
  email_verified: true,
  is_active: true,
  joined_at: '2026-01-01T10:00:00Z',
  role,
});

describe('members', () => {
  it('applies a new role as soon as it is chosen, and Undo restores the old one', async () => {
    let role = 'technician';
    const api = fakeApi({
      'GET /api/v1/account/members': () => [member(role)],
      'PATCH /api/v1/account/members/u2': (call) => {
        role = (call.body as { role: string }).role;
        return member(role);
      },
    });
    const { user } = renderPage(<MembersList canManage myUserId="u1" />, { path: '/account', url: '/account' });
    const select = await screen.findByLabelText('Role of Theo Tech');
    expect(select).toHaveValue('technician');

    await user.selectOptions(select, 'engineer');

    expect(await screen.findByText('Theo Tech is now engineer.')).toBeInTheDocument();
    expect(screen.getByLabelText('Role of Theo Tech')).toHaveValue('engineer');
    await user.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(screen.queryByText('Theo Tech is now engineer.')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByLabelText('Role of Theo Tech')).toHaveValue('technician'));
    expect(api.callsTo('PATCH /api/v1/account/members/u2').map((c) => c.body)).toEqual([
      { role: 'engineer' },
      { role: 'technician' },
    ]);
  });
});
