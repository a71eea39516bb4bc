import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../../lib/api/errors';
import type { Variable } from '../hooks';
import { IntakeForm, StartButton } from './IntakeForm';

const DEFINITIONS: Variable[] = [
  { name: 'serial', label: 'Serial number', type: 'text', required: 'at_start', help: 'On the motor plate.' },
  { name: 'indoor', label: 'Indoors', type: 'boolean', required: 'optional' },
  { name: 'model', label: 'Model', type: 'choice', choices: ['P-100', 'P-200'], required: 'before_complete' },
];

describe('intake form', () => {
  it('has a labelled field per variable, typed, with when it is needed and its help', () => {
    render(
      <IntakeForm
        definitions={DEFINITIONS}
        initial={{ indoor: true }}
        missing={new Set()}
        error={null}
        onSubmit={() => undefined}
      >
        <StartButton busy={false} />
      </IntakeForm>,
    );
    expect(screen.getByLabelText(/Serial number/)).toHaveAccessibleDescription('On the motor plate.');
    expect(screen.getByLabelText('Serial number (needed to start)')).toHaveAttribute('type', 'text');
    expect(screen.getByLabelText('Indoors (optional)')).toHaveValue('true');
    expect(screen.getByRole('combobox', { name: 'Model (needed before completing)' })).toHaveValue('');
  });

  it('flags a missing value once the user tried to start, until something is typed; submits with Enter', async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(
      <IntakeForm
        definitions={DEFINITIONS}
        missing={new Set(['serial'])}
        flagUntilTyped
        error={null}
        onSubmit={onSubmit}
      >
        <StartButton busy={false} />
      </IntakeForm>,
    );
    const serial = screen.getByLabelText(/Serial number/);
    // Nothing is "missing" before the user tried to go on.
    expect(serial).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByText('Missing')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Start the session' }));
    expect(serial).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Missing')).toBeInTheDocument();
    expect(onSubmit).toHaveBeenCalledTimes(1); // the API says what is missing

    await user.type(serial, 'SN-1');
    expect(serial).not.toHaveAttribute('aria-invalid');
    await user.selectOptions(screen.getByLabelText(/Model/), 'P-200');
    await user.type(serial, '{Enter}');

    expect(onSubmit).toHaveBeenLastCalledWith({ serial: 'SN-1', indoor: '', model: 'P-200' }, null);
  });

  it('shows the API errors next to their fields and the rest on top', () => {
    const error = new ApiError(422, {
      detail: [
        { field: 'variables.serial', code: 'required', message: 'Serial number is needed to start.' },
        { code: 'plan_limit', message: 'Your plan allows no more sessions this month.' },
      ],
    });
    render(
      <IntakeForm definitions={DEFINITIONS} missing={new Set()} error={error} onSubmit={() => undefined}>
        <StartButton busy />
      </IntakeForm>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('Your plan allows no more sessions this month.');
    expect(screen.getByLabelText(/Serial number/)).toHaveAccessibleDescription(/Serial number is needed to start\./);
    expect(screen.getByRole('button', { name: 'Starting…' })).toHaveAttribute('aria-disabled', 'true');
  });
});
