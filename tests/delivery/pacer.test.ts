// The shared request pacer. With an injected clock the tests see exact
// instants: grants at least one interval apart, so N + 1 grants always span
// more than a second plus the jitter budget, under bursts and under steady
// arrivals faster than the rate. No test here reads the wall clock.
import { afterAll, describe, expect, it } from 'vitest';
import { PacedTransport, PACER_JITTER_BUDGET_MS, pacerIntervalMs, RequestPacer } from '../../src/delivery/pacer';
import type { OutgoingEmail, Transport } from '../../src/delivery/transport';
import { ManualClock, untilSettled } from '../support/manual-clock';
import { testRedis, uniquePrefix } from '../support/redis';

const clients = [testRedis(), testRedis(), testRedis()];
afterAll(() => clients.forEach((c) => c.disconnect()));

const key = (label: string) => `${uniquePrefix(label)}:pace`;

/** The most grants inside any sliding second [t, t + 1000). */
function busiestSecond(grants: number[]): number {
  const sorted = [...grants].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

const gaps = (sorted: number[]) => sorted.slice(1).map((t, i) => t - sorted[i]!);

/**
 * Runs requests arriving at `arrivals` (clock instants) through pacers that
 * share one key, moving the manual clock from event to event: each step waits
 * until every pending request is asleep on the clock (its Redis call answered),
 * then jumps to the next arrival or wake-up. Returns the grant instants.
 */
async function simulate(pacers: RequestPacer[], clock: ManualClock, arrivals: number[]): Promise<number[]> {
  const grants: number[] = [];
  let pending = 0;
  let next = 0;
  for (;;) {
    while (next < arrivals.length && arrivals[next]! <= clock.now()) {
      const pacer = pacers[next % pacers.length]!;
      next += 1;
      pending += 1;
      void pacer.acquire().then((at) => {
        grants.push(at);
        pending -= 1;
      });
    }
    await untilSettled(() => clock.sleeping === pending);
    const wake = clock.nextWake();
    const arrival = next < arrivals.length ? arrivals[next]! : null;
    if (wake === null && arrival === null) return grants;
    clock.advanceTo(Math.min(wake ?? Infinity, arrival ?? Infinity));
  }
}

describe('pacerIntervalMs', () => {
  it('spreads N requests over a second plus the jitter budget', () => {
    expect(PACER_JITTER_BUDGET_MS).toBeGreaterThan(0);
    expect(pacerIntervalMs(2)).toBe(Math.ceil((1000 + PACER_JITTER_BUDGET_MS) / 2));
    expect(pacerIntervalMs(10)).toBe(Math.ceil((1000 + PACER_JITTER_BUDGET_MS) / 10));
    for (const rate of [1, 2, 3, 7, 10, 20, 1000]) expect(rate * pacerIntervalMs(rate)).toBeGreaterThanOrEqual(1000 + PACER_JITTER_BUDGET_MS);
  });

  it('takes a configured budget (RESEND_JITTER_BUDGET_MS)', () => {
    expect(pacerIntervalMs(10, 600)).toBe(160);
    expect(pacerIntervalMs(10, 0)).toBe(100);
  });
});

describe('RequestPacer with an injected clock', () => {
  it('a burst from several connections (processes) is granted one interval apart', async () => {
    const clock = new ManualClock(1_000_000);
    const shared = key('burst');
    const pacers = clients.map((c) => new RequestPacer(c, shared, 20, { clock }));
    const interval = pacers[0]!.intervalMs;
    const grants = (await simulate(pacers, clock, Array.from({ length: 24 }, () => 1_000_000))).sort((a, b) => a - b);
    expect(grants).toEqual(Array.from({ length: 24 }, (_, i) => 1_000_000 + i * interval));
    expect(busiestSecond(grants)).toBeLessThanOrEqual(20);
  });

  it('steady arrivals every 0.6 × interval: no sliding second above the rate, no gap below the interval, no idling', async () => {
    const rate = 20;
    const clock = new ManualClock(5_000);
    const shared = key('steady');
    const pacers = clients.map((c) => new RequestPacer(c, shared, rate, { clock }));
    const interval = pacers[0]!.intervalMs;
    const arrivals = Array.from({ length: 90 }, (_, i) => 5_000 + Math.round(i * 0.6 * interval));
    const grants = (await simulate(pacers, clock, arrivals)).sort((a, b) => a - b);

    expect(grants).toHaveLength(arrivals.length);
    expect(Math.min(...gaps(grants))).toBeGreaterThanOrEqual(interval);
    expect(busiestSecond(grants)).toBeLessThanOrEqual(rate);
    // Any rate + 1 grants span more than a second plus the jitter budget.
    for (let i = 0; i + rate < grants.length; i++) expect(grants[i + rate]! - grants[i]!).toBeGreaterThanOrEqual(1000 + PACER_JITTER_BUDGET_MS);
    // Requests queue up (they arrive faster than the rate), and the pacer
    // grants the next one the moment the interval has passed: no time wasted.
    expect(Math.max(...gaps(grants))).toBe(interval);
    expect(grants.at(-1)).toBe(5_000 + (arrivals.length - 1) * interval);
  });

  it('a request after a quiet spell is granted at once', async () => {
    const clock = new ManualClock(0);
    const pacer = new RequestPacer(clients[0]!, key('quiet'), 10, { clock });
    const grants = await simulate([pacer], clock, [0, 10, 5_000]);
    expect(grants).toEqual([0, pacer.intervalMs, 5_000]);
  });
});

describe('RequestPacer on the Redis clock (production default)', () => {
  it('grants across separate connections at least one interval apart, as Redis TIME sees it', async () => {
    const shared = key('redis');
    const pacers = clients.map((c) => new RequestPacer(c, shared, 100));
    // The returned instants are the script's own clock readings, so this
    // checks the rule, not how fast this process happened to run.
    const grants = (await Promise.all(Array.from({ length: 12 }, (_, i) => pacers[i % pacers.length]!.acquire()))).sort((a, b) => a - b);
    expect(Math.min(...gaps(grants))).toBeGreaterThanOrEqual(pacers[0]!.intervalMs);
  });
});

describe('PacedTransport', () => {
  it('waits for the pacer before every call and passes results through', async () => {
    const clock = new ManualClock(0);
    const pacer = new RequestPacer(clients[0]!, key('transport'), 10, { clock });
    const calls: number[] = [];
    const inner: Transport = {
      name: 'resend',
      maxBatchSize: 100,
      sendBatch: async (emails) => {
        calls.push(clock.now());
        return emails.map((_, i) => ({ ok: true as const, providerId: `id-${calls.length}-${i}` }));
      },
    };
    const paced = new PacedTransport(inner, pacer);
    expect(paced.name).toBe('resend');
    expect(paced.maxBatchSize).toBe(100);
    const email = { to: 'a@example.org' } as OutgoingEmail;
    let done = 0;
    const results = [1, 2, 3].map((n) => paced.sendBatch([email, email], { idempotencyKey: `k${n}` }).finally(() => (done += 1)));
    while (done < 3) {
      await untilSettled(() => clock.sleeping + done === 3);
      if (done < 3) clock.advanceTo(clock.nextWake()!);
    }
    expect(calls).toEqual([0, pacer.intervalMs, 2 * pacer.intervalMs]);
    const ids = (await Promise.all(results)).flat().map((r) => (r.ok ? r.providerId : r.reason));
    expect(ids.sort()).toEqual(['id-1-0', 'id-1-1', 'id-2-0', 'id-2-1', 'id-3-0', 'id-3-1']);
  });
});
