// The scheduler tick on a real Redis: batch size and grouping, the idle cost,
// the sweep, double completion and the missed-window rule.
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SIZE, ruleFromConfig, runClaimLoop, runTick, type TickDeps } from '../../src/drip/scheduler';
import { processSendBatch } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import { F } from '../../src/subscribers/record';
import { SubscriberStore } from '../../src/subscribers/store';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport, seedSubscribers, SERIES } from '../support/drip';
import { testRedis } from '../support/redis';

const logger = pino({ level: 'silent' });

function deps(t: TestApp, overrides: Partial<TickDeps> = {}): TickDeps & { enqueued: string[] } {
  const enqueued: string[] = [];
  return {
    drip: new DripStore(t.core.redis, t.core.keys),
    subscribers: t.core.store,
    rule: ruleFromConfig(t.config),
    logger,
    enqueue: async (ids) => void enqueued.push(...ids),
    jobExists: async () => false,
    enqueued,
    ...overrides,
  };
}

async function moveToStep(t: TestApp, id: string, step: string, due: number) {
  await t.core.redis.hset(t.core.keys.subscriber(id), F.step, step);
  await t.core.redis.zadd(t.core.keys.due, due, id);
}

describe('scheduler tick', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('tick', { DRIP_INTERVAL: '1s' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('claims at most 100 per batch, each batch one step', async () => {
    const subs = await seedSubscribers(t.core, 250, { label: 'tick' });
    const now = Date.now();
    for (const s of subs.slice(0, 30)) await moveToStep(t, s.id, 'mechanisms', now - 5);
    const d = deps(t);
    const result = await runTick(d, now);
    expect(result).toMatchObject({ claimed: 250, batches: 4, rescheduled: 0, removed: 0 });
    const batches = await Promise.all(d.enqueued.map((id) => d.drip.loadBatch(id)));
    const sizes: Record<string, number[]> = {};
    const seen = new Set<string>();
    for (const b of batches) {
      expect(b).not.toBeNull();
      expect(b!.members.length).toBeLessThanOrEqual(BATCH_SIZE);
      (sizes[b!.step] ??= []).push(b!.members.length);
      const members = await t.core.store.getMany(b!.members);
      for (const m of members) {
        expect(m!.step).toBe(b!.step);
        expect(seen.has(m!.id)).toBe(false);
        seen.add(m!.id);
      }
    }
    expect(sizes).toEqual({ welcome: [100, 100, 20], mechanisms: [30] });
    expect(await t.core.redis.zcard(t.core.keys.due)).toBe(0);
    expect(await t.core.redis.zcard(t.core.keys.claimedBatches)).toBe(4);
    // A second tick finds nothing to claim.
    expect(await runTick(deps(t), now + 1)).toMatchObject({ claimed: 0, batches: 0 });
  });

  it('the claim loop keeps claiming while work is due, but never past the room for claimed batches', async () => {
    await t.core.redis.del(t.core.keys.claimedBatches);
    await seedSubscribers(t.core, 1_250, { label: 'loop' });
    // A clock that advances 1 ms per reading: the loop's time budget is counted, not timed.
    let fakeNow = Date.now() + 1000;
    const clock = () => fakeNow++;
    // Room for 5 batches, 2 per tick: the loop fills the room, then waits for it (nothing completes here).
    const bounded = deps(t, { maxClaimedBatches: 5, batchesPerTick: 2 });
    const first = await runClaimLoop(bounded, { clock, waitMs: 1, maxMs: 40 });
    expect(first.batches).toBe(5);
    expect(first.claimed).toBe(5 * BATCH_SIZE);
    expect(await t.core.redis.zcard(t.core.keys.claimedBatches)).toBe(5);
    expect(await t.core.redis.zcard(t.core.keys.due)).toBe(1_250 - 500);
    // With room, one loop claims everything due, 2 batches per tick: far past one tick's worth.
    const open = deps(t, { maxClaimedBatches: 1_000, batchesPerTick: 2 });
    const rest = await runClaimLoop(open, { clock, waitMs: 1, maxMs: 10_000 });
    expect(rest.claimed).toBe(750);
    expect(open.enqueued).toHaveLength(8);
    expect(await t.core.redis.zcard(t.core.keys.due)).toBe(0);
    await t.core.redis.del(t.core.keys.claimedBatches);
  });

  it('the sweep re-enqueues a claimed batch whose job is missing, and only that', async () => {
    const sweepAfterMs = 30_000;
    const [a] = await seedSubscribers(t.core, 1, { label: 'sweep' });
    await t.core.redis.del(t.core.keys.claimedBatches);
    const now = Date.now();
    const lost = deps(t, { enqueue: async () => undefined, sweepAfterMs }); // claim, then "crash" before enqueue
    expect(await runTick(lost, now)).toMatchObject({ claimed: 1, batches: 1 });
    const [batchId] = await t.core.redis.zrange(t.core.keys.claimedBatches, 0, -1);
    expect(batchId).toBeDefined();

    // Not yet stale: nothing happens.
    const early = deps(t, { sweepAfterMs });
    expect(await runTick(early, now + sweepAfterMs - 1000)).toMatchObject({ swept: 0 });
    expect(early.enqueued).toEqual([]);
    // Stale but the job exists: left alone.
    const withJob = deps(t, { sweepAfterMs, jobExists: async () => true });
    expect(await runTick(withJob, now + sweepAfterMs + 1)).toMatchObject({ swept: 0 });
    expect(withJob.enqueued).toEqual([]);
    // Stale and no job: re-enqueued under the same id.
    const late = deps(t, { sweepAfterMs });
    expect(await runTick(late, now + sweepAfterMs + 1)).toMatchObject({ swept: 1, claimed: 0 });
    expect(late.enqueued).toEqual([batchId]);

    // Completing it (twice) is harmless: one email, one ledger entry, one due entry.
    const transport = new RecordingTransport();
    const sendDeps = { drip: late.drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule: late.rule, logger, metrics: t.core.metrics };
    expect(await processSendBatch(batchId!, sendDeps, now)).toMatchObject({ status: 'completed', sent: 1 });
    const ledger = await late.drip.sendLedger(a!.id);
    const due = await t.core.redis.zscore(t.core.keys.due, a!.id);
    expect(Number(due)).toBe(now + 1000);
    expect(await processSendBatch(batchId!, sendDeps, now + 5000)).toEqual({ status: 'already-complete' });
    expect(await late.drip.complete(batchId!, now + 5000, [{ id: a!.id, outcome: 'sent', ledgerField: `${SERIES}/welcome`, ledgerValue: 'x', nextStep: 'medication-free-relief', nextDue: now + 99 }])).toBe(false);
    expect(transport.sent).toHaveLength(1);
    expect(await late.drip.sendLedger(a!.id)).toEqual(ledger);
    expect(await t.core.redis.zscore(t.core.keys.due, a!.id)).toBe(due);
    expect((await t.core.store.get(a!.id))!.step).toBe('mechanisms');
    // The swept claim is gone, so later ticks do not sweep it again.
    const after = deps(t, { sweepAfterMs });
    expect(await runTick(after, now + 10 * sweepAfterMs)).toMatchObject({ swept: 0 });
    expect(after.enqueued).not.toContain(batchId);
  });
});

describe('idle tick', () => {
  let t: TestApp;
  let counted: Redis | undefined;
  beforeAll(async () => {
    t = await createTestApp('idle', { DRIP_INTERVAL: '1s' });
  });
  afterAll(async () => {
    counted?.disconnect();
    await t?.close();
  });

  it('with nothing due issues only two bounded range reads, however large the index', async () => {
    const future = Date.now() + 3_600_000;
    const args: (string | number)[] = [];
    for (let i = 0; i < 5000; i++) args.push(future + i, `nobody-${i}`);
    await t.core.redis.zadd(t.core.keys.due, ...args);
    await t.core.redis.zadd(t.core.keys.claimedBatches, future, 'b-fresh-claim');

    // A connection of its own that records every command the tick sends.
    counted = testRedis();
    const seen: string[][] = [];
    const send = counted.sendCommand.bind(counted);
    counted.sendCommand = ((cmd: Parameters<Redis['sendCommand']>[0]) => {
      seen.push([cmd.name, ...cmd.args.map(String)]);
      return send(cmd);
    }) as Redis['sendCommand'];
    await counted.ping();
    seen.length = 0;
    const d = deps(t, {
      drip: new DripStore(counted, t.core.keys),
      subscribers: new SubscriberStore(counted, t.core.keys, { tombstoneKey: 'x' }),
    });
    seen.length = 0; // defineCommand sends nothing, but be sure
    for (let i = 0; i < 3; i++) expect(await runTick(d, Date.now())).toEqual({ claimed: 0, batches: 0, rescheduled: 0, removed: 0, swept: 0 });
    expect(seen).toHaveLength(6);
    for (const cmd of seen) {
      expect(cmd[0]!.toLowerCase()).toBe('zrangebyscore');
      expect(cmd.map((a) => a.toUpperCase())).toContain('LIMIT');
    }
    expect(d.enqueued).toEqual([]);
  });
});

describe('missed send window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('window', { DRIP_INTERVAL: '7d', MISSED_SEND_GRACE: '12h' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a windowed step overdue beyond MISSED_SEND_GRACE moves to the next window; within grace it goes out', async () => {
    const [late, onTime, early, welcome] = await seedSubscribers(t.core, 4, { label: 'window' });
    // Wednesday 16 January 2030, 12:00 in London (the seeded readers' zone).
    const now = Date.parse('2030-01-16T12:00:00Z');
    const hour = 3_600_000;
    await moveToStep(t, late!.id, 'mechanisms', now - 13 * hour);
    await moveToStep(t, onTime!.id, 'mechanisms', now - 11 * hour);
    await moveToStep(t, early!.id, 'mechanisms', now + hour);
    await t.core.redis.zadd(t.core.keys.due, now - 13 * hour, welcome!.id); // the welcome is never windowed
    const d = deps(t);
    const result = await runTick(d, now);
    expect(result).toMatchObject({ claimed: 2, rescheduled: 1, removed: 0 });
    // 13 h late is past the 12 h grace: the next window, Tuesday 22 January 09:00 GMT.
    expect(late!.timeZone).toBe('Europe/London');
    expect(Number(await t.core.redis.zscore(t.core.keys.due, late!.id))).toBe(Date.parse('2030-01-22T09:00:00Z'));
    expect(Number(await t.core.redis.zscore(t.core.keys.due, early!.id))).toBe(now + hour);
    const claimed = (await Promise.all(d.enqueued.map((id) => d.drip.loadBatch(id)))).flatMap((b) => b!.members);
    expect(claimed.sort()).toEqual([onTime!.id, welcome!.id].sort());
  });
});
