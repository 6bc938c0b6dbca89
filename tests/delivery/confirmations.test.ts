// Confirmation emails as jobs on the `send` queue (issue 7 §1): the signup
// request never waits for the provider, answers the same for every kind of
// address, and the job retries until the email is out, exactly once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEND_PRIORITY } from '../../src/delivery/priority';
import { ResendTransport } from '../../src/delivery/resend';
import { CONFIRM_JOB } from '../../src/delivery/transactional';
import { startWorkers } from '../../src/runtime/workers';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/drip';
import { startFakeResend, type FakeResend } from '../support/fake-resend';
import { FORM, form, outboxMails } from '../http/helpers';

const META = { ip: null, userAgent: null };

describe('confirmations through a hanging or failing provider', () => {
  let fake: FakeResend;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeResend();
    // A short client timeout so a hung call is given up and retried within the test.
    t = await createTestApp('confhang', {}, { transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 1000 }) });
  });
  afterEach(() => fake.restoreDefaults());
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const signup = (email: string) => t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
  const mailTo = (address: string) => fake.emails().filter((e) => e.to.includes(address));

  it('answers at once while the provider hangs, and the email goes out when it comes back', async () => {
    fake.hang();
    const first = await signup('hung@example.com');
    expect(first.statusCode).toBe(202);
    expect(fake.emails()).toEqual([]);
    // The confirmation job has reached the provider, which holds it unanswered...
    await waitFor(() => fake.heldCount() > 0, 10_000, () => 'no request reached the hanging provider');
    // ...and signups still answer, the same way for a new and a known address.
    const [fresh, known] = await Promise.all([signup('hung2@example.com'), signup('hung@example.com')]);
    expect(fake.heldCount()).toBeGreaterThan(0);
    expect(fake.emails()).toEqual([]);
    for (const r of [fresh, known]) {
      expect(r.statusCode).toBe(202);
      expect(r.json()).toEqual(first.json());
    }

    fake.release();
    await waitFor(() => mailTo('hung@example.com').length > 0 && mailTo('hung2@example.com').length > 0, 20_000, () => `${fake.emails().length} emails`);
    await t.settle();
    expect(mailTo('hung@example.com')).toHaveLength(1);
    expect(mailTo('hung2@example.com')).toHaveLength(1);
    // Every attempt for one confirmation carried the same key.
    const s = (await t.core.store.findByCanonical('hung@example.com'))!;
    const keys = new Set(fake.requests().filter((r) => r.idempotencyKey?.includes(s.id)).map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
    // The second signup fell within the throttle: no new ledger entry, no second email.
    expect((await t.core.store.ledger(s.id)).map((e) => e.event)).toEqual(['signup', 'confirmation-sent']);
  }, 40_000);

  it('retries a 500 and a dropped answer under one key: one email, one ledger entry', async () => {
    fake.injectNext({ kind: 'server_error' }, { kind: 'drop_after_accept' });
    const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'flaky@example.com', consent: 'yes' }) });
    expect(res.statusCode).toBe(303);
    await waitFor(async () => (await t.core.store.ledger((await t.core.store.findByCanonical('flaky@example.com'))!.id)).length === 2, 20_000, () => 'no confirmation-sent');
    await t.settle();
    const requests = fake.requests().filter((r) => r.path === '/emails/batch');
    expect(requests.map((r) => r.outcome)).toEqual(['rejected', 'dropped_after_accept', 'replayed']);
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(mailTo('flaky@example.com')).toHaveLength(1);
  }, 30_000);
});

