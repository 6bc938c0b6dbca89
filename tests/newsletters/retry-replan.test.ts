// Issue 7 §5 for the newsletter: a reader who unsubscribes between a batch's
// first attempt and its retry. Nothing accepted yet: the retry leaves them
// out, counts them as skipped and releases their in-flight hold. Accepted
// with the answer dropped: the re-planned retry is refused (409), which proves
// it, and the original is replayed, so nobody gets the issue twice.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientDeliveryError } from '../../src/delivery/errors';
import { ResendTransport } from '../../src/delivery/resend';
import { decodeSendRecord } from '../../src/delivery/send-ledger';
import { ledgerField } from '../../src/newsletters/store';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeResend, type FakeResend } from '../support/fake-resend';
import { newsletterHarness, sampleSource, seedReaders, SAMPLE_ISSUE_FILE } from '../support/newsletter';

const META = { ip: null, userAgent: null };
const T0 = Date.parse('2026-12-01T09:00:00Z');

describe('a newsletter retry re-plans', () => {
  let fake: FakeResend;
  let t: TestApp;
  let run = 0;
  beforeAll(async () => {
    fake = await startFakeResend();
    t = await createTestApp('nlreplan', {}, { sender: false });
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  /** Three readers and an issue sent now, its one batch queued but not yet run. */
  async function issueToThree() {
    const id = `replan-${run++}`;
    const readers = await seedReaders(t.core, [0, 1, 2].map((i) => ({ label: `${id}-r${i}`, timeZone: 'Europe/London' })));
    const h = newsletterHarness(t.core, new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 5000 }));
    await t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule(id, { sendNow: true });
    await h.tick(T0);
    const mine = new Set(readers.map((r) => r.id));
    // Earlier tests' readers are in this audience too, and already have their own issues: only this issue's batch matters.
    expect(h.queue.length).toBeGreaterThan(0);
    const attempt = async (at: number) => {
      const batchId = h.queue[0]!;
      try {
        await h.drain(at, 1);
      } finally {
        if ((await t.core.newsletterStore.loadBatch(batchId)) !== null && h.queue[0] !== batchId) h.queue.unshift(batchId);
      }
    };
    return { id, readers, h, mine, attempt };
  }
  const ledgerAt = async (subscriberId: string, issueId: string) => {
    const v = (await t.core.store.sendLedger(subscriberId))[ledgerField(issueId)];
    return v ? String(decodeSendRecord(v).at) : null;
  };

  it('nothing accepted: the retry leaves the reader who unsubscribed out, counts and releases them', async () => {
    const { id, readers, h, attempt } = await issueToThree();
    fake.injectNext({ kind: 'server_error' });
    await expect(attempt(T0)).rejects.toThrow(TransientDeliveryError);
    await t.core.service.unsubscribe(readers[1]!, 'test', META);
    while (h.queue.length > 0) await attempt(T0 + 3_600_000);

    const got = new Set(fake.emails().flatMap((e) => e.to));
    expect(got.has(readers[0]!.email) && got.has(readers[2]!.email)).toBe(true);
    expect(got.has(readers[1]!.email)).toBe(false);
    await h.tick(T0 + 3_601_000);
    const { issue } = await t.core.newsletters.status(id);
    expect(issue.state).toBe('sent');
    expect(issue.progress.skippedBy).toMatchObject({ unsubscribed: 1 });
    expect(await ledgerAt(readers[0]!.id, id)).toBe(new Date(T0 + 3_600_000).toISOString());
    expect(await ledgerAt(readers[1]!.id, id)).toBeNull();
    expect(await t.core.redis.hlen(t.core.keys.scoped('nl', 'inflight', id))).toBe(0);
  });

  it('accepted with the answer dropped: the re-plan is refused with 409 and the original replayed; nobody twice', async () => {
    const { id, readers, h, attempt } = await issueToThree();
    fake.injectNext({ kind: 'drop_after_accept' });
    await expect(attempt(T0)).rejects.toThrow(TransientDeliveryError);
    const acceptedOnce = fake.emails().length;
    await t.core.service.unsubscribe(readers[1]!, 'test', META);
    while (h.queue.length > 0) await attempt(T0 + 3_600_000);

    expect(fake.emails()).toHaveLength(acceptedOnce); // the replay sends nothing new
    const requests = fake.requests().filter((r) => r.path === '/emails/batch');
    expect(requests.map((r) => r.outcome).slice(0, 3)).toEqual(['dropped_after_accept', 'rejected', 'replayed']);
    expect(requests[1]!.errorName).toBe('invalid_idempotent_request');
    for (const r of readers) expect(await ledgerAt(r.id, id), r.email).toBe(new Date(T0).toISOString());
    await h.tick(T0 + 3_601_000);
    expect((await t.core.newsletters.status(id)).issue.state).toBe('sent');
  });
});
