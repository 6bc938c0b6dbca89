// The frozen plan across retries (issue 12 §2) and retries that re-plan
// (issue 7 §5). A batch's plan is frozen on its first attempt; a retry checks
// its readers again and sends the plan minus those who left, under the same
// Idempotency-Key. The provider either accepts that (nothing was accepted
// before) or refuses it with 409 invalid_idempotent_request, which proves an
// earlier payload was accepted; resending the earlier payloads byte for byte
// finds it in the provider's idempotency store. Nobody gets an email twice,
// nobody who left before anything was accepted gets it, and every member is
// recorded, with the time the provider accepted.
import pino from 'pino';
import { beforeEach, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientDeliveryError } from '../../src/delivery/errors';
import { ResendTransport } from '../../src/delivery/resend';
import { decodeSendRecord } from '../../src/delivery/send-ledger';
import { ruleFromConfig, runTick } from '../../src/drip/scheduler';
import { processSendBatch, type SendDeps } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import type { Subscriber } from '../../src/subscribers/types';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const META = { ip: null, userAgent: null };
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

describe('the frozen plan across retries', () => {
  let fake: FakeResend;
  let t: TestApp;
  let drip: DripStore;
  let deps: SendDeps;
  let run = 0;
  beforeAll(async () => {
    fake = await startFakeResend();
    t = await createTestApp('frozenplan', { DRIP_INTERVAL: '1s' }, { sender: false });
    drip = new DripStore(t.core.redis, t.core.keys);
    const transport = new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 5000 });
    deps = {
      drip,
      subscribers: t.core.store,
      transport,
      renderContext: t.core.renderContext,
      from: t.config.emailFrom,
      rule: ruleFromConfig(t.config),
      logger: pino({ level: 'silent' }),
      metrics: t.core.metrics,
    };
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  /** Three fresh subscribers due now, claimed into one batch. */
  async function batchOfThree(): Promise<{ subs: Subscriber[]; batchId: string }> {
    // Earlier tests' readers are due for their next step by now: this batch is only these three.
    await t.core.redis.del(t.core.keys.due);
    const subs = await seedSubscribers(t.core, 3, { label: `frozen${run++}-` });
    const enqueued: string[] = [];
    const tickDeps = { drip, subscribers: t.core.store, rule: deps.rule, logger: deps.logger, enqueue: async (ids: string[]) => void enqueued.push(...ids), jobExists: async () => true };
    await runTick(tickDeps, Date.now());
    expect(enqueued).toHaveLength(1);
    return { subs, batchId: enqueued[0]! };
  }
  const batchRequests = () => fake.requests().filter((r) => r.path === '/emails/batch');
  const acceptedTo = () => fake.emails().flatMap((e) => e.to);
  async function ledgerAt(id: string): Promise<string | null> {
    const value = (await drip.sendLedger(id))[`${SERIES}/welcome`];
    return value ? String(decodeSendRecord(value).at) : null;
  }
  /** A clock that says `at` until moved. */
  function clockAt(at: number) {
    const c = { now: at, read: () => c.now };
    return c;
  }

  it('a dropped answer, then one member leaves: the re-planned retry is refused, the accepted original replayed; all recorded', async () => {
    const { subs, batchId } = await batchOfThree();
    const clock = clockAt(T0);
    // Attempt 1: accepted by the provider, the answer never arrives.
    fake.injectNext({ kind: 'drop_after_accept' });
    await expect(processSendBatch(batchId, deps, clock.read)).rejects.toThrow(TransientDeliveryError);
    expect(fake.emails()).toHaveLength(3);

    await t.core.service.unsubscribe(subs[1]!, 'test', META);
    clock.now = T0 + 3 * 3600_000; // the retry runs hours later

    const result = await processSendBatch(batchId, deps, clock.read);
    expect(result).toMatchObject({ status: 'completed', sent: 3, failed: 0 });
    const requests = batchRequests();
    // The re-planned payload (two readers) is refused, which proves the first was accepted; it is replayed.
    expect(requests.map((r) => [r.outcome, r.errorName, r.emailCount])).toEqual([
      ['dropped_after_accept', null, 3],
      ['rejected', 'invalid_idempotent_request', 2],
      ['replayed', null, 3],
    ]);
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(fake.emails()).toHaveLength(3); // nothing sent twice

    // Every member, the one who left included (they did get it), recorded when
    // the provider accepted (attempt 1), not when the retry ran; nothing stalls.
    for (const s of subs) {
      expect(await ledgerAt(s.id), s.email).toBe(new Date(T0).toISOString());
      expect((await t.core.store.get(s.id))!.step).toBe('mechanisms');
    }
    expect(await drip.loadBatch(batchId)).toBeNull();
    expect(await t.core.redis.zcard(t.core.keys.claimedBatches)).toBe(0);
    expect(await t.core.redis.zscore(t.core.keys.due, subs[1]!.id)).toBeNull(); // unsubscribed: never due again
    expect(await t.core.redis.zscore(t.core.keys.due, subs[0]!.id)).not.toBeNull();
  });

  it('nothing accepted, then one member leaves: the retry sends to the other two only, recorded when accepted', async () => {
    const { subs, batchId } = await batchOfThree();
    const clock = clockAt(T0);
    fake.injectNext({ kind: 'server_error' }); // an errored request stores no key
    await expect(processSendBatch(batchId, deps, clock.read)).rejects.toThrow(TransientDeliveryError);
    expect(fake.emails()).toHaveLength(0);

    await t.core.service.unsubscribe(subs[1]!, 'test', META);
    clock.now = T0 + 3600_000;
    expect(await processSendBatch(batchId, deps, clock.read)).toMatchObject({ status: 'completed', sent: 2, skipped: 1 });

    expect(acceptedTo().sort()).toEqual([subs[0]!.email, subs[2]!.email].sort());
    expect(batchRequests().map((r) => [r.status, r.emailCount])).toEqual([
      [500, null], // refused before the fake counts the emails
      [200, 2],
    ]);
    expect(await ledgerAt(subs[0]!.id)).toBe(new Date(T0 + 3600_000).toISOString());
    expect(await ledgerAt(subs[1]!.id)).toBeNull();
    expect((await t.core.store.get(subs[1]!.id))!.step).toBe('welcome'); // not advanced: they never got it
    expect((await t.core.store.get(subs[2]!.id))!.step).toBe('mechanisms');
    expect(await drip.loadBatch(batchId)).toBeNull();
  });

  it('a member who pauses before a retry that re-plans is left out and due again when the pause ends', async () => {
    const { subs, batchId } = await batchOfThree();
    fake.injectNext({ kind: 'server_error' });
    await expect(processSendBatch(batchId, deps, T0)).rejects.toThrow(TransientDeliveryError);
    const paused = await t.core.service.pause(subs[2]!, 14, META);
    if (!('until' in paused)) throw new Error('pause refused');
    expect(await processSendBatch(batchId, deps, T0 + 1000)).toMatchObject({ status: 'completed', sent: 2, requeued: 1 });
    expect(acceptedTo()).not.toContain(subs[2]!.email);
    expect(await t.core.redis.zscore(t.core.keys.due, subs[2]!.id)).toBe(String(paused.until));
  });

  it('two payloads left open by dropped answers: the retry finds the one the provider holds', async () => {
    const { subs, batchId } = await batchOfThree();
    const [a, b, c] = subs as [Subscriber, Subscriber, Subscriber];
    const clock = clockAt(T0);
    // Attempt 1: nothing stored. A leaves.
    fake.injectNext({ kind: 'server_error' });
    await expect(processSendBatch(batchId, deps, clock.read)).rejects.toThrow(TransientDeliveryError);
    await t.core.service.unsubscribe(a, 'test', META);
    // Attempt 2: the payload without A is accepted, but the answer is dropped. B leaves.
    clock.now = T0 + 60_000;
    fake.injectNext({ kind: 'drop_after_accept' });
    await expect(processSendBatch(batchId, deps, clock.read)).rejects.toThrow(TransientDeliveryError);
    await t.core.service.unsubscribe(b, 'test', META);
    // Attempt 3: without A and B is refused (409); the newest earlier payload is the one held.
    clock.now = T0 + 7200_000;
    expect(await processSendBatch(batchId, deps, clock.read)).toMatchObject({ status: 'completed', sent: 2, skipped: 1 });

    expect(acceptedTo().sort()).toEqual([b.email, c.email].sort()); // once each; A never
    expect(batchRequests().map((r) => [r.outcome, r.errorName, r.emailCount])).toEqual([
      ['rejected', 'application_error', null],
      ['dropped_after_accept', null, 2],
      ['rejected', 'invalid_idempotent_request', 1],
      ['replayed', null, 2],
    ]);
    expect(await ledgerAt(a.id)).toBeNull();
    expect(await ledgerAt(b.id)).toBe(new Date(T0 + 60_000).toISOString());
    expect(await ledgerAt(c.id)).toBe(new Date(T0 + 60_000).toISOString());
  });

  it('the original held while two re-plans are refused, one of them answered by a dropped replay', async () => {
    const { subs, batchId } = await batchOfThree();
    const [a, b, c] = subs as [Subscriber, Subscriber, Subscriber];
    // Attempt 1: accepted, answer dropped. A leaves.
    fake.injectNext({ kind: 'drop_after_accept' });
    await expect(processSendBatch(batchId, deps, T0)).rejects.toThrow(TransientDeliveryError);
    await t.core.service.unsubscribe(a, 'test', META);
    // Attempt 2: without A is refused; the replay of the original loses its answer too. B leaves.
    fake.injectNext({ kind: 'none' }, { kind: 'drop_after_accept' });
    await expect(processSendBatch(batchId, deps, T0 + 1000)).rejects.toThrow(TransientDeliveryError);
    await t.core.service.unsubscribe(b, 'test', META);
    // Attempt 3: without A and B is refused, without A is refused, the original is replayed.
    expect(await processSendBatch(batchId, deps, T0 + 2000)).toMatchObject({ status: 'completed', sent: 3 });

    expect(acceptedTo().sort()).toEqual([a.email, b.email, c.email].sort()); // the original, once
    expect(batchRequests().map((r) => [r.outcome, r.emailCount])).toEqual([
      ['dropped_after_accept', 3],
      ['rejected', 2],
      ['dropped_after_accept', 3],
      ['rejected', 1],
      ['rejected', 2],
      ['replayed', 3],
    ]);
    for (const s of subs) expect(await ledgerAt(s.id)).toBe(new Date(T0).toISOString());
  });
});
