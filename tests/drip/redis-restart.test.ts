// Redis (AOF on) is stopped with SIGTERM mid-series and started again on the
// same port and data dir; the app's connections reconnect and every
// subscriber still ends with every step exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ResendTransport } from '../../src/delivery/resend';
import { Metrics } from '../../src/observability/metrics';
import { compose, type Core } from '../../src/runtime/compose';
import { startRedisServer, type RedisServerHandle } from '../../src/runtime/redis-server';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { seedSubscribers, SERIES, SERIES_STEPS, sleep, waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const SUBSCRIBERS = 300;
const TOTAL = SUBSCRIBERS * SERIES_STEPS.length;

describe('Redis restart mid-series', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-restart-redis-'));
  let redis: RedisServerHandle;
  let fake: FakeResend;
  let core: Core;
  let workers: WorkerSet | undefined;

  beforeAll(async () => {
    redis = await startRedisServer({ dataDir, appendOnly: true });
    fake = await startFakeResend();
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      PUBLIC_URL: 'https://clinic.example',
      REDIS_PREFIX: 'restart',
      LOG_LEVEL: 'silent',
      DRIP_INTERVAL: '1500ms',
      SCHEDULER_TICK: '200ms',
      JOB_LOCK_DURATION: '3s',
      RESEND_RATE_LIMIT: '50',
    });
    core = compose(config, {
      redisUrl: redis.url,
      logger: pino({ level: 'silent' }),
      transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 5000 }),
      metrics: new Metrics(false),
    });
  });
  afterAll(async () => {
    await workers?.close();
    await core?.close();
    await fake?.stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and sends nothing twice', async () => {
    const subs = await seedSubscribers(core, SUBSCRIBERS, { label: 'rr' });
    workers = await startWorkers(core, { scheduler: true, sender: true });

    const outages: { atEmails: number; downMs: number }[] = [];
    for (const threshold of [SUBSCRIBERS + 50, 2 * SUBSCRIBERS + 150]) {
      await waitFor(() => fake.emails().length >= threshold, 60_000, () => `${fake.emails().length} emails`);
      const atEmails = fake.emails().length;
      expect(atEmails).toBeLessThan(TOTAL); // mid-series
      const down = Date.now();
      await redis.stop(); // SIGTERM: Redis flushes the AOF and exits
      await sleep(1500);
      redis = await startRedisServer({ port: redis.port, dataDir, appendOnly: true });
      outages.push({ atEmails, downMs: Date.now() - down });
    }

    await waitFor(() => fake.emails().length >= TOTAL, 90_000, () => `${fake.emails().length}/${TOTAL} emails`);
    // Every ledger complete, nothing claimed or due.
    await waitFor(async () => (await core.redis.zcard(core.keys.claimedBatches)) === 0, 30_000, () => 'claimed batches left');
    await sleep(1500);

    const count = new Map<string, number>();
    for (const e of fake.emails()) {
      const step = e.tags.find((x) => x.name === 'step')?.value;
      for (const to of e.to) count.set(`${to} ${step}`, (count.get(`${to} ${step}`) ?? 0) + 1);
    }
    const duplicates = [...count].filter(([, n]) => n > 1);
    const missing = subs.flatMap((s) => SERIES_STEPS.filter((step) => !count.has(`${s.email} ${step}`)).map((step) => `${s.email} ${step}`));
    console.log('redis-restart figures', JSON.stringify({ subscribers: SUBSCRIBERS, emails: fake.emails().length, requests: fake.requests().length, outages, duplicates: duplicates.length, missing: missing.length }));
    expect(duplicates).toEqual([]);
    expect(missing).toEqual([]);
    expect(fake.emails()).toHaveLength(TOTAL);
    for (const s of [subs[0]!, subs[SUBSCRIBERS - 1]!]) {
      const ledger = await core.store.exportData(s.id);
      expect(ledger!.sends.map((x) => x.step)).toEqual(SERIES_STEPS.map((step) => `${SERIES}/${step}`));
    }
    expect(await core.redis.zcard(core.keys.due)).toBe(0);
  }, 200_000);
});
