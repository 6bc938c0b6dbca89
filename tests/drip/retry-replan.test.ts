// Issue 7 §5, through the real worker (BullMQ retries and backoff) and the
// fake provider's faults: readers who unsubscribe between a batch's first
// attempt and its retry. Three batches: two are accepted with their answers
// dropped, one gets a 500. The provider then hangs, so every retry is held
// while readers of each batch unsubscribe. Once it answers again:
// - the two accepted batches' re-planned retries are refused with 409, which
//   proves the originals were accepted; the originals are replayed, and the
//   readers who left are recorded as sent (they did get it), once;
// - the refused batch's retry leaves its leavers out: they get nothing;
// - everyone else gets the welcome exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResendTransport } from '../../src/delivery/resend';
import { decodeSendRecord } from '../../src/delivery/send-ledger';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES, waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const META = { ip: null, userAgent: null };

describe('a retry re-plans without sending anyone twice', () => {
  let fake: FakeResend;
  let t: TestApp;
  let workers: WorkerSet | undefined;
  beforeAll(async () => {
    fake = await startFakeResend();
    t = await createTestApp('replan', { DRIP_INTERVAL: '1d', SCHEDULER_TICK: '200ms', RESEND_RATE_LIMIT: '50', WORKER_CONCURRENCY: '3' }, {
      transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 60_000 }),
      sender: false,
    });
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await fake?.stop();
  });

  it('readers who leave before a retry get nothing new; nobody gets anything twice', async () => {
    const subs = await seedSubscribers(t.core, 300, { label: 'replan' }); // three welcome batches
    // The first attempts, in whatever order the batches arrive: accepted but
    // answer dropped, refused with 500, accepted but answer dropped. Then hang.
    fake.injectNext({ kind: 'drop_after_accept' }, { kind: 'server_error' }, { kind: 'drop_after_accept' });
    fake.hangAfter(3);
    workers = await startWorkers(t.core, { scheduler: true, sender: true });
    // Every batch's retry is held by the hanging provider.
    await waitFor(async () => fake.heldCount() >= 3, 120_000, () => `held ${fake.heldCount()}; ${fake.requests().length} requests`);

    const acceptedFirst = new Set(fake.emails().flatMap((e) => e.to));
    expect(acceptedFirst.size).toBe(200);
    const refusedBatch = subs.filter((s) => !acceptedFirst.has(s.email));
    const leaveAfterAccepted = subs.filter((s) => acceptedFirst.has(s.email)).filter((_, i) => i % 20 === 0); // 10, across both accepted batches
    const leaveBeforeAccepted = refusedBatch.filter((_, i) => i % 10 === 0); // 10
    for (const s of [...leaveAfterAccepted, ...leaveBeforeAccepted]) await t.core.service.unsubscribe(s, 'test', META);

    fake.release(); // held requests are dropped unanswered; the retries after them re-plan
    const settled = async () =>
      (await t.core.redis.zcard(t.core.keys.claimedBatches)) === 0 &&
      Object.values(await workers!.sendQueue.getJobCounts('waiting', 'active', 'prioritized', 'delayed')).every((n) => n === 0);
    await waitFor(settled, 180_000, async () => `${fake.emails().length} accepted; ${JSON.stringify(await workers!.sendQueue.getJobCounts())}`);

    const counts = new Map<string, number>();
    for (const e of fake.emails()) for (const to of e.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    for (const s of leaveBeforeAccepted) expect(counts.has(s.email), s.email).toBe(false);
    const left = new Set(leaveBeforeAccepted.map((s) => s.email));
    expect(subs.filter((s) => !left.has(s.email) && !counts.has(s.email)).map((s) => s.email)).toEqual([]);
    expect(fake.emails().flatMap((e) => e.to)).toHaveLength(290);

    // The two accepted batches proved themselves with a 409, then a replay.
    const requests = fake.requests().filter((r) => r.path === '/emails/batch');
    expect(requests.filter((r) => r.errorName === 'invalid_idempotent_request')).toHaveLength(2);
    expect(requests.filter((r) => r.outcome === 'replayed')).toHaveLength(2);
    expect((await workers.sendQueue.getJobCounts('failed')).failed).toBe(0);

    for (const s of leaveAfterAccepted) {
      const ledger = (await t.core.store.sendLedger(s.id))[`${SERIES}/welcome`];
      expect(decodeSendRecord(ledger!), s.email).toMatchObject({ outcome: 'sent' });
    }
    for (const s of leaveBeforeAccepted) {
      expect((await t.core.store.sendLedger(s.id))[`${SERIES}/welcome`], s.email).toBeUndefined();
      expect((await t.core.store.get(s.id))!.status).toBe('unsubscribed');
    }
  }, 300_000);
});
