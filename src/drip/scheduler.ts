// The scheduler tick: claims what is due into send batches of up to 100
// recipients of the same step, and re-enqueues claimed batches whose job went
// missing. runClaimLoop repeats it while there is due work and room, so a
// send is never capped at one tick's worth a second; the room (claimed but
// not yet completed batches, across every scheduler) is the backpressure.
// Plain functions of their dependencies; workers/ only wires them.
import type { Logger } from 'pino';
import type { Config } from '../config';
import { resolveDue, windowApplies, type SendWindowRule } from '../scheduling/window';
import { findSequence } from '../sequences/enrolment';
import type { SubscriberStore } from '../subscribers/store';
import type { DripStore, DueEntry } from './store';

export const BATCH_SIZE = 100;

export interface TickDeps {
  drip: DripStore;
  subscribers: SubscriberStore;
  rule: SendWindowRule;
  /** Adds the send jobs for batches (one round trip); the job id is the batch id, so adding twice is harmless. */
  enqueue: (batchIds: string[]) => Promise<void>;
  /** True when a job for this batch exists in any state. */
  jobExists: (batchId: string) => Promise<boolean>;
  logger: Logger;
  /**
   * Backpressure: at most this many batches claimed but not completed (all
   * schedulers together; concurrent schedulers may overshoot by one tick's
   * claim each). A tick claims only into the room left. Default 64.
   */
  maxClaimedBatches?: number;
  /** How many batches one tick claims at most (one Lua call, one enqueue round trip). Default 20. */
  batchesPerTick?: number;
  /** Claimed batches older than this with no job are re-enqueued. */
  sweepAfterMs?: number;
}

export interface TickResult {
  claimed: number;
  batches: number;
  rescheduled: number;
  removed: number;
  swept: number;
  /** True when due work was left waiting because the claimed batches filled the room. */
  full?: true;
}

export const DEFAULT_MAX_CLAIMED_BATCHES = 64;
export const DEFAULT_BATCHES_PER_TICK = 20;

export function ruleFromConfig(config: Config): SendWindowRule {
  return {
    intervalMs: config.drip.intervalMs,
    weekday: config.drip.windowWeekday,
    hour: config.drip.windowHour,
    missedSendGraceMs: config.drip.missedSendGraceMs,
    fallbackTimeZone: config.clinic.timeZone,
  };
}

