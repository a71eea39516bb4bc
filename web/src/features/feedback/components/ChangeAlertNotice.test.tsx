import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { fakeApi, renderPage } from '../../../test/app';
import { ChangeAlertNotice } from './ChangeAlertNotice';

const TREE = '33333333-3333-4333-8333-333333333333';
const VERSION = '44444444-4444-4444-8444-444444444444';
const ALERT = {
  tree_id: TREE,
  version_id: VERSION,
  version_number: 3,
  since_version_number: 1,
  changelogs: [
    { number: 3, changelog: 'Cable check added', published_at: '2026-12-03T06:00:00Z' },
    { number: 2, changelog: '', published_at: '2026-12-02T06:00:00Z' },
  ],
  steps_added: [{ node_id: 'q3', title: 'Is the cable damaged?' }],
  steps_removed: [],
  steps_reworded: [{ node_id: 'q1', title: 'Is it switched on?' }],
  answers_changed: [],
};

describe('change alert', () => {
  it('shows the changelogs and the changed steps; dismissing sends the version and hides it', async () => {
    const api = fakeApi({
      [`GET /api/v1/trees/${TREE}/change-alert`]: () => ({ alert: ALERT }),
      [`POST /api/v1/trees/${TREE}/change-alert/dismiss`]: () => new Response(null, { status: 204 }),
    });
    const { user } = renderPage(<ChangeAlertNotice treeId={TREE} />, { path: '/t', url: '/t' });
    const region = await screen.findByRole('region', { name: 'This tree changed since you last ran it' });
    expect(region).toHaveTextContent('You ran version 1; this is version 3.');
    expect(screen.getByRole('list', { name: 'Changelog' })).toHaveTextContent('v3 Cable check addedv2 no changelog');
    expect(region).toHaveTextContent('New stepsIs the cable damaged?');
    expect(region).toHaveTextContent('Reworded stepsIs it switched on?');
    expect(region).not.toHaveTextContent('Removed steps');

    await user.click(screen.getByRole('button', { name: 'Got it, dismiss' }));
    await waitFor(() => expect(screen.queryByRole('region')).not.toBeInTheDocument());
    expect(api.callsTo(`POST /api/v1/trees/${TREE}/change-alert/dismiss`).map((c) => c.body)).toEqual([
      { version_id: VERSION },
    ]);
  });

  it('shows nothing when there is nothing to tell', async () => {
    const api = fakeApi({ [`GET /api/v1/trees/${TREE}/change-alert`]: () => ({ alert: null }) });
    renderPage(<ChangeAlertNotice treeId={TREE} />, { path: '/t', url: '/t' });
    await waitFor(() => expect(api.calls).toHaveLength(1));
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });
});
