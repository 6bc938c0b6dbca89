// Scale-out: three `npm run worker` processes (scheduler tick and send worker
// each) on one Redis send the first step to N subscribers. All three claim and
// send, and nobody gets the email twice: the claim script moves a subscriber
// out of the due index and into exactly one batch, and a batch's job id is its
// batch id, whichever process claimed or took it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES, waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';
import { workerEnv, workerProcess, type WorkerProcess } from '../support/worker-process';

const SUBSCRIBERS = 1500;
const WORKERS = 3;

describe('three worker processes on one Redis', () => {
  let fake: FakeResend;
  let t: TestApp;
  const workers: WorkerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'meridian-scale-out-'));
  const logs = Array.from({ length: WORKERS }, (_, i) => join(dir, `worker-${i}.log`));

  beforeAll(async () => {
    // Each request takes a while at the provider, so one worker cannot drain the queue before the others take jobs.
    fake = await startFakeResend({ processingDelayMs: 150 });
    t = await createTestApp('scaleout', { DRIP_INTERVAL: '7d' }, { sender: false });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await t?.close();
    await fake?.stop();
  });

  it('send to every subscriber once between them; each process sends a share', async () => {
    const env = workerEnv(t, fake, {
      RESEND_RATE_LIMIT: '100',
      DRIP_INTERVAL: '7d',
      SCHEDULER_TICK: '200ms',
      WORKER_CONCURRENCY: '1',
    });
    for (const log of logs) workers.push(workerProcess(env, log));
    await Promise.all(workers.map((w) => w.start()));
    // Due only once all three run, so none has a head start.
    const subs = await seedSubscribers(t.core, SUBSCRIBERS, { label: 'scale', concurrency: 50 });

    const welcomes = () => fake.emails().filter((e) => e.tags.some((tag) => tag.name === 'step' && tag.value === 'welcome'));
    await waitFor(() => welcomes().length >= SUBSCRIBERS, 240_000, () => `${welcomes().length}/${SUBSCRIBERS} sent`);
    // Anything that would still go out, would by now.
    await waitFor(async () => (await t.core.redis.zcard(t.core.keys.claimedBatches)) === 0, 30_000, () => 'batches still claimed');
    await Promise.all(workers.map((w) => w.stop()));

    const count = new Map<string, number>();
    for (const e of welcomes()) for (const to of e.to) count.set(to, (count.get(to) ?? 0) + 1);
    expect([...count].filter(([, n]) => n > 1).slice(0, 5)).toEqual([]);
    expect(subs.filter((s) => count.get(s.email) !== 1).map((s) => s.email).slice(0, 5)).toEqual([]);
    expect(fake.emails()).toHaveLength(SUBSCRIBERS);
    expect((await t.core.store.exportData(subs[777]!.id))!.sends.map((s) => s.step)).toEqual([`${SERIES}/welcome`]);

    // Every process sent batches: the work was shared, not done by whichever started first.
    const sentBy = logs.map((log) => readFileSync(log, 'utf8').split('\n').filter((line) => line.includes('"send batch completed"')).length);
    console.log('scale-out batches completed per worker', JSON.stringify(sentBy));
    for (const n of sentBy) expect(n).toBeGreaterThan(0);
    expect(sentBy.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(SUBSCRIBERS / 100);
  }, 400_000);
});
