import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  nextStepDue,
  nextWindowAtOrAfter,
  resolveDue,
  windowApplies,
  type SendWindowRule,
} from '../../src/scheduling/window';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const rule = (overrides: Partial<SendWindowRule> = {}): SendWindowRule => ({
  intervalMs: 7 * DAY,
  weekday: 'tuesday',
  hour: 9,
  missedSendGraceMs: 12 * HOUR,
  fallbackTimeZone: 'Europe/London',
  ...overrides,
});

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('windowApplies', () => {
  it('applies from exactly one day up, not below', () => {
    expect(windowApplies(rule({ intervalMs: DAY }))).toBe(true);
    expect(windowApplies(rule({ intervalMs: DAY - 1 }))).toBe(false);
    expect(windowApplies(rule({ intervalMs: 5_000 }))).toBe(false);
  });
});

describe('nextWindowAtOrAfter: Tuesday 09:00 local', () => {
  // Thursday 2026-01-15 12:00Z: southern zones are in summer time, northern in winter time.
  it.each([
    ['Europe/London', '2026-01-20T09:00:00.000Z'], // GMT
    ['America/New_York', '2026-01-20T14:00:00.000Z'], // EST -05:00
    ['Australia/Sydney', '2026-01-19T22:00:00.000Z'], // AEDT +11:00
    ['Asia/Kolkata', '2026-01-20T03:30:00.000Z'], // IST +05:30
    ['Pacific/Chatham', '2026-01-19T19:15:00.000Z'], // +13:45 (local time is already Friday)
  ])('January in %s', (zone, expected) => {
    expect(iso(nextWindowAtOrAfter(at('2026-01-15T12:00:00Z'), rule(), zone))).toBe(expected);
  });

  // Thursday 2026-07-16 12:00Z: the seasons are reversed.
  it.each([
    ['Europe/London', '2026-07-21T08:00:00.000Z'], // BST +01:00
    ['America/New_York', '2026-07-21T13:00:00.000Z'], // EDT -04:00
    ['Australia/Sydney', '2026-07-20T23:00:00.000Z'], // AEST +10:00
    ['Asia/Kolkata', '2026-07-21T03:30:00.000Z'],
    ['Pacific/Chatham', '2026-07-20T20:15:00.000Z'], // +12:45
  ])('July in %s', (zone, expected) => {
    expect(iso(nextWindowAtOrAfter(at('2026-07-16T12:00:00Z'), rule(), zone))).toBe(expected);
  });

  it('08:59 gets the same morning, 09:00 is the window itself, 09:01 waits a week', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-01-20T08:59:00Z'), rule(), 'Europe/London'))).toBe('2026-01-20T09:00:00.000Z');
    expect(iso(nextWindowAtOrAfter(at('2026-01-20T09:00:00Z'), rule(), 'Europe/London'))).toBe('2026-01-20T09:00:00.000Z');
    expect(iso(nextWindowAtOrAfter(at('2026-01-20T09:01:00Z'), rule(), 'Europe/London'))).toBe('2026-01-27T09:00:00.000Z');
  });

  it('uses the configured weekday and hour', () => {
    // Thursday 2026-01-15 12:00Z -> Friday 16:00 New York (EST).
    const friday4pm = rule({ weekday: 'friday', hour: 16 });
    expect(iso(nextWindowAtOrAfter(at('2026-01-15T12:00:00Z'), friday4pm, 'America/New_York'))).toBe('2026-01-16T21:00:00.000Z');
  });

  it('reads the weekday on the subscriber clock, not UTC', () => {
    // Monday 2026-01-19 22:30Z is already Tuesday 09:30 in Sydney, past that window.
    expect(iso(nextWindowAtOrAfter(at('2026-01-19T22:30:00Z'), rule(), 'Australia/Sydney'))).toBe('2026-01-26T22:00:00.000Z');
  });

  it('west of UTC, a window later the same local evening is not skipped', () => {
    // 2026-01-20 01:00Z is already Tuesday in UTC but still Monday 20:00 in New York.
    const monday9pm = rule({ weekday: 'monday', hour: 21 });
    expect(iso(nextWindowAtOrAfter(at('2026-01-20T01:00:00Z'), monday9pm, 'America/New_York'))).toBe('2026-01-20T02:00:00.000Z');
  });
});

