import { describe, expect, it } from 'vitest';

import { ApiError, describeError, NETWORK_MESSAGE } from './errors';

describe('API errors for forms', () => {
  it('puts a single error next to its field', () => {
    const error = new ApiError(409, {
      detail: { code: 'email_taken', message: 'That email is already registered.', field: 'email' },
    });
    expect(error.code).toBe('email_taken');
    expect(describeError(error, ['email', 'password'])).toEqual({
      general: [],
      fields: { email: 'That email is already registered.' },
    });
  });

  it('spreads a validation list over the fields, and shows unknown fields at the top', () => {
    const error = new ApiError(422, {
      detail: [
        { code: 'string_too_short', message: 'Too short.', field: 'password' },
        { code: 'value_error', message: 'Not an email.', field: 'email' },
        { code: 'field_not_allowed', message: 'Extra inputs are not permitted', field: 'role' },
      ],
    });
    expect(describeError(error, ['email', 'password'])).toEqual({
      general: ['Extra inputs are not permitted'],
      fields: { password: 'Too short.', email: 'Not an email.' },
    });
  });

  it('says something useful for bodies that are not the API shape', () => {
    expect(describeError(new ApiError(502, '<html>Bad gateway</html>')).general[0]).toMatch(/our side/);
    expect(describeError(new ApiError(429, null)).general[0]).toMatch(/Too many attempts/);
  });

  it('explains a failed fetch as a connection problem', () => {
    expect(describeError(new TypeError('Failed to fetch')).general).toEqual([NETWORK_MESSAGE]);
  });

  it('shows nothing when there is no error', () => {
    expect(describeError(null)).toEqual({ general: [], fields: {} });
  });
});
