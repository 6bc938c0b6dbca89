// The subscriber store on the suite's Redis: canonical duplicates, statuses,
// the append-only consent ledger, GDPR export/erase and key prefixes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../../src/content/topics';
import { reindexDirectory } from '../../src/subscribers/reindex';
import { addressLimitKey } from '../../src/subscribers/signup-limits';
import { F, SEND_FIELD_PREFIX } from '../../src/subscribers/record';
import { toSubscriber, type SignupInput } from '../../src/subscribers/store';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, keysWithPrefix } from '../http/helpers';

const META = { ip: '198.51.100.7', userAgent: 'vitest-store' };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('store');
});
afterAll(() => t.close());

const input = (email: string, over: Partial<SignupInput> = {}): SignupInput => ({
  email,
  canonical: email.trim().toLowerCase(),
  firstName: 'Pat',
  timeZone: 'Europe/Berlin',
  topics: DEFAULT_TOPICS,
  consentVersion: '2026-11',
  consentText: 'I agree',
  form: 'signup-page',
  meta: META,
  ...over,
});

describe('signup through the service', () => {
  it('stores one pending subscriber per canonical address (Gmail dots, +tags, case)', async () => {
    const variants = ['Pat.Doe+news@Gmail.com', ' patdoe@googlemail.com ', 'PATDOE+x@gmail.com'];
    for (const email of variants) {
      const r = await t.core.service.signup({ email, consent: 'yes', firstName: 'Pat', timeZone: 'Europe/Paris' }, META, 'signup-page');
      expect(r.ok).toBe(true);
    }
    const s = await t.core.store.findByCanonical('patdoe@gmail.com');
    expect(s).not.toBeNull();
    expect(s!.email).toBe('Pat.Doe+news@Gmail.com'); // the first, as typed (later ones were throttled)
    expect(s!.status).toBe('pending');
    expect(s!.timeZone).toBe('Europe/Paris');
    const index = await t.core.redis.hgetall(t.core.keys.canonicalIndex);
    expect(Object.keys(index).filter((k) => k.includes('patdoe'))).toEqual(['patdoe@gmail.com']);
  });

  it('stores an invalid time zone as null', async () => {
    await t.core.service.signup({ email: 'tz@example.com', consent: 'yes', timeZone: '+02:00' }, META, 'signup-page');
    expect((await t.core.store.findByCanonical('tz@example.com'))!.timeZone).toBeNull();
    await t.core.service.signup({ email: 'tz2@example.com', consent: 'yes', timeZone: 'Not/AZone' }, META, 'signup-page');
    expect((await t.core.store.findByCanonical('tz2@example.com'))!.timeZone).toBeNull();
  });
});

describe('reading records', () => {
  it('get and getMany read every field toSubscriber knows, and not the send ledger beside them', async () => {
    const { store, redis, keys } = t.core;
    expect((await t.core.service.signup({ email: 'view@example.com', consent: 'yes', firstName: 'Vi' }, META, 'signup-page')).ok).toBe(true);
    const s = (await store.findByCanonical('view@example.com'))!;
    // Every field of the record set, so a field toSubscriber reads but the narrow read leaves out shows up as a difference.
    const everyField = Object.fromEntries(Object.values(F).map((name, i) => [name, String(1_700_000_000_000 + i)]));
    await redis.hset(keys.subscriber(s.id), { ...everyField, [F.status]: 'paused', [F.topics]: DEFAULT_TOPICS.join(','), [F.email]: 'view@example.com' });
    await redis.hset(keys.subscriber(s.id), `${SEND_FIELD_PREFIX}1`, 'sx', `${SEND_FIELD_PREFIX}2`, 'sy');
    const full = toSubscriber(await redis.hgetall(keys.subscriber(s.id)), s.id);
    expect(await store.get(s.id)).toEqual(full);
    expect(await store.getMany([s.id, 'no-such-id'])).toEqual([full, null]);
    expect(await store.get('no-such-id')).toBeNull();
  });
});