describe('the same answer and the same work for every kind of address', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No worker yet: the jobs stay on the queue to be looked at.
    t = await createTestApp('confsame', { WORKER_CONCURRENCY: '1' }, { sender: false });
  });
  afterAll(() => t?.close());

  it('new, pending, active, paused, unsubscribed and bounced addresses each get one job and the same answer', async () => {
    const store = t.core.store;
    const seed = async (email: string) => {
      await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
      return (await store.findByCanonical(email))!;
    };
    const pending = await seed('pending@example.com');
    const active = await seed('active@example.com');
    await t.core.service.confirm(active, META);
    const paused = await seed('paused@example.com');
    await t.core.service.confirm(paused, META);
    await store.pause(paused.id, Date.now() + 7 * 86_400_000, META);
    const unsubscribed = await seed('unsub@example.com');
    await store.unsubscribe(unsubscribed.id, 'test', META);
    const bounced = await seed('bounced@example.com');
    await store.suppress(bounced.id, 'bounced', {});
    const seeded = await t.core.sendQueue.getJobs(['prioritized', 'waiting']);

    const addresses = ['brand-new@example.com', 'pending@example.com', 'active@example.com', 'paused@example.com', 'unsub@example.com', 'bounced@example.com'];
    const answers = [];
    for (const email of addresses) {
      const before = await t.core.sendQueue.count();
      const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
      answers.push({ status: res.statusCode, body: res.body, headers: Object.keys(res.headers).sort() });
      expect(await t.core.sendQueue.count(), email).toBe(before + 1);
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(202);

    const jobs = (await t.core.sendQueue.getJobs(['prioritized', 'waiting'])).filter((j) => !seeded.some((s) => s.id === j.id));
    expect(jobs).toHaveLength(addresses.length);
    for (const job of jobs) {
      expect(job.name).toBe(CONFIRM_JOB);
      expect(job.opts.priority).toBe(SEND_PRIORITY.confirmation);
      expect(Object.keys(job.data).sort()).toEqual(['confirmationAt', 'subscriberId']);
      // Ids only: no address in job data.
      expect(JSON.stringify(job.data)).not.toContain('@');
    }

    // The jobs decide. Only three emails: the new address; the pending one
    // (its first signup's job, the second fell within the throttle); the
    // unsubscribed one (a fresh double opt-in). The seeding signups' jobs of
    // the others find them confirmed, paused or bounced, and send nothing.
    const workers = await startWorkers(t.core, { scheduler: false, sender: true });
    try {
      await t.settle();
    } finally {
      await workers.close();
    }
    const to = (await outboxMails(t)).map((m) => m.mail.to?.[0]?.address).sort();
    expect(to).toEqual(['brand-new@example.com', 'pending@example.com', 'unsub@example.com']);
    expect((await store.get(pending.id))!.status).toBe('pending');
    expect((await store.get(bounced.id))!.status).toBe('bounced');
  });

  it('a confirmation waiting behind drip and newsletter batches is sent first', async () => {
    const q = t.core.sendQueue;
    await q.add('send', { batchId: 'b-gone-1' }, { priority: SEND_PRIORITY.newsletter });
    await q.add('send', { batchId: 'b-gone-2' }, { priority: SEND_PRIORITY.drip });
    await q.add('send', { batchId: 'b-gone-3' }, { priority: SEND_PRIORITY.drip });
    await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'first@example.com', consent: true } });
    const workers = await startWorkers(t.core, { scheduler: false, sender: true });
    try {
      await t.settle();
    } finally {
      await workers.close();
    }
    // BullMQ's event stream records each job's start in order (WORKER_CONCURRENCY=1).
    const events = await t.core.redis.xrange(`${t.config.redisPrefix}:send:events`, '-', '+');
    const started = events.map(([, fields]) => Object.fromEntries(chunk(fields)) as Record<string, string>).filter((e) => e.event === 'active').map((e) => e.jobId!);
    const jobs = await Promise.all(started.map((id) => q.getJob(id)));
    const order = jobs.map((j) => (j!.name === CONFIRM_JOB ? 'confirm' : String(j!.data.batchId))).filter((n) => n === 'confirm' ? true : n.startsWith('b-gone'));
    expect(order.slice(-4)).toEqual(['confirm', 'b-gone-2', 'b-gone-3', 'b-gone-1']);
  });
});

function chunk(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
