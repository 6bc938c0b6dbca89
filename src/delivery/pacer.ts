// Spaces provider requests across every process that shares one Redis, so
// the provider never sees more than RESEND_RATE_LIMIT requests in any sliding
// second. BullMQ's limiter spaces job starts; the time each job then spends
// loading and rendering varies, so only a gate right before the HTTP call
// keeps the requests themselves apart.
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis/connection';
import type { BatchOptions, OutgoingEmail, SendOutcome, Transport } from './transport';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    meridianPace(key: string, intervalMs: number, now: string): Result<[number, number], Context>;
  }
}

// Decides on the Redis clock unless the caller passes its own `now` (tests
// with an injected clock), so processes on hosts with skewed clocks agree.
// Returns {1, now} when the caller may send now (and books the slot), else
// {0, milliseconds to wait before asking again}.
const PACE = `
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local interval = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if last < 0 or now - last >= interval then
  -- The expiry only tidies up: with an injected clock, real time between
  -- calls says nothing about the clock's time, so keep the key well past it.
  redis.call('SET', KEYS[1], now, 'PX', interval + 60000)
  return {1, now}
end
return {0, interval - (now - last)}
`;

/**
 * How much later than the grant a request may reach the provider, relative
 * to the requests around it, and still count in the right second: event-loop
 * stalls in our worker, the network, and the provider's own timestamping.
 * N + 1 grants span at least 1000 + this many ms, so a delay up to this size
 * on one request cannot put N + 1 of them inside one provider second.
 * The default; RESEND_JITTER_BUDGET_MS sets it. Measured on 2 busy cores in
 * tests/drip/exactly-once.test.ts (README, "Checking the suite under load").
 */
export const PACER_JITTER_BUDGET_MS = 250;

/** Grants are this far apart: N per (1000 + jitter budget) ms. */
export function pacerIntervalMs(requestsPerSecond: number, jitterBudgetMs = PACER_JITTER_BUDGET_MS): number {
  return Math.ceil((1000 + jitterBudgetMs) / requestsPerSecond);
}

/** Where the pacer reads the time and how it waits; tests inject a manual one. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PacerOptions {
  /** Decide on this clock instead of the Redis server's (default: Redis TIME and setTimeout). */
  clock?: PacerClock;
  /** Default PACER_JITTER_BUDGET_MS. */
  jitterBudgetMs?: number;
}

export class RequestPacer {
  readonly intervalMs: number;
  private readonly clock: PacerClock | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    requestsPerSecond: number,
    options: PacerOptions = {},
  ) {
    this.intervalMs = pacerIntervalMs(requestsPerSecond, options.jitterBudgetMs);
    this.clock = options.clock;
    redis.defineCommand('meridianPace', { numberOfKeys: 1, lua: PACE });
  }

  /** Resolves when this process may make one request, with the instant of the grant (pacer's clock). */
  async acquire(): Promise<number> {
    for (;;) {
      const now = this.clock ? String(Math.floor(this.clock.now())) : '';
      const [granted, value] = await this.redis.meridianPace(this.key, this.intervalMs, now);
      if (granted === 1) return value;
      await (this.clock ? this.clock.sleep(value) : new Promise((r) => setTimeout(r, value)));
    }
  }
}

/** A transport whose every call waits for the shared pacer first. */
export class PacedTransport implements Transport {
  readonly name: Transport['name'];
  readonly maxBatchSize: number;

  constructor(
    private readonly inner: Transport,
    private readonly pacer: RequestPacer,
  ) {
    this.name = inner.name;
    this.maxBatchSize = inner.maxBatchSize;
  }

  async sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]> {
    await this.pacer.acquire();
    return this.inner.sendBatch(emails, options);
  }
}
