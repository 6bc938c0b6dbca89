// The overview's figures, gathered from the directory, the step statistics the
// webhooks keep, BullMQ and the quota alert. Shaping for display is in the page.
import { SEQUENCES, SEQUENCE_IDS } from '../content/sequences';
import { QuotaAlert, type QuotaParked } from '../delivery/quota-alert';
import { DAY_EVENTS, Directory, type DayFigures } from '../subscribers/directory';
import type { SubscriberStatus } from '../subscribers/types';
import type { AdminContext } from './context';
import type { ReactNode } from 'react';

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

/** Delivery events the funnel shows per step, as the webhooks count them. */
export const FUNNEL_METRICS = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;

export interface FunnelStep {
  step: string;
  template: string;
  subject: string;
  /** Subscribers whose next email is this step. */
  waiting: number;
  events: Record<(typeof FUNNEL_METRICS)[number], number>;
}

export interface OverviewData {
  statuses: Record<SubscriberStatus, number>;
  days: { day: string; figures: DayFigures }[];
  funnels: { sequence: string; steps: FunnelStep[] }[];
  queues: QueueHealth[];
  quotaParked: QuotaParked | null;
  panels: { heading: string; body: ReactNode }[];
}

/** The last `n` UTC days up to and including today's, oldest first. */
export function lastDays(now: number, n: number): string[] {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export async function loadOverview(ctx: AdminContext, now: number): Promise<OverviewData> {
  const { core } = ctx;
  const directory = new Directory(core.redis, core.keys, core.store);
  const days = lastDays(now, 30);
  const stepIds = SEQUENCE_IDS.flatMap((id) => SEQUENCES[id].steps.map((s) => `${id}/${s.id}`));
  const statsPipeline = core.redis.pipeline();
  for (const id of SEQUENCE_IDS) for (const s of SEQUENCES[id].steps) statsPipeline.hgetall(core.keys.stepStats(id, s.id));
  const [statuses, daily, waiting, stats, queues, quotaParked, panels] = await Promise.all([
    directory.statusCounts(),
    directory.daily(days),
    directory.stepCounts(stepIds),
    statsPipeline.exec(),
    Promise.all([ctx.queues.send, ctx.queues.scheduler].map(queueHealth)),
    new QuotaAlert(core.redis, core.keys).current(),
    Promise.all(ctx.sections.flatMap((s) => (s.overview ? [s.overview(ctx, now)] : []))),
  ]);
  let i = 0;
  const funnels = SEQUENCE_IDS.map((id) => ({
    sequence: id,
    steps: SEQUENCES[id].steps.map((s): FunnelStep => {
      const h = ((stats ?? [])[i++]?.[1] ?? {}) as Record<string, string>;
      return {
        step: s.id,
        template: s.template,
        subject: s.subject,
        waiting: waiting[`${id}/${s.id}`] ?? 0,
        events: Object.fromEntries(FUNNEL_METRICS.map((m) => [m, Number(h[m] ?? 0)])) as FunnelStep['events'],
      };
    }),
  }));
  return { statuses, days: days.map((day) => ({ day, figures: daily[day]! })), funnels, queues, quotaParked, panels };
}

async function queueHealth(queue: AdminContext['queues']['send']): Promise<QueueHealth> {
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
}

export { DAY_EVENTS };
