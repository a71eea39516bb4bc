import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, jsonResponse, renderPage } from '../../../test/app';
import { FlagStep } from './FlagStep';

const SESSION = '11111111-1111-4111-8111-111111111111';
const VERSION = '22222222-2222-4222-8222-222222222222';
const ROUTE = `POST /api/v1/sessions/${SESSION}/feedback`;

function renderFlag() {
  return renderPage(<FlagStep sessionId={SESSION} nodeId="q2" versionId={VERSION} />, {
    path: '/s',
    url: '/s',
  });
}

describe('flag this step', () => {
  it('asks for a reason before sending, then sends the step, the reason and the comment', async () => {
    const api = fakeApi({ [ROUTE]: () => jsonResponse({ id: 'f1' }, 201) });
    const { user } = renderFlag();
    await user.click(screen.getByRole('button', { name: 'Flag this step' }));
    await user.click(screen.getByRole('button', { name: 'Send feedback' }));
    expect(screen.getByText('Choose what is wrong with it.')).toBeInTheDocument();
    expect(api.callsTo(ROUTE)).toHaveLength(0);

    await user.click(screen.getByLabelText('Wrong'));
    await user.type(screen.getByLabelText('Comment'), '  The cable is blue  ');
    await user.click(screen.getByRole('button', { name: 'Send feedback' }));
    await screen.findByText(/“Wrong” went to the authors/);
    expect(api.callsTo(ROUTE).map((c) => c.body)).toEqual([
      { node_id: 'q2', version_id: VERSION, kind: 'wrong', comment: 'The cable is blue' },
    ]);
    expect(screen.queryByRole('form', { name: 'Flag this step' })).not.toBeInTheDocument();
  });

  it('shows the server’s refusal next to the comment and keeps the form', async () => {
    fakeApi({
      [ROUTE]: () =>
        jsonResponse(
          { detail: [{ code: 'string_too_long', message: 'At most 1000 characters.', field: 'comment' }] },
          422,
        ),
    });
    const { user } = renderFlag();
    await user.click(screen.getByRole('button', { name: 'Flag this step' }));
    await user.click(screen.getByLabelText('Unclear'));
    await user.click(screen.getByRole('button', { name: 'Send feedback' }));
    await waitFor(() => expect(screen.getByLabelText('Comment')).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText('At most 1000 characters.')).toBeInTheDocument();
    expect(screen.getByRole('form', { name: 'Flag this step' })).toBeInTheDocument();
  });
});
