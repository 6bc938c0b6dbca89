// Who gets an issue, and when: pure rules, no I/O, every instant passed in.
import { localHourOnDate } from '../scheduling/window';
import type { Subscriber } from '../subscribers/types';

export const NEWSLETTER_TOPIC = 'newsletter';

/** The zones where a date's hour comes first and last (UTC+14 and UTC-12). */
const EARLIEST_ZONE = 'Pacific/Kiritimati';
const LATEST_ZONE = 'Etc/GMT+12';

export interface IssueTiming {
  date: string;
  hour: number;
  sendNow: boolean;
}

/** When a reader in `timeZone` gets the issue: the hour on the date in their zone, or at once. */
export function readerSendAt(timing: IssueTiming, timeZone: string | null, clinicTimeZone: string, now: number): number {
  if (timing.sendNow) return now;
  return Math.max(0, localHourOnDate(timing.date, timing.hour, timeZone, clinicTimeZone));
}

/** The first moment anyone anywhere is due: the audience scan starts then. */
export function earliestSendAt(timing: IssueTiming, now: number): number {
  return timing.sendNow ? now : localHourOnDate(timing.date, timing.hour, EARLIEST_ZONE, EARLIEST_ZONE);
}

/** True when the hour has passed on that date in every zone on earth: too late to schedule for it. */
export function dateIsOver(timing: IssueTiming, now: number): boolean {
  return !timing.sendNow && localHourOnDate(timing.date, timing.hour, LATEST_ZONE, LATEST_ZONE) < now;
}

export type DuringSeries = 'skip' | 'send';

export interface ReaderContext {
  /** The instant this reader's batch is meant for. */
  sendAt: number;
  /** NEWSLETTER_DURING_SERIES. */
  duringSeries: DuringSeries;
  /** The drip interval: one marketing email per window of this length. */
  windowMs: number;
}

export interface SeriesState {
  /** When their next series email is due (their score in the due index), or null when none is waiting. */
  dueAt: number | null;
  /** True while a drip batch holds them (their step is being sent right now). */
  inDripBatch: boolean;
}

/**
 * Whether a reader gets the issue, checked at send time like the drip: only
 * active readers with the newsletter topic, and (with `skip`) at most one
 * marketing email per send window: not when a series email is due within half
 * a window either side, nor when one went out within the last half window.
 */
export function readerDecision(s: Subscriber | null, series: SeriesState, ctx: ReaderContext): { send: true } | { send: false; why: string } {
  if (!s) return { send: false, why: 'erased' };
  if (s.status !== 'active') return { send: false, why: s.status };
  if (!s.topics.includes(NEWSLETTER_TOPIC as never)) return { send: false, why: 'left the newsletter' };
  if (ctx.duringSeries === 'skip') {
    const half = ctx.windowMs / 2;
    if (s.sequence !== null && (series.inDripBatch || (series.dueAt !== null && Math.abs(series.dueAt - ctx.sendAt) < half))) {
      return { send: false, why: 'series email this week' };
    }
    if (s.lastSentAt !== null && ctx.sendAt - s.lastSentAt < half && ctx.sendAt >= s.lastSentAt) {
      return { send: false, why: 'series email this week' };
    }
  }
  return { send: true };
}

/** Fan-out's cheap first filter, on the three fields it reads per reader. */
export function inAudience(status: string | null, topics: string | null): boolean {
  return status === 'active' && (topics ?? '').split(',').includes(NEWSLETTER_TOPIC);
}
