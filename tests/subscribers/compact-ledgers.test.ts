// Memory per subscriber: consent wordings stored once by version and digest
// (the export still shows the exact words), the consent ledger's cap, and
// the send ledger's compact entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../../src/content/topics';
import { decodeSendRecord, encodeSendRecord, sendLedgerField } from '../../src/delivery/send-ledger';
import { CONSENT_LEDGER_MAX, consentDigest, decodeLedgerEntry, encodeLedgerEntry, LEDGER_EVENT_CODES, splitLedger, userAgentDigest } from '../../src/subscribers/consent-ledger';
import { F } from '../../src/subscribers/record';
import type { SignupInput } from '../../src/subscribers/store';
import { createTestApp, type TestApp } from '../support/app';

const META = { ip: '198.51.100.9', userAgent: 'vitest-compact' };
const WORDS = 'Yes, send me the sciatica series and the weekly newsletter. I can unsubscribe at any time.';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('compact');
});
afterAll(() => t.close());

const input = (email: string, consentText = WORDS): SignupInput => ({
  email,
  canonical: email,
  firstName: null,
  timeZone: null,
  topics: DEFAULT_TOPICS,
  consentVersion: '2026-11',
  consentText,
  form: 'signup-page',
  meta: META,
});

describe('consent wording stored once', () => {
  it('keeps one copy per version and digest; the ledger and the export show the exact words', async () => {
    const a = await t.core.store.signup(input('words-a@example.com'), 0);
    const b = await t.core.store.signup(input('words-b@example.com'), 0);
    const wordings = await t.core.redis.hgetall(t.core.keys.consentWordings);
    expect(Object.values(wordings).filter((w) => w === WORDS)).toHaveLength(1);
    // The stored entry names the words; it does not repeat them.
    const raw = splitLedger(await t.core.redis.get(t.core.keys.consent(a.subscriber.id)));
    expect(raw[0]).not.toContain(WORDS);
    expect(decodeLedgerEntry(raw[0]!)).toMatchObject({ entry: { consentVersion: '2026-11', consentDigest: consentDigest(WORDS) } });
    for (const s of [a, b]) {
      const exported = await t.core.store.exportData(s.subscriber.id);
      expect(exported!.consentLedger[0]).toMatchObject({ event: 'signup', consentVersion: '2026-11', consentText: WORDS });
    }
  });

  it('a different wording under the same version is stored beside it and never replaces the first', async () => {
    const first = await t.core.store.signup(input('words-c@example.com'), 0);
    const edited = `${WORDS} (edited)`;
    const second = await t.core.store.signup(input('words-d@example.com', edited), 0);
    expect((await t.core.store.ledger(first.subscriber.id))[0]!.consentText).toBe(WORDS);
    expect((await t.core.store.ledger(second.subscriber.id))[0]!.consentText).toBe(edited);
  });
});

