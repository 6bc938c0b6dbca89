// A newsletter batch that fails for good (the provider refuses it outright, or
// its attempts run out) must not hold its readers in the issue's in-flight
// hash for ever: they are released and counted failed, with the reason in
// their send ledger, and the issue finishes. Through the real BullMQ worker
// (its final-failure hook), and through the tick's sweep for a worker that
// died before it could run that hook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentBatchError } from '../../src/delivery/errors';
import { decodeSendRecord } from '../../src/delivery/send-ledger';
import type { BatchOptions, OutgoingEmail, SendOutcome, Transport } from '../../src/delivery/transport';
import { ledgerField } from '../../src/newsletters/store';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport, waitFor } from '../support/drip';
import { newsletterHarness, sampleSource, seedReaders, SAMPLE_ISSUE_FILE } from '../support/newsletter';

/** Accepts every batch except one holding a poisoned address, which it refuses as Resend refuses a bad batch (422). */
class PoisonedTransport implements Transport {
  readonly name = 'outbox' as const;
  readonly maxBatchSize = 100;
  readonly inner = new RecordingTransport();
  refused = 0;
  constructor(private readonly poisoned: string) {}
  async sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]> {
    if (emails.some((e) => e.to === this.poisoned)) {
      this.refused += 1;
      throw new PermanentBatchError('the provider refused the batch (422 validation_error)', { code: 'validation_error', statusCode: 422, providerMessage: 'refused' });
    }
    return this.inner.sendBatch(emails, options);
  }
}

const inflight = (t: TestApp, issue: string) => t.core.redis.hlen(t.core.keys.scoped('nl', 'inflight', issue));

describe('a newsletter batch that fails for good', () => {
  let t: TestApp;
  let workers: WorkerSet | undefined;
  const poisoned = 'gaveup-poison@example.com';
  const transport = new PoisonedTransport(poisoned);

  beforeAll(async () => {
    t = await createTestApp('nlgaveup', { SCHEDULER_TICK: '200ms', WORKER_CONCURRENCY: '2' }, { transport, sender: false });
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
  });

  it('releases its readers from the in-flight hash, counts them failed and lets the issue finish (worker hook)', async () => {
    const readers = await seedReaders(t.core, [
      ...Array.from({ length: 249 }, (_, i) => ({ label: `gaveup${i}`, timeZone: 'Europe/London' })),
      { label: 'gaveup-poison', timeZone: 'Europe/London' },
    ]);
    const victim = readers[249]!;
    await t.core.newsletters.save('gave-up', sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule('gave-up', { sendNow: true });
    workers = await startWorkers(t.core, { scheduler: true, sender: true });
    await waitFor(async () => transport.refused > 0 && transport.inner.sent.length >= 150, 60_000, () => `refused ${transport.refused}, sent ${transport.inner.sent.length}`);
    // Bounded: without the release the issue would stay "sending"; the assertions below then say why.
    await waitFor(async () => (await t.core.newsletters.get('gave-up')).state === 'sent', 20_000).catch(() => undefined);

    const issue = await t.core.newsletters.get('gave-up');
    const failedBatch = 250 - transport.inner.sent.length;
    expect(transport.refused).toBe(1); // a permanent refusal is not retried
    expect(await inflight(t, 'gave-up')).toBe(0);
    expect(issue.progress.failed).toBe(failedBatch);
    expect(issue.progress.sent).toBe(transport.inner.sent.length);
    expect(issue.progress.left).toBe(0);
    expect(issue.state).toBe('sent');
    expect(await t.core.newsletterStore.liveCount('gave-up')).toBe(0);
    const record = (await t.core.store.sendLedger(victim.id))[ledgerField('gave-up')];
    expect(decodeSendRecord(record!)).toMatchObject({ outcome: 'failed', failed: expect.stringContaining('refused the batch') });
    await workers.close();
    workers = undefined;
  });

  it('is released by the tick when its job failed for good but no worker released it (crash after the failure)', async () => {
    const clock = Date.parse('2026-12-10T10:00:00Z');
    await seedReaders(t.core, [{ label: 'sweep-poison', timeZone: 'Europe/London' }]);
    const sweepPoison = new PoisonedTransport('sweep-poison@example.com');
    const failedJobs = new Set<string>();
    const h = newsletterHarness(t.core, sweepPoison, {}, {
      jobState: async (id) => (failedJobs.has(id) ? { state: 'failed', reason: 'the provider refused the batch' } : { state: 'missing' }),
    });
    await t.core.newsletters.save('swept', sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule('swept', { sendNow: true });
    await h.tick(clock);
    const batches = [...h.queue];
    expect(batches.length).toBeGreaterThan(0);
    // Run every batch once, as the worker would; the poisoned one throws and is marked failed in "BullMQ".
    for (const id of batches) {
      h.queue.splice(0, h.queue.length, id);
      await h.drain(clock).catch(() => failedJobs.add(id));
    }
    expect(failedJobs.size).toBe(1);
    expect(await inflight(t, 'swept')).toBeGreaterThan(0);
    // Past the sweep's age: the tick finds the failed job, releases the batch and the issue finishes.
    await h.tick(clock + 60_000);
    await h.tick(clock + 60_001);
    const issue = await t.core.newsletters.get('swept');
    expect(await inflight(t, 'swept')).toBe(0);
    expect(issue.progress.failed).toBeGreaterThan(0);
    expect(issue.progress.left).toBe(0);
    expect(issue.state).toBe('sent');
    expect(h.queue).toEqual([]); // nothing re-enqueued
  });
});
