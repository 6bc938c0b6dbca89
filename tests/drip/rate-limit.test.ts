// A provider 429 (rate_limit_exceeded) pauses the whole send queue for
// retry-after and uses up no attempt: the batch is simply taken again later.
// Handled like any retryable error, it would burn one of the batch's attempts
// and let the other batches keep hammering the provider. Timing is read on the
// fake provider's clock (each request's receivedAt); nothing here uses a stopwatch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResendTransport } from '../../src/delivery/resend';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const RETRY_AFTER_S = 2;

describe('provider rate limit (429)', () => {
  let fake: FakeResend;
  let t: TestApp;
  let workers: WorkerSet | undefined;
  beforeAll(async () => {
    fake = await startFakeResend();
    // One job at a time, so "the queue is paused" and "only this job waits" tell apart:
    // a second batch is ready the whole time the first one is held back.
    t = await createTestApp('ratelimit', { DRIP_INTERVAL: '1h', SCHEDULER_TICK: '200ms', RESEND_RATE_LIMIT: '50', WORKER_CONCURRENCY: '1' }, {
      transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url }),
      sender: false, // this test runs the one worker itself, after seeding
    });
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await fake?.stop();
  });

  it(`pauses the queue for retry-after, uses no attempt, counts the throttle, then sends each email once`, async () => {
    const throttled = async () => (await t.core.metrics.providerThrottled.get()).values.find((v) => v.labels.kind === 'rate')?.value ?? 0;
    expect(await throttled()).toBe(0);
    fake.injectNext({ kind: 'rate_limit', retryAfterSeconds: RETRY_AFTER_S });
    const subs = await seedSubscribers(t.core, 101, { label: 'rl' }); // two welcome batches: 100 + 1
    workers = await startWorkers(t.core, { scheduler: true, sender: true });
    const sendQueue = workers.sendQueue;
    // Done when the provider has every email and the queue has nothing left to run.
    const settled = async () =>
      fake.emails().length >= subs.length &&
      Object.values(await sendQueue.getJobCounts('waiting', 'active', 'prioritized', 'delayed')).every((n) => n === 0);
    await waitFor(settled, 60_000, async () => `${fake.emails().length} of ${subs.length} accepted; ${JSON.stringify(await sendQueue.getJobCounts())}`);

    const requests = fake.requests().filter((r) => r.path === '/emails/batch');
    const [limited, ...rest] = requests;
    expect(limited).toMatchObject({ status: 429, errorName: 'rate_limit_exceeded' });
    // Nothing reached the provider until retry-after had passed, from either batch.
    expect(rest.length).toBeGreaterThanOrEqual(2);
    for (const r of rest) {
      expect(r.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
      expect(r).toMatchObject({ status: 200, outcome: 'accepted' });
    }
    // The limited batch was taken twice, but only its successful run counts as an attempt.
    const batchId = limited!.idempotencyKey!.replace(/^meridian-/, '');
    const job = await sendQueue.getJob(batchId);
    expect(job).toBeDefined();
    expect(await job!.getState()).toBe('completed');
    expect(job!.attemptsStarted).toBe(2);
    expect(job!.attemptsMade).toBe(1);
    expect(await throttled()).toBe(1);
    // Every subscriber got the welcome exactly once.
    const to = fake.emails().flatMap((e) => e.to).sort();
    expect(to).toEqual(subs.map((s) => s.email).sort());
  });
});