describe('consent ledger entries', () => {
  it('store the user agent once, by digest, and read back with the exact string', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 compact';
    const people = [];
    for (const email of ['ua-a@example.com', 'ua-b@example.com']) {
      const s = await t.core.store.signup({ ...input(email), meta: { ip: '198.51.100.10', userAgent: ua } }, 0);
      expect(await t.core.store.confirm(s.subscriber.id, { ip: '198.51.100.11', userAgent: ua }, null)).toBe('ok');
      people.push(s.subscriber.id);
    }
    expect(await t.core.redis.hget(t.core.keys.userAgents, userAgentDigest(ua))).toBe(ua);
    for (const id of people) {
      const raw = splitLedger(await t.core.redis.get(t.core.keys.consent(id)));
      expect(raw).toHaveLength(2);
      for (const r of raw) expect(r).not.toContain('Mozilla');
      // Time in ms (base 36), the event's letter, fields in a fixed order, no names: well under the JSON form.
      expect(raw[1]!.length).toBeLessThan(60);
      const ledger = await t.core.store.ledger(id);
      expect(ledger.map((e) => [e.event, e.ip, e.userAgent])).toEqual([
        ['signup', '198.51.100.10', ua],
        ['confirmed', '198.51.100.11', ua],
      ]);
      expect(ledger[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // The overview's daily figures still count the compact entries.
    const day = new Date().toISOString().slice(0, 10);
    const counts = await t.core.redis.hgetall(t.core.keys.scoped('stats', 'day', day));
    expect(Number(counts.confirmed)).toBeGreaterThanOrEqual(2);
  });

  it('entries written in the full JSON form still read as they were', async () => {
    const s = await t.core.store.signup(input('old-form@example.com'), 0);
    const old = { at: '2025-01-02T03:04:05.678Z', event: 'paused', source: 'preferences-page', ip: '192.0.2.1', userAgent: 'Old/1.0', detail: { until: '2025-02-01T00:00:00.000Z' } };
    await t.core.redis.append(t.core.keys.consent(s.subscriber.id), `${JSON.stringify(old)}\n`);
    const ledger = await t.core.store.ledger(s.subscriber.id);
    expect(ledger.at(-1)).toEqual(old);
  });

  it('survive tabs, line breaks and backslashes in a field, and read back exactly', () => {
    const entry = {
      at: '2026-11-24T09:00:00.123Z',
      event: 'imported' as const,
      source: 'Paper form\tat reception\nsecond line \\ done',
      ip: '2001:db8::1',
      userAgent: 'UA\twith tab',
      consentVersion: '2026-11',
      consentDigest: consentDigest(WORDS),
      consentText: 'Words\nover two lines',
      detail: { topics: ['newsletter'], note: 'a\tb' },
    };
    const { stored, userAgent } = encodeLedgerEntry(entry);
    expect(stored).not.toMatch(/\n/);
    expect(stored.startsWith('{')).toBe(false);
    const back = decodeLedgerEntry(stored);
    expect(back.userAgentDigest).toBe(userAgent!.digest);
    expect(back.entry).toEqual({ ...entry, userAgent: null });
  });

  it('name their events by letters that never change', () => {
    expect(LEDGER_EVENT_CODES).toEqual({
      signup: 's',
      'confirmation-sent': 'm',
      confirmed: 'c',
      unsubscribed: 'u',
      'preferences-changed': 't',
      paused: 'p',
      resumed: 'r',
      bounced: 'b',
      complained: 'k',
      imported: 'i',
    });
  });
});

describe('consent ledger cap', () => {
  it(`keeps the original consent plus the newest entries, ${CONSENT_LEDGER_MAX} in all, and counts what it dropped`, async () => {
    const s = await t.core.store.signup(input('cap@example.com'), 0);
    const id = s.subscriber.id;
    expect(await t.core.store.confirm(id, META, null)).toBe('ok');
    const rounds = CONSENT_LEDGER_MAX; // 2 entries a round: well past the cap
    for (let i = 0; i < rounds; i++) {
      expect(await t.core.store.pause(id, Date.now() + 86_400_000, META)).toBe('ok');
      expect(await t.core.store.resume(id, 'preferences-page', META, null)).toBe('ok');
    }
    const ledger = await t.core.store.ledger(id);
    expect(ledger).toHaveLength(CONSENT_LEDGER_MAX);
    expect(ledger[0]).toMatchObject({ event: 'signup', consentText: WORDS });
    expect(ledger.at(-1)!.event).toBe('resumed');
    const total = 2 + 2 * rounds;
    expect(await t.core.redis.hget(t.core.keys.subscriber(id), F.consentLedgerDropped)).toBe(String(total - CONSENT_LEDGER_MAX));
  });
});

describe('send ledger entries', () => {
  it('encode to a few bytes and decode back; entries in the old JSON form still read', () => {
    const at = Date.UTC(2026, 10, 24, 9, 0, 0);
    const sent = encodeSendRecord(at, 'sent');
    expect(sent.length).toBeLessThanOrEqual(8);
    expect(decodeSendRecord(sent)).toEqual({ at: '2026-11-24T09:00:00.000Z', outcome: 'sent' });
    const failed = encodeSendRecord(at, 'failed', 'Resend rejected this email:\r\nbad address' + 'x'.repeat(500));
    expect(failed.length).toBeLessThan(140);
    expect(decodeSendRecord(failed)).toMatchObject({ outcome: 'failed', failed: expect.stringMatching(/^Resend rejected this email: bad address/) });
    expect(decodeSendRecord('{"at":"2026-11-24T09:00:00.000Z","providerId":"p1"}')).toEqual({ at: '2026-11-24T09:00:00.000Z', providerId: 'p1' });
    expect(sendLedgerField('newsletter', '2026-12-01')).toBe('newsletter/2026-12-01');
  });
});
