// @fastify/session's store interface on the project's ioredis connection.
// Sessions live under PREFIX:admin:session:<id> and expire with the cookie;
// anonymous sessions (a login form's CSRF secret) expire sooner.
import type { Session } from 'fastify';
import { scanKeys, type RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';

type Callback = (err?: unknown) => void;
type CallbackSession = (err: unknown, result?: Session | null) => void;

export const ANONYMOUS_SESSION_MS = 30 * 60_000;

export class RedisSessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlMs: number,
  ) {}

  key(sessionId: string): string {
    return this.keys.scoped('admin', 'session', sessionId);
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    const ttl = session.user ? this.ttlMs : Math.min(this.ttlMs, ANONYMOUS_SESSION_MS);
    this.redis.set(this.key(sessionId), JSON.stringify(session), 'PX', ttl).then(() => callback(), callback);
  }

  get(sessionId: string, callback: CallbackSession): void {
    this.redis.get(this.key(sessionId)).then((raw) => {
      if (!raw) return callback(null, null);
      try {
        callback(null, JSON.parse(raw) as Session);
      } catch {
        callback(null, null); // a corrupt record is no session
      }
    }, callback);
  }

  destroy(sessionId: string, callback: Callback): void {
    this.redis.del(this.key(sessionId)).then(() => callback(), callback);
  }

  /** Ends every session of one admin (remove-user). SCAN (every master of a cluster), never KEYS. */
  async destroyFor(email: string): Promise<number> {
    let removed = 0;
    for (const key of await scanKeys(this.redis, this.key('*'))) {
      const raw = await this.redis.get(key);
      if (raw && (JSON.parse(raw) as { user?: string }).user === email) removed += await this.redis.del(key);
    }
    return removed;
  }
}

declare module 'fastify' {
  interface Session {
    /** The signed-in admin's address. */
    user?: string;
  }
}
