import { describe, expect, it } from 'vitest';

import { linkToken } from './linkToken';

describe('emailed link token', () => {
  it('is read from the fragment', () => {
    expect(linkToken({ hash: '#token=abc-123_x', search: '' })).toBe('abc-123_x');
  });

  it('falls back to the query of older links', () => {
    expect(linkToken({ hash: '', search: '?token=old' })).toBe('old');
  });

  it('prefers the fragment, and is empty when neither has one', () => {
    expect(linkToken({ hash: '#token=new', search: '?token=old' })).toBe('new');
    expect(linkToken({ hash: '#other=1', search: '' })).toBe('');
    expect(linkToken({ hash: '', search: '' })).toBe('');
  });
});
