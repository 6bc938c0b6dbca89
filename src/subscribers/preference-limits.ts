// How often one subscriber's preferences may be changed through their link:
// enough for a person clicking about, far too few to grow the consent ledger.
import type { RedisClient } from '../redis/connection';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export const PREFERENCE_CHANGES_PER_HOUR = 20;

/** Keyed by subscriber id (no personal data in the key); erasure deletes it (store.erase). */
export function preferenceLimitKey(rateLimitPrefix: string, subscriberId: string): string {
  return `${rateLimitPrefix}:prefs:${subscriberId}`;
}

export class PreferenceLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: RedisClient, rateLimitPrefix: string, readonly perHour = PREFERENCE_CHANGES_PER_HOUR) {
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${rateLimitPrefix}:prefs`, points: perHour, duration: 3600 });
  }

  /** null when allowed, else seconds until the next change is allowed. */
  async consume(subscriberId: string): Promise<number | null> {
    try {
      await this.limiter.consume(subscriberId);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err; // a Redis failure is not "too many requests"
    }
  }
}
