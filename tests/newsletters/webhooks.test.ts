// Per-issue delivered, opened, clicked, bounced and complained counts come
// from Resend's webhooks, as the drip steps' counts do: the events carry the
// tags the newsletter sender put on each email (sequence=newsletter,
// step=<issue id>, send=<subscriber>_nl-<issue id>) and arrive signed at
// POST /webhooks/resend, through the whole web app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport, type RecordedEmail } from '../support/drip';
import { newsletterHarness, sampleSource, seedReaders, SAMPLE_ISSUE_FILE } from '../support/newsletter';
import { newWebhookSecret, signWebhook } from '../support/sign-webhook';

const secret = newWebhookSecret();

/** The event Resend would send about one accepted email, carrying that email's own tags. */
function eventAbout(email: RecordedEmail, type: string, extra: Record<string, unknown> = {}) {
  return {
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: `em_${Math.random().toString(36).slice(2)}`,
      to: [email.to],
      subject: email.subject,
      tags: Object.fromEntries(email.tags.map((tag) => [tag.name, tag.value])),
      ...extra,
    },
  };
}

describe('newsletter webhook counts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('nlhooks', { RESEND_WEBHOOK_SECRET: secret }, { sender: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const deliver = async (payload: unknown, id?: string) => {
    const signed = signWebhook(payload, secret, id ? { id } : {});
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: signed.body, headers: { 'content-type': 'application/json', ...signed.headers } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { message: string };
  };

  it('counts each issue from its own events, through the signed webhook route', async () => {
    const readers = await seedReaders(t.core, Array.from({ length: 4 }, (_, i) => ({ label: `hooks${i}`, timeZone: 'Europe/London' })));
    const transport = new RecordingTransport();
    const h = newsletterHarness(t.core, transport);
    const now = Date.parse('2026-12-15T10:00:00Z');
    const sentBy: Record<string, RecordedEmail[]> = {};
    for (const id of ['hooks-a', 'hooks-b']) {
      const before = transport.sent.length;
      await t.core.newsletters.save(id, sampleSource(), SAMPLE_ISSUE_FILE);
      await t.core.newsletters.schedule(id, { sendNow: true });
      await h.tick(now);
      await h.drain(now);
      sentBy[id] = transport.sent.slice(before);
    }
    const sentA = readers.map((r) => sentBy['hooks-a']!.find((e) => e.to === r.email)!);
    const sentB = readers.map((r) => sentBy['hooks-b']!.find((e) => e.to === r.email)!);
    expect(sentA.every(Boolean) && sentB.every(Boolean)).toBe(true);

    // Issue A: all four delivered, three opened, two clicked, one bounced (hard), one complained.
    for (const e of sentA) expect((await deliver(eventAbout(e, 'email.delivered'))).message).toBe('processed');
    for (const e of sentA.slice(0, 3)) await deliver(eventAbout(e, 'email.opened'));
    for (const e of sentA.slice(0, 2)) await deliver(eventAbout(e, 'email.clicked', { click: { link: 'https://clinic.example/book' } }));
    await deliver(eventAbout(sentA[2]!, 'email.bounced', { bounce: { type: 'Permanent', subType: 'General' } }));
    const complaint = eventAbout(sentA[3]!, 'email.complained');
    await deliver(complaint, 'msg_complaint_once');
    // Svix redelivers the same message: counted once.
    expect((await deliver(complaint, 'msg_complaint_once')).message).toBe('duplicate delivery ignored');
    // Issue B: one delivered.
    await deliver(eventAbout(sentB[0]!, 'email.delivered'));

    const a = await t.core.newsletters.status('hooks-a');
    expect(a.delivery).toEqual({ delivered: 4, opened: 3, clicked: 2, bounced: 1, complained: 1 });
    expect((await t.core.newsletters.status('hooks-b')).delivery).toEqual({ delivered: 1 });
    // The bounce and the complaint suppressed those readers, as for a drip email.
    expect((await t.core.store.get(readers[2]!.id))!.status).toBe('bounced');
    expect((await t.core.store.get(readers[3]!.id))!.status).toBe('complained');
    // Nothing landed on a drip step.
    expect(await t.core.redis.keys(t.core.keys.stepStats('sciatica-series', '*'))).toEqual([]);
  });
});
