// Issue 12 §2: the frozen plan across retries. Attempt 1 is accepted by the
// provider but its answer is dropped; one member unsubscribes; attempt 2 must
// be answered from the provider's idempotency store (byte-identical payload,
// same key), every member recorded and advanced, no mismatch, no stall.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientDeliveryError } from '../../src/delivery/errors';
import { ResendTransport } from '../../src/delivery/resend';
import { ruleFromConfig, runTick } from '../../src/drip/scheduler';
import { processSendBatch } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';

const META = { ip: null, userAgent: null };

describe('the frozen plan across retries', () => {
  let fake: FakeResend;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeResend();
    t = await createTestApp('frozenplan', { DRIP_INTERVAL: '1s' }, { sender: false });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  it('a retry after a dropped answer is replayed by the provider: every member recorded and advanced', async () => {
    const subs = await seedSubscribers(t.core, 3, { label: 'frozen' });
    const drip = new DripStore(t.core.redis, t.core.keys);
    const rule = ruleFromConfig(t.config);
    const logger = pino({ level: 'silent' });
    const enqueued: string[] = [];
    const tickDeps = { drip, subscribers: t.core.store, rule, logger, enqueue: async (ids: string[]) => void enqueued.push(...ids), jobExists: async () => true };
    const transport = new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 5000 });
    const deps = { drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule, logger, metrics: t.core.metrics };

    const now = Date.now();
    await runTick(tickDeps, now);
    expect(enqueued).toHaveLength(1);
    const batchId = enqueued[0]!;

    // Attempt 1: accepted by the provider, the answer never arrives.
    fake.injectNext({ kind: 'drop_after_accept' });
    await expect(processSendBatch(batchId, deps, now)).rejects.toThrow(TransientDeliveryError);
    expect(fake.emails()).toHaveLength(3);

    // One member unsubscribes before the retry.
    await t.core.service.unsubscribe(subs[1]!, 'test', META);

    // Attempt 2: same key, same body: the provider answers from its idempotency store.
    const result = await processSendBatch(batchId, deps, now + 1000);
    expect(result).toMatchObject({ status: 'completed', sent: 3, failed: 0 });
    const requests = fake.requests().filter((r) => r.path === '/emails/batch');
    expect(requests.map((r) => r.outcome)).toEqual(['dropped_after_accept', 'replayed']);
    expect(requests.map((r) => r.errorName)).toEqual([null, null]); // no 409 invalid_idempotent_request
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(fake.emails()).toHaveLength(3); // nothing sent twice

    // Every member, the one who left included (they did get it), recorded and advanced; nothing stalls.
    for (const s of subs) {
      const ledger = await drip.sendLedger(s.id);
      expect(Object.keys(ledger), s.email).toContain(`${SERIES}/welcome`);
      expect((await t.core.store.get(s.id))!.step).toBe('mechanisms');
    }
    expect(await drip.loadBatch(batchId)).toBeNull();
    expect(await t.core.redis.zcard(t.core.keys.claimedBatches)).toBe(0);
    expect(await t.core.redis.zscore(t.core.keys.due, subs[1]!.id)).toBeNull(); // unsubscribed: never due again
    expect(await t.core.redis.zscore(t.core.keys.due, subs[0]!.id)).not.toBeNull();
  });
});
