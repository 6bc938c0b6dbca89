// Pure drip-scheduling rules. No I/O and no clock: every instant is epoch ms passed in,
// so the same inputs always give the same answer (and tests can pin exact instants).
//
// Step 0 (welcome) is sent on confirmation and never goes through these rules; every
// later step's due time comes from nextStepDue(previous step's actual send time).
import { IANAZone } from 'luxon';
import type { Weekday } from '../config';
import { isValidTimeZone } from '../subscribers/timezone';

export interface SendWindowRule {
  /** Gap between steps (DRIP_INTERVAL). */
  intervalMs: number;
  /** Window weekday in the subscriber's local time (SEND_WINDOW_WEEKDAY). */
  weekday: Weekday;
  /** Window hour, 0-23, local wall clock (SEND_WINDOW_HOUR). */
  hour: number;
  /** How late a windowed step may still go out before it waits for the next window (MISSED_SEND_GRACE). */
  missedSendGraceMs: number;
  /** Clinic zone, used when the subscriber's zone is unknown or invalid. */
  fallbackTimeZone: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HALF_WEEK_MS = 3.5 * DAY_MS;
const ISO_WEEKDAY: Record<Weekday, number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

/** Windows only make sense for day-scale drips; a 5 s demo interval must not wait for Tuesday. */
export function windowApplies(rule: SendWindowRule): boolean {
  return rule.intervalMs >= DAY_MS;
}

/**
 * The first send window (rule.weekday at rule.hour:00 local) at or after `t`, in the
 * subscriber's zone, or the clinic's when the subscriber's is missing or not an IANA name.
 *
 * DST: the window is a wall-clock time, so 09:00 stays 09:00 local across changes. An hour
 * the clock skips (spring forward) moves forward by the size of the jump (02:00 -> 03:00);
 * an hour that happens twice (fall back) is its first occurrence. This is Temporal's
 * "compatible" disambiguation. Each weekly window is exactly one instant, so once its
 * first occurrence has passed the next window is a week later.
 */
export function nextWindowAtOrAfter(t: number, rule: SendWindowRule, timeZone: string | null): number {
  const zone = zoneFor(timeZone, rule.fallbackTimeZone);
  // `t` as it reads on the local wall clock, with the UTC fields of a Date standing in for local ones.
  const local = new Date(t + zone.offset(t) * MINUTE_MS);
  const localWeekday = ((local.getUTCDay() + 6) % 7) + 1; // ISO: Monday 1 ... Sunday 7
  const daysAhead = (ISO_WEEKDAY[rule.weekday] - localWeekday + 7) % 7;
  for (let days = daysAhead; ; days += 7) {
    const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days, rule.hour);
    const instant = wallClockToInstant(wall, zone);
    if (instant >= t) return instant;
  }
}

/**
 * When the step after one sent at `previousSentAt` is due.
 *
 * Unwindowed (interval < 1 day): previous + interval, exactly.
 *
 * Windowed: the first window at or after previous + interval/2. With weekly windows and the
 * 7-day default this gives one email per window and never two in one window, and someone
 * confirming on a Thursday gets step 1 the following Tuesday rather than twelve days later.
 * Above 7 days the look-ahead is interval minus half a week instead (the larger of the two),
 * so it always lands mid-week, half a week clear of any window. Taken literally, interval/2
 * lands exactly on a window for 14 d: a step sent on time would be followed one week later
 * rather than two, and DST's hour shift would flip between 1 and 2 weeks. For intervals
 * up to 7 days (the default included) both formulas give the same time.
 */
export function nextStepDue(previousSentAt: number, rule: SendWindowRule, timeZone: string | null): number {
  if (!windowApplies(rule)) return previousSentAt + rule.intervalMs;
  const lookAhead = Math.max(rule.intervalMs / 2, rule.intervalMs - HALF_WEEK_MS);
  return nextWindowAtOrAfter(previousSentAt + lookAhead, rule, timeZone);
}

/**
 * What to do with a step whose job fires at `now`.
 * - Early (now < due, e.g. clock skew between hosts): wait for `due`; never send ahead of time.
 * - Unwindowed: send, however late (demo/test intervals have no window to protect).
 * - Windowed and at most missedSendGraceMs late: send now.
 * - Windowed and later than that (the system was down): move to the next window after `now`
 *   rather than emailing someone in the middle of their night.
 */
export function resolveDue(
  due: number,
  now: number,
  rule: SendWindowRule,
  timeZone: string | null,
): { action: 'send' } | { action: 'reschedule'; due: number } {
  if (now < due) return { action: 'reschedule', due };
  if (!windowApplies(rule) || now - due <= rule.missedSendGraceMs) return { action: 'send' };
  return { action: 'reschedule', due: nextWindowAtOrAfter(now, rule, timeZone) };
}

function zoneFor(timeZone: string | null, fallback: string): IANAZone {
  const name = isValidTimeZone(timeZone) ? timeZone : fallback;
  const zone = IANAZone.create(name);
  // Config validates CLINIC_TIMEZONE, so an invalid fallback is a programming error: fail
  // loudly instead of scheduling at NaN.
  if (!zone.isValid) throw new RangeError(`Unknown time zone "${name}"`);
  return zone;
}

/**
 * The instant at which `zone`'s wall clock reads `wall` (local fields encoded as UTC ms).
 * Luxon's DateTime.fromObject is not used because it resolves ambiguous times by guessing
 * from the *current* offset, so the answer would depend on the season the code runs in.
 */
function wallClockToInstant(wall: number, zone: IANAZone): number {
  // Offsets a day either side bracket any single transition near `wall`.
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  const valid = [before, after]
    .map((offset) => ({ offset, instant: wall - offset * MINUTE_MS }))
    .filter(({ offset, instant }) => zone.offset(instant) === offset)
    .map(({ instant }) => instant);
  // Ambiguous (two valid instants): take the earlier one. In a gap (none valid): read `wall`
  // with the pre-jump offset, which lands the same distance past the jump.
  return valid.length > 0 ? Math.min(...valid) : wall - before * MINUTE_MS;
}

/**
 * The instant a wall clock reads `date` (YYYY-MM-DD) at `hour`:00 in `timeZone` (the fallback
 * when unknown), with the same DST rules as the drip's windows. Used by the newsletter, whose
 * readers each get an issue at the same local hour on its date.
 */
export function localHourOnDate(date: string, hour: number, timeZone: string | null, fallbackTimeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`Expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return wallClockToInstant(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour), zoneFor(timeZone, fallbackTimeZone));
}
