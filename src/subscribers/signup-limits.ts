// Abuse limits for signups, shared by every web process through Redis.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis/connection';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    meridianSignupLimits(...args: (string | number)[]): Result<[string, number], Context>;
  }
}

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

const WINDOW_SECONDS = 3600;

/** The per-IP counter: erasure deletes those of every IP the person's consent ledger recorded (store.erase). */
export function ipLimitKey(rateLimitPrefix: string, ip: string): string {
  return `${rateLimitPrefix}:ip:${ip}`;
}

/**
 * The per-address counter is keyed by a digest, never the address itself, so
 * no key name holds personal data; erasure deletes it (store.erase).
 */
export function addressLimitKey(rateLimitPrefix: string, canonical: string): string {
  return `${rateLimitPrefix}:addr:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

export type LimitCheck = { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'ip' | 'address' };

export class SignupLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    readonly options: SignupLimitOptions = DEFAULT_SIGNUP_LIMITS,
  ) {
    // One script for both counters: a signup pays one round trip for its limits, not one per limit.
    redis.defineCommand('meridianSignupLimits', {
      numberOfKeys: 2,
      lua: readFileSync(new URL('./scripts/signup-limits.lua', import.meta.url), 'utf8'),
    });
  }

  /** Counts one attempt against the IP's limit and, when that one allows it, the address's. A Redis failure throws: it is not "too many requests". */
  async check(ip: string, canonical: string): Promise<LimitCheck> {
    const [scope, msLeft] = await this.redis.meridianSignupLimits(
      ipLimitKey(this.keyPrefix, ip),
      addressLimitKey(this.keyPrefix, canonical),
      WINDOW_SECONDS,
      this.options.perIpPerHour,
      this.options.perAddressPerHour,
    );
    if (scope === 'ok') return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(msLeft) / 1000)), scope: scope === 'ip' ? 'ip' : 'address' };
  }
}
