// The overview's figures, read from Redis and BullMQ. Pure shaping lives in
// the page; this module only gathers.
import type { AdminContext } from './context';

export interface QueueHealth {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  prioritized: number;
  /** Milliseconds left on a provider 429 back-off (queue.rateLimit), 0 when none. */
  rateLimitedForMs: number;
  paused: boolean;
}

export interface OverviewData {
  queues: QueueHealth[];
}

export async function loadOverview(ctx: AdminContext, _now: number): Promise<OverviewData> {
  const queues = await Promise.all(
    [ctx.queues.send, ctx.queues.scheduler].map(async (queue): Promise<QueueHealth> => {
      const [counts, ttl, paused] = await Promise.all([
        queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
        queue.getRateLimitTtl(),
        queue.isPaused(),
      ]);
      return {
        name: queue.name,
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        prioritized: counts.prioritized ?? 0,
        rateLimitedForMs: Math.max(0, ttl),
        paused,
      };
    }),
  );
  return { queues };
}
