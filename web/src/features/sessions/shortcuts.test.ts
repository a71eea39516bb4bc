import { describe, expect, it } from 'vitest';

import { fromFormValues, toFormValues } from './components/VariableInput';
import { dayBound, newerSession } from './hooks';
import { isBackKey, optionIndexForKey } from './shortcuts';

describe('runner number keys', () => {
  it('maps 1-9 to the options shown', () => {
    expect(optionIndexForKey({ key: '1' }, 3)).toBe(0);
    expect(optionIndexForKey({ key: '3' }, 3)).toBe(2);
    expect(optionIndexForKey({ key: '4' }, 3)).toBeNull(); // no fourth option
    expect(optionIndexForKey({ key: '9' }, 12)).toBe(8);
    expect(optionIndexForKey({ key: '0' }, 12)).toBeNull();
    expect(optionIndexForKey({ key: 'a' }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '1' }, 0)).toBeNull();
  });

  it('ignores modified and repeated keys (Ctrl+1 switches tabs; a held key answers once)', () => {
    expect(optionIndexForKey({ key: '1', ctrlKey: true }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '1', metaKey: true }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '1', altKey: true }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '1', repeat: true }, 3)).toBeNull();
  });

  it('leaves the digits to fields being typed in', () => {
    expect(optionIndexForKey({ key: '2', target: { tagName: 'TEXTAREA' } }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '2', target: { tagName: 'INPUT', type: 'number' } }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '2', target: { tagName: 'INPUT' } }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '2', target: { tagName: 'SELECT' } }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '2', target: { tagName: 'DIV', isContentEditable: true } }, 3)).toBeNull();
    expect(optionIndexForKey({ key: '2', target: { tagName: 'BUTTON' } }, 3)).toBe(1);
    expect(optionIndexForKey({ key: '2', target: { tagName: 'INPUT', type: 'checkbox' } }, 3)).toBe(1);
  });
});

describe('intake values', () => {
  const defs = [
    { name: 'serial', label: 'Serial', type: 'text' as const },
    { name: 'psi', label: 'Pressure', type: 'number' as const },
    { name: 'ok', label: 'OK', type: 'boolean' as const },
  ];

  it('round-trips typed values through the form strings', () => {
    const form = toFormValues(defs, { serial: 'A1', psi: 3.5, ok: false });
    expect(form).toEqual({ serial: 'A1', psi: '3.5', ok: 'false' });
    expect(fromFormValues(defs, form)).toEqual({ serial: 'A1', psi: 3.5, ok: false });
  });

  it('sends only what changed, and null for a cleared value', () => {
    const before = { serial: 'A1', psi: 3 };
    expect(fromFormValues(defs, { serial: 'A1', psi: '', ok: 'true' }, before)).toEqual({ psi: null, ok: true });
  });
});

describe('runner back key', () => {
  it('is Backspace outside a field, without modifiers', () => {
    expect(isBackKey({ key: 'Backspace' })).toBe(true);
    expect(isBackKey({ key: 'Backspace', target: { tagName: 'BUTTON' } })).toBe(true);
    expect(isBackKey({ key: 'Backspace', target: { tagName: 'TEXTAREA' } })).toBe(false);
    expect(isBackKey({ key: 'Backspace', target: { tagName: 'INPUT' } })).toBe(false);
    expect(isBackKey({ key: 'Backspace', altKey: true })).toBe(false);
    expect(isBackKey({ key: 'Backspace', repeat: true })).toBe(false);
    expect(isBackKey({ key: 'Delete' })).toBe(false);
  });
});

describe('history dates and session answers', () => {
  it('turns a day into local start and end instants', () => {
    const from = new Date(dayBound('2026-03-05', false) ?? '');
    const to = new Date(dayBound('2026-03-05', true) ?? '');
    expect([from.getFullYear(), from.getMonth(), from.getDate(), from.getHours()]).toEqual([2026, 2, 5, 0]);
    expect([to.getDate(), to.getHours(), to.getMinutes()]).toEqual([5, 23, 59]);
    expect(dayBound('', false)).toBeNull();
  });

  it('keeps the session with the higher revision when an older read arrives late', () => {
    const newer = { id: 's', revision: 3 };
    const older = { id: 's', revision: 2 };
    expect(newerSession(newer, older)).toBe(newer);
    expect(newerSession(older, newer)).toBe(newer);
    expect(newerSession(undefined, older)).toBe(older);
  });
});

describe('plain text of escaped titles', () => {
  it('removes the Markdown escapes the API adds to interpolated values', async () => {
    const { plainText } = await import('./text');
    expect(plainText('Refill boiler \\<b\\>SN\\-42\\<\\/b\\>')).toBe('Refill boiler <b>SN-42</b>');
    expect(plainText('a \\\\ b \\* c')).toBe('a \\ b * c');
    expect(plainText('no escapes: C:\\temp')).toBe('no escapes: C:\\temp');
  });
});
