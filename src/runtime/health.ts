// Liveness and readiness, as the web process answers them on /healthz and
// /readyz. Both answer within a second whatever Redis does: a probe that
// hangs while Redis is down, then says 200 when it is back, tells an
// orchestrator nothing.
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';

/** A probe answers within this, whatever Redis does (orchestrators often give up at 1 s). */
export const PROBE_TIMEOUT_MS = 800;

/** The key the scheduler's tick refreshes; it expires by itself when the tick stops. */
export function tickHeartbeatKey(keys: Keys): string {
  return keys.scoped('scheduler', 'heartbeat');
}

/** How long after its last run the tick counts as stopped: a few missed ticks, at least 30 s. */
export function tickStaleAfterMs(schedulerTickMs: number): number {
  return Math.max(10 * schedulerTickMs, 30_000);
}

/** Written by the tick after each run (runtime/workers.ts). Redis expires it, so machines' clocks never matter. */
export async function recordTick(redis: RedisClient, keys: Keys, schedulerTickMs: number, now: number): Promise<void> {
  await redis.set(tickHeartbeatKey(keys), new Date(now).toISOString(), 'PX', tickStaleAfterMs(schedulerTickMs));
}

export interface ReadyReport {
  ok: boolean;
  checks: { redis: 'ok' | 'unreachable'; scheduler: 'ok' | 'no recent tick' | 'unknown' };
}

export interface Health {
  /** The process runs and reaches Redis. */
  live(): Promise<boolean>;
  /** Redis answers and the scheduler's tick ran recently (drip emails are going out). */
  ready(): Promise<ReadyReport>;
}

export function createHealth(redis: RedisClient, keys: Keys, timeoutMs = PROBE_TIMEOUT_MS): Health {
  // With maxRetriesPerRequest: null, a command sent while Redis is down waits
  // for the reconnect. So a probe waits for a ready connection and the answer
  // together for at most timeoutMs, and never queues a command on a
  // connection that is not ready.
  const ask = async <T>(command: () => Promise<T>): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const answer = async (): Promise<T | undefined> => {
      if (redis.status !== 'ready') {
        if (redis.status === 'end') return undefined;
        await new Promise<void>((resolve) => {
          onReady = resolve;
          redis.once('ready', resolve);
        });
      }
      return command().catch(() => undefined);
    };
    try {
      return await Promise.race([answer(), late]);
    } finally {
      clearTimeout(timer);
      if (onReady) redis.off('ready', onReady);
    }
  };
  return {
    live: async () => (await ask(() => redis.ping())) === 'PONG',
    ready: async () => {
      const ticked = await ask(() => redis.exists(tickHeartbeatKey(keys)));
      if (ticked === undefined) return { ok: false, checks: { redis: 'unreachable', scheduler: 'unknown' } };
      return ticked === 1 ? { ok: true, checks: { redis: 'ok', scheduler: 'ok' } } : { ok: false, checks: { redis: 'ok', scheduler: 'no recent tick' } };
    },
  };
}
