// /healthz and /readyz while Redis goes away and comes back EMPTY (issue 7 §5):
// both answer 503 at once instead of hanging, and the drip tick's job
// scheduler is registered again, so readiness (and sending) comes back without
// a process restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { Metrics } from '../../src/observability/metrics';
import { compose, type Core } from '../../src/runtime/compose';
import { startRedisServer, type RedisServerHandle } from '../../src/runtime/redis-server';
import { createWebApp } from '../../src/runtime/web';
import { startWorkers, TICK_SCHEDULER, type WorkerSet } from '../../src/runtime/workers';
import { waitFor } from '../support/drip';

describe('health and readiness through a Redis outage', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'meridian-health-redis-'));
    dirs.push(d);
    return d;
  };
  let redis: RedisServerHandle;
  let core: Core;
  let workers: WorkerSet | undefined;
  let app: Awaited<ReturnType<typeof createWebApp>>;

  beforeAll(async () => {
    redis = await startRedisServer({ dataDir: dataDir(), appendOnly: false });
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      PUBLIC_URL: 'https://clinic.example',
      REDIS_PREFIX: 'health',
      OUTBOX_DIR: dataDir(),
      LOG_LEVEL: 'silent',
      SCHEDULER_TICK: '200ms',
    });
    core = compose(config, { redisUrl: redis.url, logger: pino({ level: 'silent' }), metrics: new Metrics(false) });
    app = await createWebApp(core);
    await app.ready();
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await core?.close();
    await redis?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const probe = async (url: '/healthz' | '/readyz') => {
    const res = await app.inject({ url });
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, cache: res.headers['cache-control'] };
  };

  it('is live but not ready until the scheduler ticks, then ready', async () => {
    expect(await probe('/healthz')).toEqual({ status: 200, body: { ok: true }, cache: 'no-store' });
    expect(await probe('/readyz')).toMatchObject({ status: 503, body: { ok: false, checks: { redis: 'ok', scheduler: 'no recent tick' } } });
    workers = await startWorkers(core, { scheduler: true, sender: false });
    await waitFor(async () => (await probe('/readyz')).status === 200, 15_000, () => 'the tick never made /readyz ready');
    expect((await probe('/readyz')).body).toEqual({ ok: true, checks: { redis: 'ok', scheduler: 'ok' } });
  });

  it('answers 503 while Redis is down, and is ready again after Redis restarts empty', async () => {
    await redis.stop();
    // Both probes answer while Redis is still down (before the fix /healthz hung until it came back).
    expect(await probe('/healthz')).toMatchObject({ status: 503, body: { ok: false } });
    expect(await probe('/readyz')).toMatchObject({ status: 503, body: { ok: false, checks: { redis: 'unreachable' } } });
    expect(await probe('/healthz')).toMatchObject({ status: 503 });

    // Same port, a fresh data dir: everything, the job scheduler included, is gone.
    redis = await startRedisServer({ port: redis.port, dataDir: dataDir(), appendOnly: false });
    await waitFor(async () => (await probe('/healthz')).status === 200, 15_000, () => 'never live again');
    await waitFor(async () => (await probe('/readyz')).status === 200, 20_000, () => 'the tick never ran again after Redis came back empty');
    expect(await workers!.schedulerQueue.getJobScheduler(TICK_SCHEDULER)).toMatchObject({ every: 200 });
  }, 60_000);
});
