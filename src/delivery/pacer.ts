// Spaces provider requests across every process that shares one Redis, so
// the provider never sees more than RESEND_RATE_LIMIT requests in any sliding
// second. BullMQ's limiter spaces job starts; the time each job then spends
// loading and rendering varies, so only a gate right before the HTTP call
// keeps the requests themselves apart.
import type { Redis, Result } from 'ioredis';
import type { BatchOptions, OutgoingEmail, SendOutcome, Transport } from './transport';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    meridianPace(key: string, intervalMs: number): Result<number, Context>;
  }
}

// Uses the Redis clock, so processes on machines with skewed clocks agree.
// Returns 0 when the caller may send now (and books the slot), else how many
// milliseconds to wait before asking again.
const PACE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now - last >= interval then
  redis.call('SET', KEYS[1], now, 'PX', interval * 4)
  return 0
end
return interval - (now - last)
`;

/** A few ms of slack per request, so network jitter cannot make N + 1 requests land inside one second. */
export const PACER_MARGIN_MS = 5;

export class RequestPacer {
  readonly intervalMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    requestsPerSecond: number,
  ) {
    this.intervalMs = Math.ceil(1000 / requestsPerSecond) + PACER_MARGIN_MS;
    redis.defineCommand('meridianPace', { numberOfKeys: 1, lua: PACE });
  }

  /** Resolves when this process may make one request. */
  async acquire(): Promise<void> {
    for (;;) {
      const wait = await this.redis.meridianPace(this.key, this.intervalMs);
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
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
