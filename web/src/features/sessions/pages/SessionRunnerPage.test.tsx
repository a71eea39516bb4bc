import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, renderPage } from '../../../test/app';
import { deferred } from '../../../test/deferred';
import { SESSION_ID, sessionFixture, step } from '../../../test/sessions';
import type { SessionRead } from '../hooks';
import { SessionRunnerPage } from './SessionRunnerPage';

const SESSION = `/api/v1/sessions/${SESSION_ID}`;

const motor = (s: SessionRead): SessionRead => ({
  ...s,
  revision: s.revision + 1,
  path: [step(0, 'n1', 'Does the pump get power?', 'Yes'), step(1, 'n2', 'Does the motor hum?')],
  current: s.current && { ...s.current, node_id: 'n2', title: 'Does the motor hum?' },
});

function openRunner(session: SessionRead, routes: Parameters<typeof fakeApi>[0] = {}) {
  const api = fakeApi({ [`GET ${SESSION}`]: () => session, ...routes });
  const page = renderPage(<SessionRunnerPage />, { path: '/sessions/:sessionId', url: `/sessions/${SESSION_ID}` });
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

  it('goes back over a logic step that branched on its own, with the button and with Backspace', async () => {
    const base = sessionFixture();
    const afterLogic = sessionFixture({
      revision: 2,
      path: [
        step(0, 'n1', 'Does the pump get power?', 'Yes'),
        Object.assign(step(1, 'n2', 'Which model?'), { kind: 'logic', automatic: true }),
        step(2, 'n3', 'Is the fuse intact?'),
      ],
      current: base.current && { ...base.current, node_id: 'n3', title: 'Is the fuse intact?' },
    });
    let backs = 0;
    const { api, user } = openRunner(afterLogic, {
      [`POST ${SESSION}/back`]: () => (++backs === 1 ? { ...base, revision: 3 } : { ...base, revision: 5 }),
      [`POST ${SESSION}/steps`]: () => ({ ...afterLogic, revision: 4 }),
    });
    await screen.findByRole('heading', { name: 'Is the fuse intact?' });
    const trail = screen.getByRole('navigation', { name: 'Path' });
    expect(within(trail).queryByRole('button', { name: 'Which model?' })).not.toBeInTheDocument();
    expect(within(trail).getByText('Which model?')).toHaveAttribute('title', 'Passed automatically');

    await user.click(screen.getByRole('button', { name: '← Back' }));
    expect(await screen.findByRole('heading', { name: 'Does the pump get power?' })).toBeInTheDocument();
    await user.keyboard('1');
    await screen.findByRole('heading', { name: 'Is the fuse intact?' });
    await user.keyboard('{Backspace}');
    await screen.findByRole('heading', { name: 'Does the pump get power?' });
    expect(api.callsTo(`POST ${SESSION}/back`).map((c) => c.body)).toEqual([
      { path_index: 0, base_revision: 2 },
      { path_index: 0, base_revision: 4 },
    ]);
  });

  it('collapses a long path to its last steps, with "Show all"', async () => {
    const base = sessionFixture();
    const path = Array.from({ length: 12 }, (_, i) => step(i, `n${i + 1}`, `Check ${i + 1}`, i < 11 ? 'Yes' : null));
    const { user } = openRunner(
      sessionFixture({ path, current: base.current && { ...base.current, node_id: 'n12', title: 'Check 12' } }),
    );
    const trail = await screen.findByRole('navigation', { name: 'Path' });
    expect(
      within(trail)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Show all (9 earlier)', 'Check 10', 'Check 11', 'Check 12']);
    await user.click(within(trail).getByRole('button', { name: 'Show all 12 steps' }));
    expect(within(trail).getAllByRole('listitem')).toHaveLength(13); // 12 steps and "Show fewer"
  });

  it("sends the note on the step with its answer, and edits an earlier step's note", async () => {
    const answered = motor(sessionFixture());
    const { api, user } = openRunner(sessionFixture(), {
      [`POST ${SESSION}/steps`]: () => answered,
      [`PUT ${SESSION}/steps/0/note`]: (call) => ({
        ...answered,
        revision: 3,
        path: [
          { ...step(0, 'n1', 'Does the pump get power?', 'Yes'), note: (call.body as { note: string }).note },
          step(1, 'n2', 'Does the motor hum?'),
        ],
      }),
    });
    await user.click(await screen.findByRole('button', { name: 'Add a note to this step' }));
    await user.type(screen.getByLabelText('Note on this step'), 'Breaker was off.');
    await user.click(screen.getByRole('button', { name: 'Yes' }));
    await screen.findByRole('heading', { name: 'Does the motor hum?' });
    expect(api.callsTo(`POST ${SESSION}/steps`).map((c) => c.body)).toEqual([
      { option_id: 'o1', note: 'Breaker was off.', base_revision: 1 },
    ]);
    // The next step starts without a note.
    expect(screen.getByRole('button', { name: 'Add a note to this step' })).toBeInTheDocument();

    const notes = screen.getByRole('region', { name: 'Step notes' });
    await user.click(within(notes).getByRole('button', { name: 'Add a note to Does the pump get power?' }));
    await user.type(within(notes).getByRole('textbox'), 'Reset at 10:02.');
    await user.click(within(notes).getByRole('button', { name: 'Save note' }));
    expect(await within(notes).findByText('Reset at 10:02.')).toBeInTheDocument();
    expect(api.callsTo(`PUT ${SESSION}/steps/0/note`).map((c) => c.body)).toEqual([{ note: 'Reset at 10:02.' }]);
  });

  it('abandons at any step with a reason, "other" only with a note', async () => {
    const { api, user } = openRunner(sessionFixture(), {
      [`POST ${SESSION}/abandon`]: (call) => ({
        ...sessionFixture(),
        revision: 2,
        status: 'abandoned',
        current: null,
        abandon_reason: (call.body as { reason: string }).reason,
        abandon_note: (call.body as { note: string }).note,
      }),
    });
    await user.click(await screen.findByRole('button', { name: 'End session…' }));
    const form = screen.getByRole('heading', { name: 'End the session' }).closest('form') as HTMLFormElement;
    await user.keyboard('1'); // the dialog has the keys: no answer behind it
    expect(api.callsTo(`POST ${SESSION}/steps`)).toEqual([]);
    await user.click(within(form).getByLabelText(/Abandoned/));
    await user.click(within(form).getByLabelText('Other'));
    await user.click(within(form).getByRole('button', { name: 'Abandon the session' }));
    expect(within(form).getByText('Say why the session stops.')).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/abandon`)).toEqual([]);

    await user.type(within(form).getByLabelText('Note'), 'Customer bought a new pump.');
    await user.click(within(form).getByRole('button', { name: 'Abandon the session' }));
    expect(await screen.findByRole('heading', { name: 'Session abandoned' })).toBeInTheDocument();
    expect(screen.getByText('Reason: Other')).toBeInTheDocument();
    expect(api.callsTo(`POST ${SESSION}/abandon`).map((c) => c.body)).toEqual([
      { reason: 'other', note: 'Customer bought a new pump.', base_revision: 1 },
    ]);
  });

  it('ends as escalated at a middle step only with a note', async () => {
    const { api, user } = openRunner(sessionFixture({ outcome_labels: ['Sent to depot'] }), {
      [`POST ${SESSION}/complete`]: () => ({
        ...sessionFixture(),
        revision: 2,
        status: 'completed',
        outcome: 'escalated',
        outcome_label: 'Sent to depot',
        current: null,
      }),
    });
    await user.click(await screen.findByRole('button', { name: 'End session…' }));
    const form = screen.getByRole('heading', { name: 'End the session' }).closest('form') as HTMLFormElement;
    await user.click(within(form).getByRole('button', { name: 'End as escalated' }));
    expect(within(form).getByText('Add a note: what was done, and who has it now.')).toBeInTheDocument();
    await user.selectOptions(within(form).getByLabelText('Outcome label (optional)'), 'Sent to depot');
    await user.type(within(form).getByLabelText('Note'), 'Tier 2 has it.');
    await user.click(within(form).getByRole('button', { name: 'End as escalated' }));
    expect(await screen.findByText(/Outcome: Escalated/)).toHaveTextContent('Outcome: Escalated · Sent to depot');
    expect(api.callsTo(`POST ${SESSION}/complete`).map((c) => c.body)).toEqual([
      { outcome: 'escalated', resolution_note: 'Tier 2 has it.', outcome_label: 'Sent to depot', base_revision: 1 },
    ]);
  });

  it('shows "not found" for a malformed id without asking the API, and for an unknown one', async () => {
    const api = fakeApi({});
    const malformed = renderPage(<SessionRunnerPage />, { path: '/sessions/:sessionId', url: '/sessions/12' });
    expect(await screen.findByRole('heading', { name: 'Session not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to the session history' })).toHaveAttribute('href', '/sessions');
    expect(api.calls).toEqual([]);
    malformed.unmount();

    renderPage(<SessionRunnerPage />, { path: '/sessions/:sessionId', url: `/sessions/${SESSION_ID}` });
    expect(await screen.findByRole('heading', { name: 'Session not found' })).toBeInTheDocument();
    expect(api.calls).toHaveLength(1);
  });
});
