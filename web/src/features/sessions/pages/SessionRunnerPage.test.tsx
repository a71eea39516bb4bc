import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, renderPage } from '../../../test/app';
import { deferred } from '../../../test/deferred';
import { sessionFixture, step } from '../../../test/sessions';
import type { SessionRead } from '../hooks';
import { SessionRunnerPage } from './SessionRunnerPage';

const SESSION = '/api/v1/sessions/s1';

const motor = (s: SessionRead): SessionRead => ({
  ...s,
  revision: s.revision + 1,
  path: [step(0, 'n1', 'Does the pump get power?', 'Yes'), step(1, 'n2', 'Does the motor hum?')],
  current: s.current && { ...s.current, node_id: 'n2', title: 'Does the motor hum?' },
});

function openRunner(session: SessionRead, routes: Parameters<typeof fakeApi>[0] = {}) {
  const api = fakeApi({ [`GET ${SESSION}`]: () => session, ...routes });
  const page = renderPage(<SessionRunnerPage />, { path: '/sessions/:sessionId', url: '/sessions/s1' });
  return { api, ...page };
}

describe('session runner', () => {
  it('shows the current node with its answers, and records the one chosen', async () => {
    const { api, user } = openRunner(sessionFixture(), {
      [`POST ${SESSION}/steps`]: () => motor(sessionFixture()),
    });
    expect(await screen.findByRole('heading', { name: 'Does the pump get power?' })).toBeInTheDocument();
    const answers = screen.getByRole('list', { name: 'Answers' });
    expect(
      within(answers)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['1Yes', '2No']);

    await user.click(screen.getByRole('button', { name: 'Yes' }));

    expect(await screen.findByRole('heading', { name: 'Does the motor hum?' })).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/steps`).map((c) => c.body)).toEqual([{ option_id: 'o1', base_revision: 1 }]);
  });

  it('answers with the number keys, also while a read of the session is still on its way', async () => {
    const slowRead = deferred<SessionRead>();
    let reads = 0;
    const { api, user } = openRunner(sessionFixture(), {
      [`GET ${SESSION}`]: () => (++reads === 1 ? sessionFixture() : slowRead.promise),
      [`POST ${SESSION}/steps`]: () => motor(sessionFixture()),
    });
    await screen.findByRole('heading', { name: 'Does the pump get power?' });

    await user.keyboard('2');

    expect(await screen.findByRole('heading', { name: 'Does the motor hum?' })).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/steps`).map((c) => c.body)).toEqual([{ option_id: 'o2', base_revision: 1 }]);
    slowRead.resolve(sessionFixture());
  });

  it('leaves the number keys to a field being typed in', async () => {
    const { api, user } = openRunner(sessionFixture());
    await user.type(await screen.findByLabelText('Session notes'), '1');
    expect(screen.getByLabelText('Session notes')).toHaveValue('1');
    expect(api.callsTo(`POST ${SESSION}/steps`)).toEqual([]);
  });

  it('goes back one step', async () => {
    const atMotor = motor(sessionFixture());
    const { api, user } = openRunner(atMotor, {
      [`POST ${SESSION}/back`]: () => ({ ...sessionFixture(), revision: 3 }),
    });
    await screen.findByRole('heading', { name: 'Does the motor hum?' });
    await user.click(screen.getByRole('button', { name: '← Back' }));
    expect(await screen.findByRole('heading', { name: 'Does the pump get power?' })).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/back`).map((c) => c.body)).toEqual([{ path_index: 0, base_revision: 2 }]);
  });

  it('saves the notes', async () => {
    const { api, user } = openRunner(sessionFixture(), {
      [`PUT ${SESSION}`]: (call) => ({
        ...sessionFixture(),
        revision: 2,
        notes: (call.body as { notes: string }).notes,
      }),
    });
    await user.type(await screen.findByLabelText('Session notes'), 'Unit in basement.');
    await user.click(screen.getByRole('button', { name: 'Save notes' }));
    expect(await screen.findByText('Notes saved.')).toBeInTheDocument();
    expect(api.callsTo(`PUT ${SESSION}`).map((c) => c.body)).toEqual([
      { notes: 'Unit in basement.', base_revision: 1 },
    ]);
  });

  it('completes the session at a terminal node with the outcome chosen', async () => {
    const base = sessionFixture();
    const terminal = sessionFixture({
      can_complete: true,
      current: base.current && {
        ...base.current,
        kind: 'escalation',
        title: 'Call an electrician',
        options: [],
        is_terminal: true,
      },
    });
    const { api, user } = openRunner(terminal, {
      [`POST ${SESSION}/complete`]: () => ({
        ...terminal,
        revision: 2,
        status: 'completed',
        outcome: 'unresolved',
        current: null,
      }),
    });
    const panel = await screen.findByRole('region', { name: 'Complete the session' });
    expect(within(panel).getByLabelText('Outcome')).toHaveValue('escalated'); // from the node's kind
    await user.selectOptions(within(panel).getByLabelText('Outcome'), 'unresolved');
    await user.type(within(panel).getByLabelText('Resolution note (optional)'), 'Parts ordered.');
    await user.click(within(panel).getByRole('button', { name: 'Complete' }));

    expect(await screen.findByRole('heading', { name: 'Session complete' })).toBeInTheDocument();
    expect(screen.getByText('Outcome: Unresolved')).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/complete`).map((c) => c.body)).toEqual([
      { outcome: 'unresolved', resolution_note: 'Parts ordered.', base_revision: 1 },
    ]);
  });

  it('flags the missing intake values until they are saved', async () => {
    const needsPressure = sessionFixture({
      variable_definitions: [
        { name: 'serial', label: 'Serial number', type: 'text', required: 'at_start' },
        { name: 'pressure', label: 'Pressure after refill', type: 'number', required: 'before_complete' },
      ],
      variables: { serial: 'SN-1' },
      missing_variables: { at_start: [], before_complete: ['pressure'] },
    });
    const { api, user } = openRunner(needsPressure, {
      [`PUT ${SESSION}`]: () => ({
        ...needsPressure,
        revision: 2,
        variables: { serial: 'SN-1', pressure: 2.5 },
        missing_variables: { at_start: [], before_complete: [] },
      }),
    });
    const panel = await screen.findByRole('region', { name: 'Intake values' });
    expect(within(panel).getByText('1 missing')).toBeInTheDocument();
    expect(within(panel).getByLabelText(/Serial number/)).toHaveValue('SN-1');
    const pressure = within(panel).getByLabelText(/Pressure after refill/);
    expect(pressure).toHaveAttribute('aria-invalid', 'true');

    await user.type(pressure, '2.5');
    await user.click(within(panel).getByRole('button', { name: 'Save values' }));

    expect(await within(panel).findByText('Values saved.')).toBeInTheDocument();
    await waitFor(() => expect(within(panel).queryByText('1 missing')).not.toBeInTheDocument());
    expect(within(panel).getByLabelText(/Pressure after refill/)).toHaveValue(2.5);
    expect(api.callsTo(`PUT ${SESSION}`).map((c) => c.body)).toEqual([
      { variables: { pressure: 2.5 }, base_revision: 1 },
    ]);
  });
});
