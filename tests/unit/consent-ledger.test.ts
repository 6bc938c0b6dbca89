import { describe, expect, it } from 'vitest';
import { LEDGER_EVENTS, ledgerEntry, parseLedger } from '../../src/subscribers/consent-ledger';

const AT = Date.UTC(2026, 10, 25, 9, 30, 0);

describe('ledgerEntry', () => {
  it('records a signup with the consent wording, form, ip and user agent', () => {
    const e = ledgerEntry('signup', AT, 'signup-page', { ip: '203.0.113.9', userAgent: 'Firefox' }, {
      consentVersion: '2026-11',
      consentText: 'Yes, I would like…',
      detail: { topics: ['newsletter'] },
    });
    expect(e).toEqual({
      at: '2026-11-25T09:30:00.000Z',
      event: 'signup',
      source: 'signup-page',
      ip: '203.0.113.9',
      userAgent: 'Firefox',
      consentVersion: '2026-11',
      consentText: 'Yes, I would like…',
      detail: { topics: ['newsletter'] },
    });
  });

  it('keeps nulls, adds nothing unasked and caps the user agent at 512 characters', () => {
    const e = ledgerEntry('unsubscribed', AT, 'one-click', { ip: null, userAgent: null });
    expect(e).toEqual({ at: '2026-11-25T09:30:00.000Z', event: 'unsubscribed', source: 'one-click', ip: null, userAgent: null });
    expect(Object.keys(e)).not.toContain('consentText');
    const long = ledgerEntry('confirmed', AT, 'confirm-page', { ip: '::1', userAgent: 'x'.repeat(2000) });
    expect(long.userAgent).toHaveLength(512);
  });

  it('covers every lifecycle event and round-trips through JSON', () => {
    for (const ev of ['signup', 'confirmation-sent', 'confirmed', 'unsubscribed', 'preferences-changed', 'paused', 'resumed'] as const) {
      expect(LEDGER_EVENTS).toContain(ev);
    }
    const entries = LEDGER_EVENTS.map((ev, i) => ledgerEntry(ev, AT + i, 'test', { ip: '127.0.0.1', userAgent: 'ua' }));
    expect(parseLedger(entries.map((e) => JSON.stringify(e)))).toEqual(entries);
  });
});
