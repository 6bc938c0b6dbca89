// Abuse limits for signups, shared by every web process through Redis.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connection';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface SignupLimitOptions {
  /** Signups one IP address may make per hour. */
  perIpPerHour: number;
  /** Signup attempts for one canonical address per hour. */
  perAddressPerHour: number;
  /** A pending address gets a fresh confirmation email at most this often. */
  confirmationResendMs: number;
}

export const DEFAULT_SIGNUP_LIMITS: SignupLimitOptions = {
  perIpPerHour: 30,
  perAddressPerHour: 6,
  confirmationResendMs: 2 * 60_000,
};

/**
 * The per-address counter is keyed by a digest, never the address itself, so
 * no key name holds personal data; erasure deletes it (store.erase).
 */
export function addressLimitKey(rateLimitPrefix: string, canonical: string): string {
  return `${rateLimitPrefix}:addr:${addressLimitId(canonical)}`;
}

function addressLimitId(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export type LimitCheck = { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'ip' | 'address' };

export class SignupLimiter {
  private readonly byIp: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(
    redis: RedisClient,
    keyPrefix: string,
    readonly options: SignupLimitOptions = DEFAULT_SIGNUP_LIMITS,
  ) {
    this.byIp = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}:ip`, points: options.perIpPerHour, duration: 3600 });
    this.byAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:addr`,
      points: options.perAddressPerHour,
      duration: 3600,
    });
  }

  async check(ip: string, canonical: string): Promise<LimitCheck> {
    const ipResult = await this.consume(this.byIp, ip);
    if (ipResult !== null) return { ok: false, retryAfterSeconds: ipResult, scope: 'ip' };
    const addrResult = await this.consume(this.byAddress, addressLimitId(canonical));
    if (addrResult !== null) return { ok: false, retryAfterSeconds: addrResult, scope: 'address' };
    return { ok: true };
  }

  /** null when allowed, else seconds until the next attempt is allowed. */
  private async consume(limiter: RateLimiterRedis, key: string): Promise<number | null> {
    try {
      await limiter.consume(key);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err; // a Redis failure is not "too many requests"
    }
  }
}