describe('lifecycle and consent ledger', () => {
  it('records every step, append-only, with the consent wording on signup', async () => {
    const { service, store } = t.core;
    expect((await service.signup({ email: 'life@example.com', consent: 'on', firstName: 'Lee', form: 'signup-page' }, META, 'embed')).ok).toBe(true);
    const s = (await store.findByCanonical('life@example.com'))!;
    expect(s.status).toBe('pending');
    expect(s.confirmationSentAt).toBeTypeOf('number');
    await t.settle(); // the confirmation job runs and records confirmation-sent

    expect(await service.confirm(s, META)).toBe('confirmed');
    let now = (await store.get(s.id))!;
    expect(now.status).toBe('active');
    expect(now.confirmedAt).toBeTypeOf('number');
    expect(await service.confirm(now, META)).toBe('already');

    const saved = await service.savePreferences(now, ['newsletter'], META);
    expect(saved).toEqual({ topics: ['newsletter'] });
    now = (await store.get(s.id))!;
    expect(now.topics).toEqual(['newsletter']);

    const paused = await service.pause(now, '14', META);
    expect('until' in paused).toBe(true);
    now = (await store.get(s.id))!;
    expect(now.status).toBe('paused');
    expect(now.pausedUntil).toBe('until' in paused ? paused.until : -1);

    await service.resume(now, META);
    now = (await store.get(s.id))!;
    expect(now.status).toBe('active');
    expect(now.pausedUntil).toBeNull();

    expect(await service.unsubscribe(now, 'one-click', META)).toBe('unsubscribed');
    expect(await service.unsubscribe(now, 'one-click', META)).toBe('already');
    expect((await store.get(s.id))!.status).toBe('unsubscribed');

    const ledger = await store.ledger(s.id);
    expect(ledger.map((e) => e.event)).toEqual(['signup', 'confirmation-sent', 'confirmed', 'preferences-changed', 'paused', 'resumed', 'unsubscribed']);
    const [signup] = ledger;
    expect(signup).toMatchObject({
      event: 'signup',
      source: 'signup-page',
      ip: META.ip,
      userAgent: META.userAgent,
      consentVersion: '2026-11',
      consentText: t.core.service.consent().text,
    });
    expect(signup!.consentText).toContain(t.config.clinic.name);
    expect(ledger.find((e) => e.event === 'unsubscribed')!.source).toBe('one-click');
    expect(ledger.find((e) => e.event === 'preferences-changed')!.detail).toEqual({ topics: ['newsletter'] });
    for (const e of ledger) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  });

  it('answers pending, confirmed and suppressed addresses without changing them', async () => {
    const { store } = t.core;
    const first = await store.signup(input('dup@example.com'), 60_000);
    expect(first.outcome).toBe('send-confirmation');
    expect((await store.signup(input('dup@example.com', { firstName: 'Other' }), 60_000)).outcome).toBe('throttled');
    expect((await store.get(first.subscriber.id))!.firstName).toBe('Pat');
    expect((await store.signup(input('dup@example.com'), 0)).outcome).toBe('send-confirmation');
    await store.confirm(first.subscriber.id, META, null);
    const again = await store.signup(input('dup@example.com', { firstName: 'Mallory' }), 0);
    expect(again.outcome).toBe('no-change');
    expect(again.subscriber.firstName).toBe('Pat');
    expect((await store.ledger(first.subscriber.id)).filter((e) => e.event === 'signup')).toHaveLength(2);
    await store.suppress(first.subscriber.id, 'bounced', { type: 'hard' });
    expect((await store.signup(input('dup@example.com'), 0)).outcome).toBe('no-change');
    expect((await store.get(first.subscriber.id))!.status).toBe('bounced');
  });

  it('lets an unsubscribed person sign up again (double opt-in from scratch)', async () => {
    const { store } = t.core;
    const a = await store.signup(input('back@example.com'), 0);
    await store.confirm(a.subscriber.id, META, { sequence: 'sciatica-series', step: 'welcome', dueAt: Date.now() });
    await store.unsubscribe(a.subscriber.id, 'one-click', META);
    const b = await store.signup(input('back@example.com'), 60_000);
    expect(b.outcome).toBe('send-confirmation');
    expect(b.subscriber.id).toBe(a.subscriber.id);
    expect(b.subscriber.status).toBe('pending');
    expect(b.subscriber.sequence).toBeNull();
  });

  it('keeps concurrent signups of one address to one subscriber (atomic index)', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => t.core.store.signup(input('race@example.com'), 60_000)));
    const ids = new Set(results.map((r) => r.subscriber.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.outcome === 'send-confirmation')).toHaveLength(1);
    expect(await t.core.store.ledger([...ids][0]!)).toHaveLength(1);
  });

  it('refuses transitions that do not apply (no ledger entry written)', async () => {
    const { store } = t.core;
    const a = await store.signup(input('rules@example.com'), 0);
    expect(await store.pause(a.subscriber.id, Date.now() + 1000, META)).toBe('skip');
    expect(await store.resume(a.subscriber.id, 'x', META, null)).toBe('skip');
    expect(await store.confirm('no-such-id', META, null)).toBe('missing');
    expect((await store.ledger(a.subscriber.id)).map((e) => e.event)).toEqual(['signup']);
  });
});