describe('time zone fallback', () => {
  const kolkataClinic = rule({ fallbackTimeZone: 'Asia/Kolkata' });
  it.each([[null], [''], ['Mars/Olympus_Mons'], ['+02:00'], ['not a zone']])('%j falls back to the clinic zone', (zone) => {
    expect(iso(nextWindowAtOrAfter(at('2026-01-15T12:00:00Z'), kolkataClinic, zone))).toBe('2026-01-20T03:30:00.000Z');
  });

  it('a valid subscriber zone wins over the clinic zone', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-01-15T12:00:00Z'), kolkataClinic, 'America/New_York'))).toBe('2026-01-20T14:00:00.000Z');
  });

  it('an invalid clinic zone is a loud error, not NaN', () => {
    expect(() => nextWindowAtOrAfter(0, rule({ fallbackTimeZone: 'Nowhere/Land' }), null)).toThrow(RangeError);
  });
});

describe('nextStepDue across DST changes (09:00 local stays 09:00 local)', () => {
  it.each([
    // Europe: summer time starts 2026-03-29, ends 2026-10-25.
    ['Europe/London', '2026-03-24T09:00:00.000Z', '2026-03-31T08:00:00.000Z'],
    ['Europe/London', '2026-10-20T08:00:00.000Z', '2026-10-27T09:00:00.000Z'],
    // US: starts 2026-03-08, ends 2026-11-01.
    ['America/New_York', '2026-03-03T14:00:00.000Z', '2026-03-10T13:00:00.000Z'],
    ['America/New_York', '2026-10-27T13:00:00.000Z', '2026-11-03T14:00:00.000Z'],
    // Sydney: ends 2026-04-05, starts 2026-10-04.
    ['Australia/Sydney', '2026-03-30T22:00:00.000Z', '2026-04-06T23:00:00.000Z'],
    ['Australia/Sydney', '2026-09-28T23:00:00.000Z', '2026-10-05T22:00:00.000Z'],
    // Chatham (+13:45 / +12:45): ends 2026-04-05, starts 2026-09-27.
    ['Pacific/Chatham', '2026-03-30T19:15:00.000Z', '2026-04-06T20:15:00.000Z'],
    ['Pacific/Chatham', '2026-09-21T20:15:00.000Z', '2026-09-28T19:15:00.000Z'],
  ])('%s: sent %s -> next %s', (zone, sent, expected) => {
    expect(iso(nextStepDue(at(sent), rule(), zone))).toBe(expected);
  });

  it('a year of weekly steps is every Tuesday 09:00 local, one per window', () => {
    let sent = at('2026-01-15T15:00:00Z'); // Thursday confirmation
    const dues: number[] = [];
    for (let step = 1; step <= 60; step++) {
      sent = nextStepDue(sent, rule(), 'America/New_York');
      dues.push(sent);
    }
    for (const due of dues) {
      const local = DateTime.fromMillis(due, { zone: 'America/New_York' });
      expect([local.weekday, local.hour, local.minute]).toEqual([2, 9, 0]);
    }
    for (let i = 1; i < dues.length; i++) {
      expect(Math.abs(dues[i]! - dues[i - 1]! - 7 * DAY)).toBeLessThanOrEqual(HOUR);
    }
    expect(iso(dues[0]!)).toBe('2026-01-20T14:00:00.000Z');
  });
});

