// Login throttling shared by every web process: failed attempts per IP and per
// account. Success does not consume the account's budget.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connection';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimitOptions {
  /** Login attempts from one IP per 15 minutes. */
  perIpPer15Min: number;
  /** Failed logins for one account per 15 minutes before it is locked for the rest of the window. */
  failuresPerAccountPer15Min: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimitOptions = { perIpPer15Min: 30, failuresPerAccountPer15Min: 8 };

export type LoginGate = { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'ip' | 'account' };

// Key names hold a digest, never the address.
const accountKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);

export class LoginLimiter {
  private readonly byIp: RateLimiterRedis;
  private readonly byAccount: RateLimiterRedis;

  constructor(redis: RedisClient, keyPrefix: string, options: LoginLimitOptions = DEFAULT_LOGIN_LIMITS) {
    const duration = 15 * 60;
    this.byIp = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}:admin-login:ip`, points: options.perIpPer15Min, duration });
    this.byAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:admin-login:account`,
      points: options.failuresPerAccountPer15Min,
      duration,
    });
  }

  /** Every attempt costs the IP a point; a locked account refuses before the password is checked. */
  async before(ip: string, email: string): Promise<LoginGate> {
    try {
      await this.byIp.consume(ip);
    } catch (err) {
      if (err instanceof RateLimiterRes) return { ok: false, retryAfterSeconds: seconds(err), scope: 'ip' };
      throw err;
    }
    const account = await this.byAccount.get(accountKey(email));
    if (account && account.remainingPoints <= 0) return { ok: false, retryAfterSeconds: seconds(account), scope: 'account' };
    return { ok: true };
  }

  async failed(email: string): Promise<void> {
    await this.byAccount.penalty(accountKey(email), 1);
  }

  async succeeded(email: string): Promise<void> {
    await this.byAccount.delete(accountKey(email));
  }
}

const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
