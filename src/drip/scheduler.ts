// The scheduler tick: claims what is due into send batches of up to 100
// recipients of the same step, and re-enqueues claimed batches whose job went
// missing. A plain function of its dependencies; workers/ only wires it.
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
  /** Adds the send job for a batch; the job id is the batch id, so adding twice is harmless. */
  enqueue: (batchId: string) => Promise<void>;
  /** True when a job for this batch exists in any state. */
  jobExists: (batchId: string) => Promise<boolean>;
  logger: Logger;
  /** How many due subscribers one tick claims at most (the rest wait for the next tick). */
  maxPerTick?: number;
  /** Claimed batches older than this with no job are re-enqueued. */
  sweepAfterMs?: number;
}

export interface TickResult {
  claimed: number;
  batches: number;
  rescheduled: number;
  removed: number;
  swept: number;
}

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
  const due = await deps.drip.due(now, deps.maxPerTick ?? 1000);
  const result: TickResult = { claimed: 0, batches: 0, rescheduled: 0, removed: 0, swept };
  if (due.length === 0) return result;

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

  for (const group of groups.values()) {
    for (let i = 0; i < group.entries.length; i += BATCH_SIZE) {
      const chunk = group.entries.slice(i, i + BATCH_SIZE);
      const batchId = await deps.drip.nextBatchId(group.sequence, group.step);
      const claimed = await deps.drip.claim(batchId, now, group.sequence, group.step, chunk);
      if (claimed.length === 0) continue;
      // If we crash right here, the sweep finds the claim without a job.
      await deps.enqueue(batchId);
      result.claimed += claimed.length;
      result.batches += 1;
    }
  }
  if (result.batches > 0) deps.logger.info({ ...result, windowed: windowApplies(deps.rule) }, 'drip tick claimed batches');
  return result;
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
    await deps.enqueue(batchId);
    swept += 1;
    deps.logger.warn({ batchId }, 'claimed batch had no job: re-enqueued');
  }
  return swept;
}