describe('spring-forward: the window hour does not exist', () => {
  const sunday2am = rule({ weekday: 'sunday', hour: 2 });
  it('New York 02:00 on 2026-03-08 becomes 03:00 EDT', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-03-06T12:00:00Z'), sunday2am, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    // The following week 02:00 exists again (EDT).
    expect(iso(nextWindowAtOrAfter(at('2026-03-08T07:00:01Z'), sunday2am, 'America/New_York'))).toBe('2026-03-15T06:00:00.000Z');
  });

  it('London 01:00 on 2026-03-29 becomes 02:00 BST', () => {
    const sunday1am = rule({ weekday: 'sunday', hour: 1 });
    expect(iso(nextWindowAtOrAfter(at('2026-03-27T12:00:00Z'), sunday1am, 'Europe/London'))).toBe('2026-03-29T01:00:00.000Z');
  });
});

describe('fall-back: the window hour happens twice', () => {
  const sunday1am = rule({ weekday: 'sunday', hour: 1 });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('New York 01:00 on 2026-11-01 is the first occurrence (EDT)', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-10-30T12:00:00Z'), sunday1am, 'America/New_York'))).toBe('2026-11-01T05:00:00.000Z');
  });

  it('London 01:00 on 2026-10-25 is the first occurrence (BST)', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-10-23T12:00:00Z'), sunday1am, 'Europe/London'))).toBe('2026-10-25T00:00:00.000Z');
  });

  it('between the two occurrences the window has passed: next week', () => {
    expect(iso(nextWindowAtOrAfter(at('2026-11-01T05:30:00Z'), sunday1am, 'America/New_York'))).toBe('2026-11-08T06:00:00.000Z');
  });

  it('does not depend on the season the process runs in', () => {
    // Luxon's DateTime.fromObject would pick by the current offset; these rules must not.
    for (const clock of ['2026-01-10T00:00:00Z', '2026-07-10T00:00:00Z']) {
      vi.useFakeTimers({ now: at(clock) });
      expect(iso(nextWindowAtOrAfter(at('2026-10-30T12:00:00Z'), sunday1am, 'America/New_York'))).toBe('2026-11-01T05:00:00.000Z');
      vi.useRealTimers();
    }
  });
});

describe('nextStepDue: the interval/2 rule', () => {
  it('a Thursday confirmation gets step 1 the following Tuesday, not twelve days later', () => {
    expect(iso(nextStepDue(at('2026-01-15T15:00:00Z'), rule(), 'Europe/London'))).toBe('2026-01-20T09:00:00.000Z');
  });

  it('a step sent at the window gets the next week, never the same window', () => {
    expect(iso(nextStepDue(at('2026-01-20T09:00:00Z'), rule(), 'Europe/London'))).toBe('2026-01-27T09:00:00.000Z');
    // Sent late within the grace (Tuesday 20:00): still next week, not a second email that day.
    expect(iso(nextStepDue(at('2026-01-20T20:00:00Z'), rule(), 'Europe/London'))).toBe('2026-01-27T09:00:00.000Z');
  });

  it('boundary: previous + 3.5 days exactly on the window takes it, a minute later does not', () => {
    expect(iso(nextStepDue(at('2026-01-16T21:00:00Z'), rule(), 'Europe/London'))).toBe('2026-01-20T09:00:00.000Z');
    expect(iso(nextStepDue(at('2026-01-16T21:01:00Z'), rule(), 'Europe/London'))).toBe('2026-01-27T09:00:00.000Z');
  });

  it('under a day the window is ignored: previous + interval, at any hour', () => {
    const demo = rule({ intervalMs: 5_000 });
    expect(iso(nextStepDue(at('2026-01-14T03:17:00Z'), demo, 'America/New_York'))).toBe('2026-01-14T03:17:05.000Z');
    const hourly = rule({ intervalMs: HOUR });
    expect(iso(nextStepDue(at('2026-01-20T08:30:00Z'), hourly, 'Europe/London'))).toBe('2026-01-20T09:30:00.000Z');
  });

  it('a one-day interval is windowed', () => {
    expect(iso(nextStepDue(at('2026-01-19T20:00:00Z'), rule({ intervalMs: DAY }), 'Europe/London'))).toBe('2026-01-20T09:00:00.000Z');
  });
});