describe('GDPR', () => {
  it('exports everything held about a person as JSON', async () => {
    const { store } = t.core;
    const a = await store.signup(input('export@example.com'), 0);
    await store.confirmationSent(a.subscriber.id, true);
    // A send-ledger entry as older code wrote it (JSON, in the ledger's own hash), moved into the record by the upgrade.
    await t.core.redis.hset(t.core.keys.legacySends(a.subscriber.id), 'sciatica-series/welcome', JSON.stringify({ at: '2026-11-25T09:00:00.000Z', providerId: 'p1' }));
    await reindexDirectory(t.core.redis, t.core.keys);
    const data = await store.exportData(a.subscriber.id);
    expect(data).not.toBeNull();
    const json = JSON.parse(JSON.stringify(data));
    expect(json.subscriber).toMatchObject({ id: a.subscriber.id, email: 'export@example.com', status: 'pending', firstName: 'Pat' });
    expect(json.consentLedger.map((e: { event: string }) => e.event)).toEqual(['signup', 'confirmation-sent']);
    expect(json.sends).toEqual([{ step: 'sciatica-series/welcome', at: '2026-11-25T09:00:00.000Z', providerId: 'p1' }]);
    expect(await store.exportData('nobody')).toBeNull();
  });

  it('erases every key of the person and keeps only a tombstone', async () => {
    // Through HTTP, so the rate limiter writes its keys too.
    const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'Erase.Me@example.com', consent: 'yes', firstName: 'Eve' }) });
    expect(res.statusCode).toBe(303);
    const s = (await t.core.store.findByCanonical('erase.me@example.com'))!;
    await t.core.store.confirm(s.id, META, { sequence: 'sciatica-series', step: 'welcome', dueAt: Date.now() });
    // A send ledger in its own hash, as records from before the compact layout kept it: erased too.
    await t.core.redis.hset(t.core.keys.legacySends(s.id), 'sciatica-series/welcome', JSON.stringify({ at: 'x' }));
    const mentions = async () =>
      (await keysWithPrefix(t)).filter((k) => k.includes(s.id) || k.toLowerCase().includes('erase.me'));
    expect((await mentions()).length).toBeGreaterThanOrEqual(3);
    const limiterKey = addressLimitKey(t.core.keys.rateLimit, 'erase.me@example.com');
    expect(await t.core.redis.exists(limiterKey)).toBe(1);
    expect(await t.core.redis.zscore(t.core.keys.due, s.id)).not.toBeNull();

    expect(await t.core.store.isErased('erase.me@example.com')).toBe(false);
    expect(await t.core.store.erase(s.id)).toBe(true);
    expect(await mentions()).toEqual([]);
    expect(await t.core.redis.exists(limiterKey)).toBe(0);
    expect(await t.core.redis.hget(t.core.keys.canonicalIndex, 'erase.me@example.com')).toBeNull();
    expect(await t.core.redis.zscore(t.core.keys.due, s.id)).toBeNull();
    expect(await t.core.store.get(s.id)).toBeNull();
    expect(await t.core.store.isErased('erase.me@example.com')).toBe(true);
    expect(await t.core.store.isErased('other@example.com')).toBe(false);
    // The tombstone is a keyed digest, not the address.
    const tombs = await t.core.redis.smembers(t.core.keys.tombstones);
    expect(tombs.some((d) => d.includes('erase'))).toBe(false);
    expect(await t.core.store.erase(s.id)).toBe(false);
  });

  it('writes only keys under the configured prefix', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'prefix@example.com', consent: 'yes' }) });
    expect(res.statusCode).toBe(303);
    const s = (await t.core.store.findByCanonical('prefix@example.com'))!;
    await t.core.service.confirm(s, META);
    const everything: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await t.core.redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      everything.push(...batch);
    } while (cursor !== '0');
    const mine = everything.filter((k) => k.includes(s.id) || k.includes('prefix@example.com'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const k of mine) expect(k.startsWith(`${t.config.redisPrefix}:`), k).toBe(true);
    for (const k of await keysWithPrefix(t)) expect(k.startsWith(`${t.config.redisPrefix}:`)).toBe(true);
  });
});
