// The newsletter on a real Redis with an injected clock: each reader's own
// 09:00 (DST included), zones already past go at once, who is left out,
// frozen content, cancel and reschedule without duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerField } from '../../src/newsletters/store';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport } from '../support/drip';
import { newsletterHarness, sampleSource, seedReaders, SAMPLE_ISSUE_FILE } from '../support/newsletter';

const HOUR = 3_600_000;
const ZONES = ['America/New_York', 'Europe/London', 'Asia/Tokyo'] as const;

function localClock(at: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

describe('newsletter send', () => {
  let t: TestApp;
  let clock = Date.UTC(2026, 9, 20, 12);
  beforeAll(async () => {
    t = await createTestApp('nlsend', { DRIP_INTERVAL: '7d' }, { clock: () => clock, sender: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const [label, date] of [
    ['an ordinary week', '2026-10-20'],
    // New York leaves daylight time on Sunday 1 November; London left a week earlier.
    ['the week New York changes its clocks', '2026-10-27'],
    // New York is on daylight time from 8 March, London not until 29 March.
    ['the week New York springs forward', '2026-03-10'],
  ] as const) {
    it(`reaches New York, London and Tokyo each at their own 09:00 on Tuesday, in ${label}`, async () => {
      const prefix = date.replaceAll('-', '');
      const readers = await seedReaders(
        t.core,
        ZONES.flatMap((zone, z) => Array.from({ length: 4 }, (_, i) => ({ label: `tz${prefix}z${z}r${i}`, timeZone: zone }))),
      );
      const transport = new RecordingTransport();
      const h = newsletterHarness(t.core, transport);
      const id = `tz-${prefix}`;
      clock = Date.parse(`${date}T00:00:00Z`) - 2 * 24 * HOUR;
      await t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE);
      await t.core.newsletters.schedule(id, { date, hour: 9 });
      // An hourly clock across the whole day, everywhere.
      const sentAt = new Map<string, number>();
      for (let now = clock; now < clock + 4 * 24 * HOUR; now += HOUR) {
        await h.tick(now);
        const before = transport.sent.length;
        await h.drain(now);
        for (const e of transport.sent.slice(before)) sentAt.set(e.to, now);
      }
      for (const [i, r] of readers.entries()) {
        const zone = ZONES[Math.floor(i / 4)]!;
        expect(sentAt.has(r.email), r.email).toBe(true);
        expect(localClock(sentAt.get(r.email)!, zone)).toBe(`${date}, 09:00`);
      }
      // Everyone else seeded by other tests got it too, once; the issue is sent.
      expect(new Set(transport.sent.map((e) => e.to)).size).toBe(transport.sent.length);
      const issue = await t.core.newsletters.get(id);
      expect(issue.state).toBe('sent');
      expect(issue.progress.left).toBe(0);
    });
  }

  it('sends at once to zones whose hour has passed when it is scheduled', async () => {
    const readers = await seedReaders(t.core, [
      { label: 'late-ny', timeZone: 'America/New_York' },
      { label: 'late-ldn', timeZone: 'Europe/London' },
      { label: 'late-unknown', timeZone: null }, // the clinic's zone (London)
    ]);
    const transport = new RecordingTransport();
    const h = newsletterHarness(t.core, transport);
    clock = Date.parse('2026-11-10T10:30:00Z'); // 10:30 in London, 05:30 in New York
    await t.core.newsletters.save('late', sampleSource(), SAMPLE_ISSUE_FILE);
    const { times } = await t.core.newsletters.schedule('late', { date: '2026-11-10', hour: 9 });
    expect(times.find((x) => x.zone === 'Europe/London')!.local).toMatch(/^at once/);
    expect(times.find((x) => x.zone === 'America/New_York')!.local).toMatch(/09:00/);
    await h.tick(clock);
    await h.drain(clock);
    const to = (email: string) => transport.sent.filter((e) => e.to === email).length;
    expect(to(readers[1]!.email)).toBe(1);
    expect(to(readers[2]!.email)).toBe(1);
    expect(to(readers[0]!.email)).toBe(0);
    const nyAt = Date.parse('2026-11-10T14:00:00Z');
    await h.tick(nyAt - 1);
    await h.drain(nyAt - 1);
    expect(to(readers[0]!.email)).toBe(0);
    await h.tick(nyAt);
    await h.drain(nyAt);
    expect(to(readers[0]!.email)).toBe(1);
  });

  it('leaves out paused, unsubscribed, bounced and series readers, checked again at send time', async () => {
    clock = Date.parse('2026-12-01T06:00:00Z');
    const sendAt = Date.parse('2026-12-01T09:00:00Z');
    const readers = await seedReaders(t.core, [
      { label: 'who-active', timeZone: 'Europe/London' },
      { label: 'who-series', timeZone: 'Europe/London', topics: ['sciatica-series', 'newsletter'], seriesDueAt: sendAt },
      { label: 'who-paused', timeZone: 'Europe/London' },
      { label: 'who-unsub', timeZone: 'Europe/London' },
      { label: 'who-bounced', timeZone: 'Europe/London' },
      { label: 'who-series-only', timeZone: 'Europe/London', topics: ['sciatica-series'] },
      { label: 'who-later-paused', timeZone: 'Europe/London' },
    ]);
    const meta = { ip: null, userAgent: null };
    await t.core.store.pause(readers[2]!.id, sendAt + 30 * 24 * HOUR, meta);
    await t.core.store.unsubscribe(readers[3]!.id, 'test', meta);
    await t.core.store.suppress(readers[4]!.id, 'bounced', {});
    const transport = new RecordingTransport();
    const h = newsletterHarness(t.core, transport);
    await t.core.newsletters.save('who', sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule('who', { date: '2026-12-01', hour: 9 });
    await h.tick(clock); // the scan starts where 09:00 came first; London's batch waits
    // Paused after the scan, before 09:00 London: checked again at send time.
    await t.core.store.pause(readers[6]!.id, sendAt + 30 * 24 * HOUR, meta);
    await h.tick(sendAt);
    await h.drain(sendAt);
    const got = new Set(transport.sent.map((e) => e.to));
    expect(got.has(readers[0]!.email)).toBe(true);
    for (const r of readers.slice(1)) expect(got.has(r.email), r.email).toBe(false);
    const { issue } = await t.core.newsletters.status('who');
    expect(issue.progress.skippedBy).toMatchObject({ 'series email this week': 1, paused: 1 });
    // Ledger entry for the one who got it; the email carries the issue in its tags.
    expect(Object.keys(await t.core.store.sendLedger(readers[0]!.id))).toContain(ledgerField('who'));
    const email = transport.sent.find((e) => e.to === readers[0]!.email)!;
    expect(email.tags).toEqual(expect.arrayContaining([{ name: 'sequence', value: 'newsletter' }, { name: 'step', value: 'who' }]));
    expect(email.idempotencyKey).toMatch(/^meridian-n\d+-[0-9a-f]{8}-who$/);
  });

  it('sends during the series when NEWSLETTER_DURING_SERIES=send', async () => {
    clock = Date.parse('2026-12-02T06:00:00Z');
    const [reader] = await seedReaders(t.core, [{ label: 'both', timeZone: 'Europe/London', topics: ['sciatica-series', 'newsletter'], seriesDueAt: clock }]);
    const transport = new RecordingTransport();
    const h = newsletterHarness(t.core, transport, { duringSeries: 'send' });
    await t.core.newsletters.save('both', sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule('both', { sendNow: true });
    await h.tick(clock);
    await h.drain(clock);
    expect(transport.sent.filter((e) => e.to === reader!.email)).toHaveLength(1);
  });

  it('freezes content once sending, cancels unstarted batches at once, and a reschedule sends the rest exactly once', async () => {
    clock = Date.parse('2026-12-03T06:00:00Z');
    const readers = await seedReaders(t.core, Array.from({ length: 600 }, (_, i) => ({ label: `cx${i}`, timeZone: 'Europe/London' })), 100);
    const transport = new RecordingTransport();
    const h = newsletterHarness(t.core, transport);
    const id = 'cancel-me';
    await t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE);
    // A draft can be edited.
    const edited = sampleSource().replace('title: Notes from the clinic', 'title: Notes from the clinic, December');
    await t.core.newsletters.save(id, edited, SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule(id, { sendNow: true });
    await h.tick(clock);
    expect((await t.core.newsletters.get(id)).state).toBe('sending');
    await expect(t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE)).rejects.toThrow(/content is frozen/);
    await expect(t.core.newsletters.schedule(id, { sendNow: true })).rejects.toThrow(/is sending and cannot be scheduled/);

    // Half the batches go out, then the issue is cancelled.
    const total = h.queue.length;
    expect(total).toBeGreaterThan(6);
    await h.drain(clock, 3);
    const sentBeforeCancel = transport.sent.length;
    expect(sentBeforeCancel).toBeGreaterThan(0);
    await t.core.newsletters.cancel(id);
    await h.drain(clock);
    expect(transport.sent.length).toBe(sentBeforeCancel);
    const cancelled = await t.core.newsletters.get(id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.progress.cancelled).toBeGreaterThan(0);
    await expect(t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE)).rejects.toThrow(/frozen/);

    // Rescheduled: everyone who did not get it gets it, nobody twice.
    await t.core.newsletters.schedule(id, { sendNow: true });
    for (let i = 0; i < 5; i++) {
      await h.tick(clock + i);
      await h.drain(clock + i);
    }
    const final = await t.core.newsletters.get(id);
    expect(final.state).toBe('sent');
    const counts = new Map<string, number>();
    for (const e of transport.sent) counts.set(e.to, (counts.get(e.to) ?? 0) + 1);
    for (const r of readers) expect(counts.get(r.email), r.email).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(final.progress.skippedBy['already sent']).toBe(sentBeforeCancel - (transport.sent.length - counts.size));
    expect(final.progress.sentBefore).toBe(sentBeforeCancel);
    // Every email carries the edited title: one content for the whole run.
    expect(transport.sent.every((e) => e.html.includes('Notes from the clinic, December'))).toBe(true);
  });

  it('refuses to schedule an issue with unacknowledged health claims, naming them', async () => {
    const source = sampleSource().replace('Acupuncture may ease nerve pain for some people', 'Acupuncture cures nerve pain');
    await t.core.newsletters.save('claims', source, 'newsletters/claims.md');
    await expect(t.core.newsletters.schedule('claims', { sendNow: true })).rejects.toThrow(/health claim.*"cures" line \d+.*acknowledgedClaims/);
    const acknowledged = source.replace('title: Notes from the clinic', 'title: Notes from the clinic\nacknowledgedClaims: [cure]');
    await t.core.newsletters.save('claims', acknowledged, 'newsletters/claims.md');
    clock = Date.parse('2026-12-04T06:00:00Z');
    await expect(t.core.newsletters.schedule('claims', { date: '2026-12-08' })).resolves.toBeTruthy();
    await expect(t.core.newsletters.schedule('claims', { date: '2026-12-01' })).rejects.toThrow(/has passed in every time zone/);
    await expect(t.core.newsletters.schedule('claims', { date: '2026-02-30' })).rejects.toThrow(/is not a date/);
  });
});
