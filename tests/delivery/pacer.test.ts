// The shared request pacer: however many processes ask at once, grants are
// at least one interval apart, so no sliding second holds more than the rate.
import { afterAll, describe, expect, it } from 'vitest';
import { PacedTransport, PACER_MARGIN_MS, RequestPacer } from '../../src/delivery/pacer';
import type { OutgoingEmail, Transport } from '../../src/delivery/transport';
import { testRedis, uniquePrefix } from '../support/redis';

const clients = [testRedis(), testRedis(), testRedis()];
afterAll(() => clients.forEach((c) => c.disconnect()));

describe('RequestPacer', () => {
  it('spaces grants across separate connections (processes) by 1000/rate ms', async () => {
    const key = `${uniquePrefix('pace')}:pace`;
    const pacers = clients.map((c) => new RequestPacer(c, key, 20));
    expect(pacers[0]!.intervalMs).toBe(50 + PACER_MARGIN_MS);
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        await pacers[i % pacers.length]!.acquire();
        granted.push(performance.now());
      }),
    );
    granted.sort((a, b) => a - b);
    const gaps = granted.slice(1).map((t, i) => t - granted[i]!);
    // Timer resolution on a busy machine can shave a millisecond off a local
    // measurement; the Redis clock decides, and it allows no less than the interval.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
    let maxInSecond = 0;
    for (let i = 0; i < granted.length; i++) maxInSecond = Math.max(maxInSecond, granted.filter((t) => t >= granted[i]! && t < granted[i]! + 1000).length);
    expect(maxInSecond).toBeLessThanOrEqual(20);
  });

  it('PacedTransport waits for the pacer before every call and passes results through', async () => {
    const calls: number[] = [];
    const inner: Transport = {
      name: 'resend',
      maxBatchSize: 100,
      sendBatch: async (emails) => {
        calls.push(performance.now());
        return emails.map(() => ({ ok: true as const, providerId: 'id' }));
      },
    };
    const paced = new PacedTransport(inner, new RequestPacer(clients[0]!, `${uniquePrefix('pace2')}:pace`, 10));
    const email = { to: 'a@example.org' } as OutgoingEmail;
    const results = await Promise.all([1, 2, 3].map((n) => paced.sendBatch([email], { idempotencyKey: `k${n}` })));
    expect(results.flat()).toHaveLength(3);
    expect(paced.name).toBe('resend');
    calls.sort((a, b) => a - b);
    expect(calls[2]! - calls[0]!).toBeGreaterThanOrEqual(2 * 100);
  });
});
