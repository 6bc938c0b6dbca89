// PENDING_RETENTION: a never-confirmed signup is erased once its last
// confirmation email is older than the retention; confirmed people and fresh
// re-signups are kept. Driven by the store's injected clock, no waiting.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { OutboxTransport } from '../../src/delivery/outbox';
import { Metrics } from '../../src/observability/metrics';
import { compose, type Core } from '../../src/runtime/compose';
import { testRedisUrl, uniquePrefix } from '../support/redis';

const DAY = 86_400_000;
let now = Date.UTC(2026, 10, 1);
let core: Core;

beforeAll(() => {
  const config = loadConfig({ NODE_ENV: 'test', APP_SECRET: 'r'.repeat(40), REDIS_PREFIX: uniquePrefix('retention'), LOG_LEVEL: 'silent' });
  core = compose(config, { redisUrl: testRedisUrl(), logger: pino({ level: 'silent' }), transport: new OutboxTransport('/tmp/meridian-retention-unused'), metrics: new Metrics(false), clock: () => now });
});
afterAll(() => core.close());

async function signup(email: string) {
  const result = await core.store.signup(
    { email, canonical: email, firstName: 'Pat', timeZone: null, topics: ['newsletter'], consentVersion: '2026-11', consentText: 'Yes', form: 'signup-page', meta: { ip: '192.0.2.7', userAgent: 'UA' } },
    60_000,
  );
  return result.subscriber;
}

describe('pending retention purge', () => {
  it('erases pending signups after the retention, keeps the confirmed and the re-signed-up', async () => {
    const stale = await signup('stale@example.com');
    const confirmed = await signup('confirmed@example.com');
    await core.store.confirm(confirmed.id, { ip: null, userAgent: null }, null);
    const again = await signup('again@example.com');
    now += 20 * DAY;
    await signup('again@example.com'); // a new confirmation email restarts the clock
    now += 11 * DAY; // stale: 31 days; again: 11 days since its last email
    expect(await core.store.purgePending(now - 30 * DAY)).toBe(1);
    expect(await core.store.get(stale.id)).toBeNull();
    expect(await core.store.findByCanonical('stale@example.com')).toBeNull();
    expect(await core.store.ledger(stale.id)).toEqual([]);
    expect(await core.store.isErased('stale@example.com')).toBe(false); // no tombstone: they may sign up again
    expect((await core.store.get(confirmed.id))?.status).toBe('active');
    expect((await core.store.get(again.id))?.status).toBe('pending');
    expect(await core.redis.zscore(core.keys.pending, confirmed.id)).toBeNull(); // left the index lazily
    now += 20 * DAY;
    expect(await core.store.purgePending(now - 30 * DAY)).toBe(1);
    expect(await core.store.get(again.id)).toBeNull();
    expect(await core.redis.zcard(core.keys.pending)).toBe(0);
  });
});
