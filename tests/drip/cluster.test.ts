// Meridian on a Redis Cluster (3 masters, started here): the whole series
// through the real scheduler and send worker, then the exactly-once fault run
// (a worker process SIGKILLed, 500s, drops after accept, 429 bursts) on a
// smaller N. Every key Meridian and BullMQ write carries the hash tag
// {prefix}, so every queue's keys and every script's keys share one slot.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindexDirectory } from '../../src/subscribers/reindex';
import { RedisSessionStore } from '../../src/admin/session-store';
import type { Session } from 'fastify';
import { createTestApp, type TestApp } from '../support/app';
import { acceptedSteps, finishedSeries, seedSubscribers, SERIES, SERIES_STEPS, sleep, startSeriesOnFake, waitFor } from '../support/drip';
import { crashableWorker, delivery, killAndRestartUntilDone, startFaultyResend, tallyDeliveries } from '../support/exactly-once';
import type { FakeResend } from '../support/fake-resend';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster';
import type { WorkerProcess } from '../support/worker-process';

const META = { ip: null, userAgent: null };
const SEED = 20261126;

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

/** Every key on every master, with the master's port. */
async function clusterKeys(t: TestApp): Promise<{ key: string; port: number }[]> {
  const redis = t.core.redis as Cluster;
  const out: { key: string; port: number }[] = [];
  for (const node of redis.nodes('master')) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'COUNT', 1000);
      out.push(...batch.map((key) => ({ key, port: node.options.port! })));
      cursor = next;
    } while (cursor !== '0');
  }
  return out;
}

/** Every key this app wrote is under {prefix}: and on the one master that owns that slot. */
async function expectOneSlot(t: TestApp): Promise<number> {
  const mine = (await clusterKeys(t)).filter((k) => k.key.includes(t.config.redisPrefix));
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.filter((k) => !k.key.startsWith(`{${t.config.redisPrefix}}:`)).map((k) => k.key)).toEqual([]);
  expect(new Set(mine.map((k) => k.port)).size).toBe(1);
  // BullMQ's keys are among them (the queue is in the same slot as the scripts' keys).
  expect(mine.some((k) => k.key.startsWith(`{${t.config.redisPrefix}}:send:`))).toBe(true);
  return mine.length;
}

describe('Meridian on a 3-master Redis Cluster', () => {
  let fake: FakeResend;
  let t: TestApp;
  let close: (() => Promise<void>) | undefined;
  const ENV = () => ({ REDIS_CLUSTER_NODES: cluster.nodes, DRIP_INTERVAL: '1s', SCHEDULER_TICK: '200ms', RESEND_RATE_LIMIT: '50' });

  beforeAll(async () => {
    ({ fake, t, close } = await startSeriesOnFake('cluster', ENV()));
  });
  afterAll(async () => {
    await close?.();
  });

  const stepsTo = (address: string) => acceptedSteps(fake, address);

  it('runs on a Cluster client with the hash-tagged prefix', () => {
    expect(t.core.redis).toBeInstanceOf(Cluster);
    expect(t.core.keys.prefix).toBe(`{${t.config.redisPrefix}}`);
  });

  it('signs up through the web app, then delivers the whole series once, in order; unsubscribe and erase stop it', async () => {
    // The web signup: rate limits, the signup script and the confirmation job, all on the cluster.
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/subscribe',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'web-signup@example.com', consent: true, timeZone: 'Europe/London' }),
    });
    expect(signup.statusCode).toBe(202);
    await waitFor(() => fake.emails().some((e) => e.to.includes('web-signup@example.com')), 20_000, () => 'no confirmation email');

    const [full, unsub, erased, full2] = await seedSubscribers(t.core, 4, { label: 'cluster' });
    const all = [full!, unsub!, erased!, full2!];
    await waitFor(() => all.every((s) => stepsTo(s.email).length >= 1), 20_000, () => JSON.stringify(all.map((s) => stepsTo(s.email))));
    await t.core.service.unsubscribe((await t.core.store.get(unsub!.id))!, 'test', META);
    await t.core.store.erase(erased!.id);

    await waitFor(
      () => stepsTo(full!.email).length >= 4 && stepsTo(full2!.email).length >= 4,
      40_000,
      () => JSON.stringify([stepsTo(full!.email), stepsTo(full2!.email)]),
    );
    await sleep(2500); // anything that would still go out, would by now
    expect(stepsTo(full!.email)).toEqual([...SERIES_STEPS]);
    expect(stepsTo(full2!.email)).toEqual([...SERIES_STEPS]);
    expect(stepsTo(unsub!.email)).toEqual(['welcome']);
    expect(stepsTo(erased!.email)).toEqual(['welcome']);
    const ledger = await t.core.store.exportData(full!.id);
    expect(ledger!.sends.map((s) => s.step)).toEqual(SERIES_STEPS.map((s) => `${SERIES}/${s}`));
    expect(await t.core.store.exportData(erased!.id)).toBeNull();

    // Ending an admin's sessions walks the keys (SCAN): on a cluster, every master.
    const sessions = new RedisSessionStore(t.core.redis, t.core.keys, 60_000);
    const put = (id: string, user: string) =>
      new Promise<void>((resolve, reject) => sessions.set(id, { user } as unknown as Session, (err) => (err ? reject(err) : resolve())));
    await put('s1', 'ada@clinic.example');
    await put('s2', 'ada@clinic.example');
    await put('s3', 'bob@clinic.example');
    expect(await sessions.destroyFor('ada@clinic.example')).toBe(2);
    expect(await t.core.redis.exists(sessions.key('s1'), sessions.key('s2'), sessions.key('s3'))).toBe(1);

    // The console's reindex (a script per page of the canonical index) runs on the cluster too.
    const reindexed = await reindexDirectory(t.core.redis, t.core.keys);
    expect(reindexed.subscribers).toBe(4); // the web signup and the three not erased
    expect(reindexed.added).toBe(0); // every entry was already right

    await expectOneSlot(t);
  }, 120_000);
});

