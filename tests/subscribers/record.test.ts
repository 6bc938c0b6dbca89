// The subscriber record's compact layout (src/subscribers/record.ts): the
// stored field names are pinned (records hold them), Lua and TypeScript share
// one table, send-ledger names are numbered once in a shared dictionary, and
// a record written before this layout is rewritten by the reindex/startup path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../../src/content/topics';
import { encodeSendRecord } from '../../src/delivery/send-ledger';
import { F, RECORD_LUA, SUBSCRIBER_FIELDS, withRecord } from '../../src/subscribers/record';
import { ensureDirectoryIndexes, reindexDirectory } from '../../src/subscribers/reindex';
import { createTestApp, type TestApp } from '../support/app';

const META = { ip: '198.51.100.77', userAgent: 'vitest-record' };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('record', {}, { sender: false });
});
afterAll(() => t.close());

describe('stored field names', () => {
  it('are pinned: a stored name never changes once records hold it', () => {
    expect(SUBSCRIBER_FIELDS).toEqual({
      status: 's',
      email: 'e',
      canonical: 'k',
      firstName: 'n',
      timeZone: 'z',
      topics: 't',
      consentVersion: 'v',
      createdAt: 'c',
      updatedAt: 'u',
      confirmationSentAt: 'cs',
      confirmedAt: 'cf',
      unsubscribedAt: 'us',
      pausedUntil: 'pu',
      sequence: 'sq',
      step: 'st',
      batch: 'b',
      lastSentAt: 'ls',
      sequenceCompletedAt: 'sc',
      lastError: 'le',
      consentLedgerDropped: 'cd',
    });
    const stored = Object.values(SUBSCRIBER_FIELDS);
    expect(new Set(stored).size).toBe(stored.length);
  });

  it('are the same table in Lua as in TypeScript', async () => {
    const lua = JSON.parse(String(await t.core.redis.eval(withRecord('return cjson.encode(F)'), 0))) as unknown;
    expect(lua).toEqual(SUBSCRIBER_FIELDS);
  });

  it('every F.name a script uses exists', () => {
    const dirs = ['src/subscribers/scripts', 'src/drip/scripts', 'src/newsletters/scripts', 'src/delivery/scripts'];
    const used = new Set<string>();
    for (const dir of dirs) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
        for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\bF\.(\w+)/g)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !(name in SUBSCRIBER_FIELDS))).toEqual([]);
    expect(RECORD_LUA).toContain(`status = 's'`);
  });

  it('are what a signup and a confirmation store', async () => {
    const s = await t.core.store.signup(
      { email: 'Layout@Example.com', canonical: 'layout@example.com', firstName: 'Lee', timeZone: 'Europe/Paris', topics: DEFAULT_TOPICS, consentVersion: '2026-11', consentText: 'Words.', form: 'signup-page', meta: META },
      0,
    );
    expect(await t.core.store.confirm(s.subscriber.id, META, { sequence: 'sciatica-series', step: 'welcome', dueAt: Date.now() })).toBe('ok');
    const hash = await t.core.redis.hgetall(t.core.keys.subscriber(s.subscriber.id));
    expect(Object.keys(hash).sort()).toEqual([F.status, F.email, F.canonical, F.firstName, F.timeZone, F.topics, F.consentVersion, F.createdAt, F.updatedAt, F.confirmationSentAt, F.confirmedAt, F.sequence, F.step].sort());
    expect(hash[F.canonical]).toBe('layout@example.com');
    expect(await t.core.redis.type(t.core.keys.consent(s.subscriber.id))).toBe('string');
  });
});

describe('the send ledger in the record', () => {
  it('numbers each ledger name once, shared by every reader, and reads back by name', async () => {
    const ids: string[] = [];
    for (const email of ['nums-a@example.com', 'nums-b@example.com']) {
      const s = await t.core.store.signup({ email, canonical: email, firstName: null, timeZone: null, topics: DEFAULT_TOPICS, consentVersion: '2026-11', consentText: 'Words.', form: 'api', meta: META }, 0);
      ids.push(s.subscriber.id);
    }
    const put = withRecord(`
      for i = 3, #ARGV, 2 do ledger_put(ARGV[1], ARGV[2], ARGV[i], ARGV[i + 1]) end
      return 1`);
    const has = withRecord('return ledger_has(ARGV[1], ARGV[2], ARGV[3]) and 1 or 0');
    const at = Date.UTC(2026, 10, 24, 9);
    await t.core.redis.eval(put, 1, t.core.keys.sendNames, t.core.keys.prefix, ids[0]!, 'sciatica-series/welcome', encodeSendRecord(at, 'sent'), 'newsletter/2026-12-a', encodeSendRecord(at, 'sent'));
    await t.core.redis.eval(put, 1, t.core.keys.sendNames, t.core.keys.prefix, ids[1]!, 'newsletter/2026-12-a', encodeSendRecord(at, 'failed', 'no'));
    const names = await t.core.redis.hgetall(t.core.keys.sendNames);
    expect(names).toMatchObject({ '#': '2', 'sciatica-series/welcome': '1', '#1': 'sciatica-series/welcome', 'newsletter/2026-12-a': '2', '#2': 'newsletter/2026-12-a' });
    const first = await t.core.redis.hgetall(t.core.keys.subscriber(ids[0]!));
    expect(first).toMatchObject({ '/1': encodeSendRecord(at, 'sent'), '/2': encodeSendRecord(at, 'sent') });
    expect(await t.core.store.sendLedger(ids[0]!)).toEqual({ 'sciatica-series/welcome': encodeSendRecord(at, 'sent'), 'newsletter/2026-12-a': encodeSendRecord(at, 'sent') });
    expect(await t.core.store.sendLedger(ids[1]!)).toEqual({ 'newsletter/2026-12-a': encodeSendRecord(at, 'failed', 'no') });
    expect(await t.core.redis.eval(has, 1, t.core.keys.sendNames, t.core.keys.prefix, ids[1]!, 'newsletter/2026-12-a')).toBe(1);
    expect(await t.core.redis.eval(has, 1, t.core.keys.sendNames, t.core.keys.prefix, ids[1]!, 'sciatica-series/welcome')).toBe(0);
    expect(await t.core.redis.eval(has, 1, t.core.keys.sendNames, t.core.keys.prefix, ids[1]!, 'newsletter/never-sent')).toBe(0);
    // Looking a name up creates nothing.
    expect(await t.core.redis.hget(t.core.keys.sendNames, 'newsletter/never-sent')).toBeNull();
    const exported = await t.core.store.exportData(ids[0]!);
    expect(exported!.sends.map((s) => s.step).sort()).toEqual(['newsletter/2026-12-a', 'sciatica-series/welcome']);
    expect(Object.keys(exported!.record).some((k) => k.startsWith('/'))).toBe(false);
  });
});

