import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, jsonResponse, renderPage } from '../../../test/app';
import { RegisterPage } from './RegisterPage';

const MESSAGE = 'Check your email: we have sent a message to that address to finish creating your account.';

describe('register page', () => {
  it('says to check the mail after registering, and signs nobody in', async () => {
    const api = fakeApi({ 'POST /api/v1/auth/register': () => jsonResponse({ message: MESSAGE }, 202) });
    const { user } = renderPage(<RegisterPage />, { path: '/register', url: '/register' });

    await user.type(screen.getByLabelText('Your name'), 'Ada Admin');
    await user.type(screen.getByLabelText('Email'), ' ada@example.com ');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery staple');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    const notice = await screen.findByRole('status');
    expect(notice).toHaveTextContent(MESSAGE);
    expect(notice).toHaveTextContent('We wrote to ada@example.com.');
    expect(screen.getByRole('link', { name: 'Go to sign in' })).toHaveAttribute('href', '/sign-in');
    expect(screen.queryByRole('button', { name: 'Create account' })).not.toBeInTheDocument();
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v1/auth/register']);
    expect(api.calls[0]?.body).toEqual({
      email: 'ada@example.com',
      password: 'correct horse battery staple',
      full_name: 'Ada Admin',
    });
  });
});
