// The subscriber's own time zone, end to end: the zone posted by the signup
// form decides when each later step is due and where an overdue step moves,
// not the clinic's. Weekly drip (DRIP_INTERVAL=7d), window Tuesday 09:00,
// clinic in Europe/London, readers in Los Angeles and Tokyo. Every expected
// instant is a literal worked out by hand (local time in the comment), never
// computed with the code under test.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleFromConfig, runTick, type TickDeps } from '../../src/drip/scheduler';
import { processSendBatch, type SendDeps } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import { FORM, form } from '../http/helpers';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport, SERIES } from '../support/drip';

const META = { ip: '127.0.0.1', userAgent: 'vitest' };
// Instants are in 2030, after any real clock the suite runs on, so the
// welcome (due at the real moment of confirmation) is due at the first tick.
const WELCOME_SENT = Date.parse('2030-01-10T18:30:00Z'); // Thursday; London 18:30 GMT

describe('time zones, end to end (DRIP_INTERVAL=7d, clinic in Europe/London)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      'tz',
      { DRIP_INTERVAL: '7d', SEND_WINDOW_WEEKDAY: 'tuesday', SEND_WINDOW_HOUR: '9', MISSED_SEND_GRACE: '12h', CLINIC_TIMEZONE: 'Europe/London' },
      { sender: false },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the next step is due Tuesday 09:00 in the reader’s zone, and an overdue step moves to the reader’s next window', async () => {
    // Sign up through the form with the zone the browser reports, then confirm.
    const readers = { la: 'tz-la@example.com', tokyo: 'tz-tokyo@example.com' };
    const zones = { la: 'America/Los_Angeles', tokyo: 'Asia/Tokyo' };
    const ids: Record<'la' | 'tokyo', string> = { la: '', tokyo: '' };
    for (const who of ['la', 'tokyo'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: readers[who], consent: 'yes', timeZone: zones[who] }) });
      expect(res.statusCode).toBe(303);
      const pending = (await t.core.store.findByCanonical(readers[who]))!;
      expect(pending.timeZone).toBe(zones[who]);
      expect(await t.core.service.confirm(pending, META)).toBe('confirmed');
      ids[who] = pending.id;
    }

    const drip = new DripStore(t.core.redis, t.core.keys);
    const rule = ruleFromConfig(t.config);
    const logger = pino({ level: 'silent' });
    const transport = new RecordingTransport();
    const sendDeps: SendDeps = { drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule, logger, metrics: t.core.metrics };
    const tickAndSend = async (now: number) => {
      const enqueued: string[] = [];
      const tickDeps: TickDeps = { drip, subscribers: t.core.store, rule, logger, enqueue: async (batchIds) => void enqueued.push(...batchIds), jobExists: async () => true };
      const result = await runTick(tickDeps, now);
      for (const id of enqueued) await processSendBatch(id, sendDeps, now);
      return result;
    };
    const due = async (who: 'la' | 'tokyo') => Number(await t.core.redis.zscore(t.core.keys.due, ids[who]));

    // The welcome goes out on Thursday 10 January 2030, 18:30 UTC.
    expect(await tickAndSend(WELCOME_SENT)).toMatchObject({ claimed: 2 });
    expect(transport.sent.map((e) => e.step)).toEqual(['welcome', 'welcome']);
    // Half the interval later is Monday 14 January 06:30 UTC; the next Tuesday 09:00 after that, locally:
    expect(await due('la')).toBe(Date.parse('2030-01-15T17:00:00Z')); // Tue 15 Jan 09:00 PST (UTC-8)
    expect(await due('tokyo')).toBe(Date.parse('2030-01-15T00:00:00Z')); // Tue 15 Jan 09:00 JST (UTC+9)
    // (In the clinic's zone it would have been 2030-01-15T09:00:00Z for both.)
    for (const who of ['la', 'tokyo'] as const) expect((await t.core.store.get(ids[who]))!).toMatchObject({ sequence: SERIES, step: 'mechanisms' });

    // Nothing ran for a week. The tick on Tuesday 22 January, 05:00 UTC finds
    // both steps a week overdue (beyond MISSED_SEND_GRACE) and moves each to
    // the reader's next window instead of sending at a bad local hour.
    expect(await tickAndSend(Date.parse('2030-01-22T05:00:00Z'))).toMatchObject({ claimed: 0, rescheduled: 2 });
    // In Los Angeles it is Monday 21:00: the window is later that night UTC.
    expect(await due('la')).toBe(Date.parse('2030-01-22T17:00:00Z')); // Tue 22 Jan 09:00 PST
    // In Tokyo it is already Tuesday 14:00, past the window: a week later.
    expect(await due('tokyo')).toBe(Date.parse('2030-01-29T00:00:00Z')); // Tue 29 Jan 09:00 JST
    // (The clinic's zone would have said Tue 22 Jan 09:00 GMT = 2030-01-22T09:00:00Z for both.)
    expect(transport.sent).toHaveLength(2);

    // At the Los Angeles window the step goes out to that reader only.
    expect(await tickAndSend(Date.parse('2030-01-22T17:00:00Z'))).toMatchObject({ claimed: 1 });
    expect(transport.sent.slice(2).map((e) => [e.to, e.step])).toEqual([[readers.la, 'mechanisms']]);
    expect(await due('la')).toBe(Date.parse('2030-01-29T17:00:00Z')); // Tue 29 Jan 09:00 PST
    expect(await due('tokyo')).toBe(Date.parse('2030-01-29T00:00:00Z'));
  });
});