describe('a record written before the compact layout', () => {
  it('is rewritten by the startup path and reads as before; scripts then work on it', async () => {
    const id = 'legacy-0000-4000-8000-000000000001';
    const created = Date.UTC(2025, 5, 1, 8);
    const oldSignup = { at: new Date(created).toISOString(), event: 'signup', source: 'signup-page', ip: '192.0.2.4', userAgent: 'Old/1.0', consentVersion: '2025-06', consentText: 'Old words.', detail: { topics: ['sciatica-series', 'newsletter'] } };
    const shortKeyConfirmed = { t: created + 60_000, e: 'confirmed', s: 'confirm-page', ip: '192.0.2.4' };
    await t.core.redis.hset(t.core.keys.subscriber(id), {
      id,
      email: 'Legacy.Reader@example.com',
      canonical: 'legacy.reader@example.com',
      firstName: 'Lou',
      status: 'active',
      topics: 'sciatica-series,newsletter',
      timeZone: 'America/New_York',
      consentVersion: '2025-06',
      createdAt: String(created),
      updatedAt: String(created + 60_000),
      confirmationSentAt: String(created),
      confirmedAt: String(created + 60_000),
      sequence: 'sciatica-series',
      step: 'mechanisms',
      lastSentAt: String(created + 120_000),
    });
    await t.core.redis.hset(t.core.keys.legacySends(id), {
      'sciatica-series/welcome': JSON.stringify({ at: '2025-06-01T08:02:00.000Z', providerId: 'p-old' }),
      'newsletter/2025-06-first': encodeSendRecord(created + 200_000, 'sent'),
    });
    await t.core.redis.rpush(t.core.keys.consent(id), JSON.stringify(oldSignup), JSON.stringify(shortKeyConfirmed));
    await t.core.redis.hset(t.core.keys.canonicalIndex, 'legacy.reader@example.com', id);
    await t.core.redis.del(t.core.keys.scoped('dir', 'indexed'));

    const result = await ensureDirectoryIndexes(t.core.redis, t.core.keys);
    expect(result!.upgraded).toBe(1);

    const hash = await t.core.redis.hgetall(t.core.keys.subscriber(id));
    expect(Object.keys(hash).filter((k) => k.length > 2)).toEqual([]);
    expect(hash).not.toHaveProperty('id');
    expect(await t.core.redis.exists(t.core.keys.legacySends(id))).toBe(0);
    expect(await t.core.redis.type(t.core.keys.consent(id))).toBe('string');
    expect(await t.core.store.get(id)).toEqual({
      id,
      email: 'Legacy.Reader@example.com',
      canonical: 'legacy.reader@example.com',
      firstName: 'Lou',
      status: 'active',
      topics: ['sciatica-series', 'newsletter'],
      timeZone: 'America/New_York',
      consentVersion: '2025-06',
      createdAt: created,
      updatedAt: created + 60_000,
      confirmedAt: created + 60_000,
      confirmationSentAt: created,
      pausedUntil: null,
      sequence: 'sciatica-series',
      step: 'mechanisms',
      lastSentAt: created + 120_000,
    });
    const ledger = await t.core.store.ledger(id);
    expect(ledger[0]).toEqual(oldSignup);
    expect(ledger[1]).toMatchObject({ at: new Date(created + 60_000).toISOString(), event: 'confirmed', source: 'confirm-page', ip: '192.0.2.4' });
    expect(await t.core.store.sendLedger(id)).toEqual({
      'sciatica-series/welcome': JSON.stringify({ at: '2025-06-01T08:02:00.000Z', providerId: 'p-old' }),
      'newsletter/2025-06-first': encodeSendRecord(created + 200_000, 'sent'),
    });
    const exported = await t.core.store.exportData(id);
    expect(exported!.record).toMatchObject({ email: 'Legacy.Reader@example.com', step: 'mechanisms', lastSentAt: String(created + 120_000) });
    expect(exported!.sends.map((s) => s.step)).toEqual(['sciatica-series/welcome', 'newsletter/2025-06-first']);

    // The scripts read the rewritten record: an unsubscribe goes through and is recorded after the old entries.
    expect(await t.core.store.unsubscribe(id, 'one-click', META)).toBe('ok');
    expect((await t.core.store.ledger(id)).map((e) => e.event)).toEqual(['signup', 'confirmed', 'unsubscribed']);
    expect((await t.core.store.get(id))!.status).toBe('unsubscribed');

    // Running it again finds nothing to rewrite.
    expect((await reindexDirectory(t.core.redis, t.core.keys)).upgraded).toBe(0);
  });
});
