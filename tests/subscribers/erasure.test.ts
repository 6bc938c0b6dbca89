// Issue 7 §2: erasure leaves nothing attributable behind (rate-limit counters,
// outbox files), the tombstone means what ARCHITECTURE.md says, and the GDPR
// export holds every field the store keeps.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalAddress } from '../../src/subscribers/address';
import { preferenceLimitKey } from '../../src/subscribers/preference-limits';
import { F } from '../../src/subscribers/record';
import { addressLimitKey } from '../../src/subscribers/signup-limits';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, keysWithPrefix, mailsTo, outboxMails, pathOf } from '../http/helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('erasure');
});
afterAll(() => t.close());

const META = { ip: '192.0.2.44', userAgent: 'vitest' };

async function signUp(email: string, ip: string) {
  const res = await t.app.inject({ method: 'POST', url: '/subscribe', remoteAddress: ip, headers: FORM, payload: form({ email, consent: 'yes', firstName: 'Eve' }) });
  expect(res.statusCode).toBe(303);
  await t.settle(); // the confirmation goes out before the test confirms
  return (await t.core.store.findByCanonical(canonicalAddress(email)))!;
}

describe('erase', () => {
  it('removes the per-IP and per-subscriber counters it can attribute, and the person’s outbox files', async () => {
    const s = await signUp('leftovers@example.com', '198.51.100.21');
    await t.core.service.confirm(s, { ip: '198.51.100.22', userAgent: 'vitest' });
    const prefs = await t.app.inject({
      method: 'POST',
      url: pathOf(t.core.links.preferencesUrl(s.id, s.canonical)),
      remoteAddress: '198.51.100.23',
      headers: FORM,
      payload: form({ action: 'pause', days: '7' }),
    });
    expect(prefs.statusCode).toBe(200);
    await signUp('bystander@example.com', '198.51.100.99');
    expect(await mailsTo(t, 'leftovers@example.com')).toHaveLength(1);
    expect(await mailsTo(t, 'bystander@example.com')).toHaveLength(1);
    const ipKey = (ip: string) => `${t.core.keys.rateLimit}:ip:${ip}`;
    expect(await t.core.redis.exists(ipKey('198.51.100.21'))).toBe(1);
    expect(await t.core.redis.exists(preferenceLimitKey(t.core.keys.rateLimit, s.id))).toBe(1);

    expect(await t.core.service.erase(s)).toBe(true);

    expect(await t.core.redis.exists(ipKey('198.51.100.21'))).toBe(0);
    expect(await t.core.redis.exists(preferenceLimitKey(t.core.keys.rateLimit, s.id))).toBe(0);
    expect(await t.core.redis.exists(addressLimitKey(t.core.keys.rateLimit, s.canonical))).toBe(0);
    const left = await keysWithPrefix(t);
    expect(left.filter((k) => k.includes(s.id) || k.includes('198.51.100.2'))).toEqual([]);
    // Another person's counter and mail stay.
    expect(await t.core.redis.exists(ipKey('198.51.100.99'))).toBe(1);
    expect(await mailsTo(t, 'leftovers@example.com')).toHaveLength(0);
    expect(await mailsTo(t, 'bystander@example.com')).toHaveLength(1);
    for (const file of readdirSync(t.outboxDir)) expect(file).not.toMatch(/\.tmp$/);
    expect((await outboxMails(t)).some((m) => m.raw.includes(s.id))).toBe(false);
  });
});

describe('the tombstone', () => {
  it('lets a fresh double opt-in bring an erased address back, under a new id, and the ledger says so', async () => {
    const first = await signUp('phoenix@example.com', '198.51.100.31');
    await t.core.service.confirm(first, META);
    const oldManage = t.core.links.preferencesUrl(first.id, first.canonical);
    expect(await t.core.service.erase(first)).toBe(true);
    expect(await t.core.store.isErased('phoenix@example.com')).toBe(true);

    const again = await signUp('phoenix@example.com', '198.51.100.32');
    expect(again.id).not.toBe(first.id);
    expect(again.status).toBe('pending');
    const [signup] = await t.core.store.ledger(again.id);
    expect(signup!.detail).toMatchObject({ afterErasure: true });
    // Nothing of the erased record came back, and its old links stay dead.
    expect(again.confirmedAt).toBeNull();
    expect((await t.app.inject({ url: pathOf(oldManage) })).statusCode).toBe(404);
    const [mail] = await mailsTo(t, 'phoenix@example.com');
    expect(mail).toBeDefined();
    // The person confirms: an ordinary subscriber again.
    expect(await t.core.service.confirm(again, META)).toBe('confirmed');
  });

  it('is what imports and other writes without a double opt-in check: only erased addresses carry it', async () => {
    const s = await signUp('Gone.Person@gmail.com', '198.51.100.41');
    expect(await t.core.store.isErased('goneperson@gmail.com')).toBe(false);
    await t.core.service.erase(s);
    // By canonical form: the Gmail spelling variants are the same person.
    expect(await t.core.store.isErased('goneperson@gmail.com')).toBe(true);
    expect(await t.core.store.isErased('someone.else@gmail.com')).toBe(false);
    const fresh = await signUp('never-erased@example.com', '198.51.100.42');
    expect((await t.core.store.ledger(fresh.id))[0]!.detail).not.toHaveProperty('afterErasure');
  });
});

describe('GDPR export', () => {
  it('holds every field of the stored record, the due time and the counters, not just the typed view', async () => {
    const s = await signUp('export-all@example.com', '198.51.100.51');
    await t.core.service.confirm(s, META);
    // Fields the drip engine writes (complete.lua, claim.lua), under their stored names, and one no code knows yet.
    await t.core.redis.hset(t.core.keys.subscriber(s.id), F.sequenceCompletedAt, '1764061200000', F.lastError, 'provider said no', F.batch, '42', 'zz', 'added later');
    const data = JSON.parse(JSON.stringify(await t.core.store.exportData(s.id)));
    expect(data.record).toMatchObject({ sequenceCompletedAt: '1764061200000', lastError: 'provider said no', batch: '42', email: 'export-all@example.com', zz: 'added later' });
    // Every stored field is there, under its readable name.
    const held = await t.core.redis.hgetall(t.core.keys.subscriber(s.id));
    expect(Object.keys(data.record)).toHaveLength(Object.keys(held).length);
    expect(data.nextDripDueAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data.rateLimits.signupAttempts).toBe(1);
    expect(data.consentLedger.map((e: { event: string }) => e.event)).toContain('confirmed');
  });
});