describe('exactly once on a Redis Cluster under crashes, faults and rate limits', () => {
  const SUBSCRIBERS = 300;
  const RATE = 20;
  const KILLS = 2;
  let fake: FakeResend;
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    fake = await startFaultyResend(SEED);
    t = await createTestApp('clustereo', { REDIS_CLUSTER_NODES: cluster.nodes, DRIP_INTERVAL: '2s' }, { sender: false });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await fake?.stop();
  });

  it('every subscriber gets every step exactly once; the rate limit holds', async () => {
    const subs = await seedSubscribers(t.core, SUBSCRIBERS, { label: 'ceo', concurrency: 50 });
    expect(await t.core.redis.zcard(t.core.keys.due)).toBe(SUBSCRIBERS);
    worker = crashableWorker(t, fake, { REDIS_CLUSTER_NODES: cluster.nodes, RESEND_RATE_LIMIT: String(RATE), DRIP_INTERVAL: '2s' });
    // On top of the random faults, so each kind surely happens with this few requests.
    fake.injectNext({ kind: 'drop_after_accept' }, { kind: 'server_error' }, { kind: 'drop_after_accept' });
    // At 5% a run can draw no drop at all: script one, so the fault always happens.
    fake.injectNext({ kind: 'drop_after_accept' });
    await worker.start();

    const { kills, bursts } = await killAndRestartUntilDone({
      worker,
      fake,
      seed: SEED,
      done: () => finishedSeries(t.core, subs),
      total: SUBSCRIBERS,
      kills: KILLS,
      killSpreadMs: 3000,
      rateLimitBursts: 3,
      timeoutMs: 300_000,
    });
    await sleep(2000);
    await worker.stop();

    const { duplicates, missing } = tallyDeliveries(fake.emails(), subs.flatMap((s) => SERIES_STEPS.map((step) => delivery(s.email, step))));
    const sendRequests = fake.requests().filter((r) => r.path === '/emails/batch');
    console.log('cluster exactly-once figures', JSON.stringify({ subscribers: SUBSCRIBERS, emails: fake.emails().length, requests: sendRequests.length, kills, bursts }));

    expect(duplicates.slice(0, 5)).toEqual([]);
    expect(missing.slice(0, 5)).toEqual([]);
    expect(fake.emails()).toHaveLength(SUBSCRIBERS * SERIES_STEPS.length);
    expect(kills).toBe(KILLS);
    expect(await t.core.redis.zcard(t.core.keys.claimedBatches)).toBe(0);
    expect(await t.core.redis.zcard(t.core.keys.due)).toBe(0);
    expect(sendRequests.some((r) => r.outcome === 'dropped_after_accept')).toBe(true);
    expect(sendRequests.some((r) => r.status === 500)).toBe(true);
    expect(sendRequests.some((r) => r.status === 429)).toBe(true);
    expect(fake.maxRequestsPerSecond((r) => r.path === '/emails/batch')).toBeLessThanOrEqual(RATE);
    await expectOneSlot(t);
  }, 420_000);
});