describe('nextStepDue: two-week interval', () => {
  const fortnightly = rule({ intervalMs: 14 * DAY });

  it('skips every other window', () => {
    expect(iso(nextStepDue(at('2026-01-20T09:00:00Z'), fortnightly, 'Europe/London'))).toBe('2026-02-03T09:00:00.000Z');
  });

  it('a Thursday confirmation gets the Tuesday twelve days later', () => {
    expect(iso(nextStepDue(at('2026-01-15T15:00:00Z'), fortnightly, 'Europe/London'))).toBe('2026-01-27T09:00:00.000Z');
  });

  it('stays two weeks across fall-back (a literal interval/2 would give one week here)', () => {
    expect(iso(nextStepDue(at('2026-10-20T08:00:00Z'), fortnightly, 'Europe/London'))).toBe('2026-11-03T09:00:00.000Z');
  });

  it('stays two weeks across spring-forward', () => {
    expect(iso(nextStepDue(at('2026-03-24T09:00:00Z'), fortnightly, 'Europe/London'))).toBe('2026-04-07T08:00:00.000Z');
  });
});

describe('resolveDue', () => {
  const due = at('2026-01-20T09:00:00Z'); // Tuesday 09:00 London

  it('sends when within the grace, up to and including its edge', () => {
    expect(resolveDue(due, due, rule(), 'Europe/London')).toEqual({ action: 'send' });
    expect(resolveDue(due, due + 11 * HOUR + 59 * 60_000, rule(), 'Europe/London')).toEqual({ action: 'send' });
    expect(resolveDue(due, due + 12 * HOUR, rule(), 'Europe/London')).toEqual({ action: 'send' });
  });

  it('past the grace it moves to the next window after now instead of firing at night', () => {
    expect(resolveDue(due, due + 12 * HOUR + 1, rule(), 'Europe/London')).toEqual({
      action: 'reschedule',
      due: at('2026-01-27T09:00:00Z'),
    });
    // Down for five days: the Tuesday after it came back.
    expect(resolveDue(due, at('2026-01-25T03:00:00Z'), rule(), 'Europe/London')).toEqual({
      action: 'reschedule',
      due: at('2026-01-27T09:00:00Z'),
    });
  });

  it('judges the grace against the subscriber zone window', () => {
    const nyDue = at('2026-01-20T14:00:00Z'); // Tuesday 09:00 EST
    // Back up at 22:00 local: 13 h late, wait for next Tuesday 09:00 EST.
    expect(resolveDue(nyDue, at('2026-01-21T03:00:00Z'), rule(), 'America/New_York')).toEqual({
      action: 'reschedule',
      due: at('2026-01-27T14:00:00Z'),
    });
  });

  it('honours a custom grace', () => {
    const strict = rule({ missedSendGraceMs: HOUR });
    expect(resolveDue(due, due + HOUR, strict, 'Europe/London')).toEqual({ action: 'send' });
    expect(resolveDue(due, due + 2 * HOUR, strict, 'Europe/London')).toEqual({ action: 'reschedule', due: at('2026-01-27T09:00:00Z') });
  });

  it('unwindowed steps are sent now however late', () => {
    expect(resolveDue(due, due + 3 * DAY, rule({ intervalMs: 5_000 }), 'Europe/London')).toEqual({ action: 'send' });
  });

  it('never sends early', () => {
    expect(resolveDue(due, due - 1, rule(), 'Europe/London')).toEqual({ action: 'reschedule', due });
    expect(resolveDue(due, due - 1, rule({ intervalMs: 5_000 }), 'Europe/London')).toEqual({ action: 'reschedule', due });
  });
});
