import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, renderPage } from '../../../test/app';
import { SESSION_ID, sessionFixture } from '../../../test/sessions';
import { StartScreenPage } from './StartScreenPage';

const TREE_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const START = `/api/v1/trees/${TREE_ID}/start`;

const screenOf = (variables: unknown[] = []) => ({
  tree_id: TREE_ID,
  title: 'Pump will not start',
  description: 'For the P-100 range.',
  version_id: 'v1',
  version_number: 3,
  variables,
  start: {
    node_id: 'n1',
    kind: 'question',
    title: 'Does pump \\[serial\\] get power?',
    body: '',
    options: [
      { id: 'o1', label: 'Yes' },
      { id: 'o2', label: 'No' },
    ],
  },
});

function openStart(routes: Parameters<typeof fakeApi>[0], url = `/trees/${TREE_ID}/start`) {
  const api = fakeApi(routes);
  const page = renderPage(<StartScreenPage />, { path: '/trees/:treeId/start', url });
  return { api, ...page };
}

describe('start screen', () => {
  it('shows the tree and its first question, and creates the session only with the first answer', async () => {
    const { api, user, router } = openStart({
      [`GET ${START}`]: () => screenOf(),
      'POST /api/v1/sessions': () => sessionFixture({ revision: 2 }),
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Pump will not start' })).toBeInTheDocument();
    expect(screen.getByText('For the P-100 range.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Does pump [serial] get power?' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Start the session' })).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c.method !== 'GET')).toEqual([]); // opening it creates nothing

    await user.keyboard('2');

    expect(await screen.findByText('Somewhere else')).toBeInTheDocument(); // the runner
    expect(router.state.location.pathname).toBe(`/sessions/${SESSION_ID}`);
    // One request: the session with its first answer.
    expect(api.callsTo('POST /api/v1/sessions').map((c) => c.body)).toEqual([
      { tree_id: TREE_ID, variables: {}, answer: { option_id: 'o2' } },
    ]);
  });

  it('asks the values needed to start with the answer, flagged only once the user tried', async () => {
    const { api, user } = openStart({
      [`GET ${START}`]: () =>
        screenOf([{ name: 'serial', label: 'Serial number', type: 'text', required: 'at_start' }]),
      'POST /api/v1/sessions': () =>
        new Response(
          JSON.stringify({
            detail: [
              { code: 'variable_required', message: 'Serial number is needed to start.', field: 'variables.serial' },
            ],
          }),
          { status: 422, headers: { 'Content-Type': 'application/json' } },
        ),
    });
    const serial = await screen.findByLabelText(/Serial number/);
    expect(serial).not.toHaveAttribute('aria-invalid');
    await user.click(screen.getByRole('button', { name: 'Yes' }));
    expect(await screen.findByText('Serial number is needed to start.')).toBeInTheDocument();
    expect(serial).toHaveAttribute('aria-invalid', 'true');
    expect(api.callsTo('POST /api/v1/sessions')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Start the session' })).toBeInTheDocument();
  });

  it('says "not found" for a malformed id without asking, and for an unknown tree', async () => {
    const malformed = openStart({}, '/trees/42/start');
    expect(await screen.findByRole('heading', { name: 'Tree not found' })).toBeInTheDocument();
    expect(malformed.api.calls).toEqual([]);
    malformed.unmount();

    openStart({});
    expect(await screen.findByRole('heading', { name: 'Tree not found' })).toBeInTheDocument();
  });
});