export async function runTick(deps: TickDeps, now: number): Promise<TickResult> {
  const swept = await sweep(deps, now);
  const perTick = deps.batchesPerTick ?? DEFAULT_BATCHES_PER_TICK;
  // The idle path is this one O(log n) read: the room is only looked at when something is due.
  let due = await deps.drip.due(now, perTick * BATCH_SIZE);
  const result: TickResult = { claimed: 0, batches: 0, rescheduled: 0, removed: 0, swept };
  if (due.length === 0) return result;
  const room = Math.min(perTick, (deps.maxClaimedBatches ?? DEFAULT_MAX_CLAIMED_BATCHES) - (await deps.drip.claimedCount()));
  if (room <= 0) return { ...result, full: true };
  if (due.length > room * BATCH_SIZE) {
    due = due.slice(0, room * BATCH_SIZE);
    result.full = true;
  }

  const subscribers = await deps.subscribers.getMany(due.map((d) => d.subscriberId));
  const groups = new Map<string, { sequence: string; step: string; entries: DueEntry[] }>();
  const changes: { entry: DueEntry; newScore: number | null }[] = [];

  for (const [i, entry] of due.entries()) {
    let subscriber = subscribers[i];
    const sequence = subscriber?.sequence ? findSequence(subscriber.sequence) : undefined;
    const step = sequence?.steps.find((s) => s.id === subscriber?.step);
    if (!subscriber || !sequence || !step || !subscriber.topics.includes(sequence.topic as never)) {
      changes.push({ entry, newScore: null }); // erased, finished, or left the topic
      continue;
    }
    if (subscriber.status === 'paused') {
      if (subscriber.pausedUntil !== null && subscriber.pausedUntil > now) {
        changes.push({ entry, newScore: subscriber.pausedUntil });
        continue;
      }
      // The pause is over: resume, and apply the window rule as for any late step.
      await deps.subscribers.resume(subscriber.id, 'pause-ended', { ip: null, userAgent: null }, null);
      subscriber = { ...subscriber, status: 'active' };
    }
    if (subscriber.status !== 'active') {
      changes.push({ entry, newScore: null });
      continue;
    }
    // The first step goes out at once; later ones keep to the send window.
    if (step.offset > 0) {
      const decision = resolveDue(entry.score, now, deps.rule, subscriber.timeZone);
      if (decision.action === 'reschedule') {
        changes.push({ entry, newScore: decision.due });
        continue;
      }
    }
    const key = `${sequence.id}/${step.id}`;
    const group = groups.get(key) ?? { sequence: sequence.id, step: step.id, entries: [] };
    group.entries.push(entry);
    groups.set(key, group);
  }

  const moved = await deps.drip.reschedule(changes);
  result.rescheduled = changes.filter((c) => c.newScore !== null).length;
  result.removed = changes.length - result.rescheduled;
  if (moved < changes.length) deps.logger.debug({ expected: changes.length, moved }, 'some due entries changed while being rescheduled');

  const chunks: { sequence: string; step: string; members: DueEntry[] }[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.entries.length; i += BATCH_SIZE) {
      chunks.push({ sequence: group.sequence, step: group.step, members: group.entries.slice(i, i + BATCH_SIZE) });
    }
  }
  const claimed = await deps.drip.claimMany(now, chunks);
  if (claimed.length > 0) {
    // If we crash right here, the sweep finds the claims without a job.
    await deps.enqueue(claimed.map((c) => c.batchId));
    for (const c of claimed) result.claimed += c.members;
    result.batches = claimed.length;
  }
  if (result.batches > 0) deps.logger.debug({ ...result, windowed: windowApplies(deps.rule) }, 'drip tick claimed batches');
  return result;
}

export interface ClaimLoopOptions {
  clock?: () => number;
  /** How long to wait for room when the claimed batches fill it. Default 20 ms. */
  waitMs?: number;
  /** Stop claiming (shutdown); checked between ticks. */
  stopped?: () => boolean;
  /** The loop returns after this long even with work left, so the next scheduled tick (and its sweep) runs. Default 10 s. */
  maxMs?: number;
}

/**
 * Ticks again at once while a tick claimed something or found the room full,
 * and returns when nothing is due (the recurring tick starts it again). The
 * only cap on a send's speed is then the room, which sending frees.
 */
export async function runClaimLoop(deps: TickDeps, options: ClaimLoopOptions = {}): Promise<TickResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const total: TickResult = { claimed: 0, batches: 0, rescheduled: 0, removed: 0, swept: 0 };
  for (;;) {
    const r = await runTick(deps, clock());
    total.claimed += r.claimed;
    total.batches += r.batches;
    total.rescheduled += r.rescheduled;
    total.removed += r.removed;
    total.swept += r.swept;
    const more = r.full === true || r.claimed > 0 || r.rescheduled + r.removed > 0;
    if (!more || options.stopped?.() || clock() - started >= (options.maxMs ?? 10_000)) break;
    if (r.full && r.batches === 0) await new Promise((resolve) => setTimeout(resolve, options.waitMs ?? 20));
  }
  if (total.batches > 0) deps.logger.info({ ...total, windowed: windowApplies(deps.rule) }, 'drip claim loop claimed batches');
  return total;
}

/** Re-enqueues claimed batches whose job is missing (a crash between claim and enqueue, or a lost job). */
async function sweep(deps: TickDeps, now: number): Promise<number> {
  const stale = await deps.drip.staleClaims(now - (deps.sweepAfterMs ?? 30_000));
  let swept = 0;
  for (const batchId of stale) {
    if (await deps.jobExists(batchId)) continue;
    if (!(await deps.drip.loadBatch(batchId))) {
      await deps.drip.forgetClaim(batchId);
      continue;
    }
    await deps.enqueue([batchId]);
    swept += 1;
    deps.logger.warn({ batchId }, 'claimed batch had no job: re-enqueued');
  }
  return swept;
}
