// Someone signs up and confirms in the middle of a 20,000-reader newsletter
// send. Their confirmation email and their welcome must reach the provider
// before every newsletter batch that was still queued when each was queued:
// BullMQ priorities on the one send queue (src/delivery/priority.ts), one
// limiter and one Redis pacer for all three kinds. Checked by the order in
// which the fake provider accepted the emails, never by a stopwatch.
//
// One send job at a time (WORKER_CONCURRENCY=1), so the order jobs are taken
// in is the order their requests reach the provider; with more, a batch taken
// just after the welcome could overtake it on the wire, which would say
// nothing about the queue. RESEND_RATE_LIMIT=10 keeps about 200 batches
// queued for the whole exchange.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacedTransport, RequestPacer } from '../../src/delivery/pacer';
import { ResendTransport } from '../../src/delivery/resend';
import { Keys } from '../../src/redis/keys';
import { DRIP_JOB, NEWSLETTER_JOB, startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/drip';
import { startFakeResend, type AcceptedEmail, type FakeResend } from '../support/fake-resend';
import { sampleSource, seedReaders, SAMPLE_ISSUE_FILE } from '../support/newsletter';
import { testRedisUrl, uniquePrefix } from '../support/redis';

const READERS = 20_000;
const RATE = 10;
const ISSUE = 'priority';
const PERSON = 'jumps-the-queue@example.com';

describe('confirmation and welcome jump a newsletter send', () => {
  let fake: FakeResend;
  let pacerRedis: Redis;
  let t: TestApp;
  let workers: WorkerSet | undefined;

  beforeAll(async () => {
    fake = await startFakeResend({ maxLogEntries: 50_000 });
    const prefix = uniquePrefix('nlprio');
    pacerRedis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    // The transport production builds (src/runtime/compose.ts): Resend behind the shared Redis pacer.
    const transport = new PacedTransport(
      new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url }),
      new RequestPacer(pacerRedis, new Keys(prefix).scoped('resend', 'pace'), RATE),
    );
    t = await createTestApp(
      'nlprio',
      { REDIS_PREFIX: prefix, RESEND_RATE_LIMIT: String(RATE), WORKER_CONCURRENCY: '1', SCHEDULER_TICK: '200ms', DRIP_INTERVAL: '7d' },
      { transport, sender: false },
    );
  });
  afterAll(async () => {
    await workers?.close();
    await t?.close();
    await pacerRedis?.quit();
    await fake?.stop();
  });

  /** Newsletter batch jobs waiting in the queue right now (not yet taken by a worker). */
  const queuedBatches = async (queue: WorkerSet['sendQueue']) =>
    (await queue.getJobs(['prioritized', 'wait'], 0, -1)).filter((j) => j?.name === NEWSLETTER_JOB).map((j) => j.id!);

  /** Where each email sits in the provider's order of acceptance. */
  const position = (emails: AcceptedEmail[], match: (e: AcceptedEmail) => boolean) => emails.findIndex(match);

  it(`sends them ahead of every newsletter batch still queued, by the provider's order`, async () => {
    await seedReaders(t.core, Array.from({ length: READERS }, (_, i) => ({ label: `prio${i}`, timeZone: 'Europe/London' })), 200);
    await t.core.newsletters.save(ISSUE, sampleSource(), SAMPLE_ISSUE_FILE);
    await t.core.newsletters.schedule(ISSUE, { sendNow: true });
    workers = await startWorkers(t.core, { scheduler: true, sender: true });
    const queue = workers.sendQueue;
    const newsletterEmails = () => fake.emails().filter((e) => e.tags.some((tag) => tag.name === 'step' && tag.value === ISSUE));

    // Mid-send: batches have reached the provider and a couple of hundred wait.
    await waitFor(
      async () => newsletterEmails().length >= 300 && (await queuedBatches(queue)).length >= 100,
      120_000,
      async () => `${newsletterEmails().length} newsletter emails accepted, ${(await queuedBatches(queue)).length} batches queued`,
    );

    // 1. They sign up: the confirmation job is on the queue when the answer comes.
    const signup = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: PERSON, consent: true } });
    expect(signup.statusCode).toBe(202);
    const queuedAtSignup = await queuedBatches(queue);
    expect(queuedAtSignup.length).toBeGreaterThanOrEqual(50);
    await waitFor(() => fake.emails().some((e) => e.to.includes(PERSON)), 60_000, () => 'the confirmation email');
    const confirmation = fake.emails().find((e) => e.to.includes(PERSON))!;
    const token = /\/confirm\/([A-Za-z0-9._~-]+)/.exec(confirmation.html ?? '')?.[1];
    expect(token).toBeTruthy();

    // 2. They confirm: the welcome is due at once, and the next drip tick queues it.
    const confirmed = await t.app.inject({ method: 'POST', url: `/confirm/${token}` });
    expect(confirmed.statusCode).toBe(200);
    const subscriberId = (await t.core.store.findByCanonical(PERSON))!.id;
    const welcomeJobQueued = async () =>
      (await queue.getJobs(['prioritized', 'wait', 'active', 'completed'], 0, -1)).some((j) => j?.name === DRIP_JOB);
    await waitFor(welcomeJobQueued, 60_000, () => 'the welcome batch job');
    // Read after the welcome's job exists: every batch still waiting now was queued together with it.
    const queuedAtWelcome = await queuedBatches(queue);
    expect(queuedAtWelcome.length).toBeGreaterThanOrEqual(20);

    // Until the welcome and a few of those batches have been accepted, so the order below is observed, not assumed.
    const waitingKeys = new Set(queuedAtWelcome.map((id) => `meridian-${id}`));
    await waitFor(
      () => fake.emails().some((e) => e.to.includes(PERSON) && e.tags.some((tag) => tag.name === 'step' && tag.value === 'welcome')) &&
        new Set(fake.emails().filter((e) => waitingKeys.has(e.idempotencyKey ?? '')).map((e) => e.idempotencyKey)).size >= 3,
      120_000,
      () => `${fake.emails().filter((e) => e.to.includes(PERSON)).length} emails to the person accepted`,
    );
    // The rest of the send is not needed.
    if ((await t.core.newsletters.get(ISSUE)).state === 'sending') await t.core.newsletters.cancel(ISSUE);

    const accepted = fake.emails();
    const confirmationAt = position(accepted, (e) => e.id === confirmation.id);
    const welcomeAt = position(accepted, (e) => e.to.includes(PERSON) && e.tags.some((tag) => tag.name === 'step' && tag.value === 'welcome'));
    expect(welcomeAt).toBeGreaterThan(confirmationAt);
    const firstOf = (batchIds: string[]) => {
      const keys = new Set(batchIds.map((id) => `meridian-${id}`));
      return position(accepted, (e) => keys.has(e.idempotencyKey ?? ''));
    };
    // Batches still queued at each moment that had reached the provider by the end.
    const reached = (batchIds: string[]) => batchIds.filter((id) => accepted.some((e) => e.idempotencyKey === `meridian-${id}`));
    expect(reached(queuedAtSignup).length).toBeGreaterThanOrEqual(3);
    expect(reached(queuedAtWelcome).length).toBeGreaterThanOrEqual(3);
    expect(confirmationAt).toBeLessThan(firstOf(reached(queuedAtSignup)));
    expect(welcomeAt).toBeLessThan(firstOf(reached(queuedAtWelcome)));
    // The confirmation was the person's own, the welcome carries their send tag.
    expect(accepted[welcomeAt]!.tags).toEqual(expect.arrayContaining([{ name: 'send', value: expect.stringContaining(subscriberId) }]));
    console.log(
      'priority figures',
      JSON.stringify({
        readers: READERS,
        newsletterEmailsBeforeSignup: accepted.slice(0, confirmationAt).filter((e) => e.tags.some((tag) => tag.value === ISSUE)).length,
        queuedAtSignup: queuedAtSignup.length,
        queuedAtWelcome: queuedAtWelcome.length,
        confirmationAt,
        welcomeAt,
      }),
    );
  }, 300_000);
});
