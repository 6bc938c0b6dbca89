// POST /webhooks/resend through the whole web app (app.inject), with the
// real store on Redis: verification, de-duplication, suppression, counting.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ruleFromConfig, runTick } from '../../src/drip/scheduler';
import { processSendBatch, sendTag } from '../../src/drip/sender';
import { DripStore } from '../../src/drip/store';
import { createTestApp, type TestApp } from '../support/app';
import { RecordingTransport, seedSubscribers, SERIES } from '../support/drip';
import { newWebhookSecret, signatureFor, signWebhook } from '../support/sign-webhook';

const secret = newWebhookSecret();

function event(type: string, subscriberId: string, step: string, extra: Record<string, unknown> = {}) {
  return {
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: `em_${Math.random().toString(36).slice(2)}`,
      to: ['someone@example.com'],
      tags: { sequence: SERIES, step, send: sendTag(subscriberId, step) },
      ...extra,
    },
  };
}

describe('POST /webhooks/resend', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('webhooks', { RESEND_WEBHOOK_SECRET: secret, DRIP_INTERVAL: '1s' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (body: string, headers: Record<string, string>, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: body, headers: { 'content-type': contentType, ...headers } });
  const postSigned = (payload: unknown, opts: Parameters<typeof signWebhook>[2] = {}) => {
    const signed = signWebhook(payload, secret, opts);
    return post(signed.body, signed.headers);
  };
  const stats = async (step: string) => t.core.redis.hgetall(t.core.keys.stepStats(SERIES, step));

  it('rejects unsigned, forged and stale deliveries with 401 and changes nothing', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'reject' });
    const payload = event('email.bounced', s!.id, 'welcome', { bounce: { type: 'Permanent' } });
    const body = JSON.stringify(payload);

    expect((await post(body, {})).statusCode).toBe(401);
    const signed = signWebhook(payload, secret);
    expect((await post(body, { 'svix-id': signed.headers['svix-id'], 'svix-timestamp': signed.headers['svix-timestamp'] })).statusCode).toBe(401);
    // Signed with another secret; or a body changed after signing.
    const other = signWebhook(payload, newWebhookSecret());
    expect((await post(other.body, other.headers)).statusCode).toBe(401);
    expect((await post(body.replace('Permanent', 'Transient'), signed.headers)).statusCode).toBe(401);
    // Correctly signed, ten minutes ago (and ten minutes ahead).
    const stale = signWebhook(payload, secret, { timestamp: new Date(Date.now() - 10 * 60_000) });
    expect((await post(stale.body, stale.headers)).statusCode).toBe(401);
    const future = signWebhook(payload, secret, { timestamp: new Date(Date.now() + 10 * 60_000) });
    expect((await post(future.body, future.headers)).statusCode).toBe(401);
    // Garbage signature headers.
    expect((await post(body, { 'svix-id': 'x', 'svix-timestamp': 'soon', 'svix-signature': 'v1,AAAA' })).statusCode).toBe(401);

    expect((await t.core.store.get(s!.id))!.status).toBe('active');
    expect(await stats('welcome')).toEqual({});
  });

  it('refuses garbage and oversized bodies without a 5xx', async () => {
    // Signed, but not JSON / not an event.
    for (const body of ['not json at all', '[1,2,3]', '{"type":"email.delivered"}', '']) {
      const id = `msg_garbage${Math.random().toString(36).slice(2)}`;
      const ts = Math.floor(Date.now() / 1000);
      const res = await post(body, { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': signatureFor(secret, id, ts, body) });
      // Correctly signed, so it is not an authentication failure: the body itself is bad.
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ ok: false });
    }
    const big = signWebhook({ type: 'email.delivered', data: { pad: 'x'.repeat(300 * 1024) } }, secret);
    expect((await post(big.body, big.headers)).statusCode).toBe(413);
    // Unusual content types still reach verification (the signature covers the raw bytes).
    const text = signWebhook(event('email.delivered', 'nobody', 'lasting-effects'), secret);
    expect((await post(text.body, text.headers, 'text/plain')).statusCode).toBe(200);
    const binary = await post('\u0000\u0001\u0002', {}, 'application/octet-stream');
    expect(binary.statusCode).toBe(401);
  });

  it('counts delivered/opened/clicked per step, once per svix-id', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'count' });
    const delivered = signWebhook(event('email.delivered', s!.id, 'mechanisms'), secret);
    expect((await post(delivered.body, delivered.headers)).statusCode).toBe(200);
    // Replayed (Resend redelivers with the same svix-id): 200, processed once.
    const again = await post(delivered.body, delivered.headers);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ ok: true, message: 'duplicate delivery ignored' });
    // The same message re-signed later (same id, new timestamp) is still a duplicate.
    const resigned = signWebhook(event('email.delivered', s!.id, 'mechanisms'), secret, { id: delivered.headers['svix-id'] });
    expect((await post(resigned.body, resigned.headers)).statusCode).toBe(200);

    expect((await postSigned(event('email.opened', s!.id, 'mechanisms'))).statusCode).toBe(200);
    expect((await postSigned(event('email.opened', s!.id, 'mechanisms'))).statusCode).toBe(200);
    expect((await postSigned(event('email.clicked', s!.id, 'mechanisms'))).statusCode).toBe(200);
    expect((await postSigned(event('email.delivered', s!.id, 'welcome'))).statusCode).toBe(200);
    expect(await stats('mechanisms')).toEqual({ delivered: '1', opened: '2', clicked: '1' });
    expect(await stats('welcome')).toEqual({ delivered: '1' });
    // Counting never changes the subscriber.
    expect((await t.core.store.get(s!.id))!.status).toBe('active');
  });

  it('a permanent bounce suppresses (ledger entry), a complaint too; a transient bounce only counts', async () => {
    const [bounced, complained, transient] = await seedSubscribers(t.core, 3, { label: 'suppress' });
    const bounce = signWebhook(event('email.bounced', bounced!.id, 'welcome', { bounce: { type: 'Permanent', subType: 'General' } }), secret);
    expect((await post(bounce.body, bounce.headers)).statusCode).toBe(200);
    expect((await post(bounce.body, bounce.headers)).statusCode).toBe(200);
    expect((await postSigned(event('email.complained', complained!.id, 'welcome'))).statusCode).toBe(200);
    expect((await postSigned(event('email.bounced', transient!.id, 'welcome', { bounce: { type: 'Transient' } }))).statusCode).toBe(200);

    expect((await t.core.store.get(bounced!.id))!.status).toBe('bounced');
    expect((await t.core.store.get(complained!.id))!.status).toBe('complained');
    expect((await t.core.store.get(transient!.id))!.status).toBe('active');
    const ledger = await t.core.store.ledger(bounced!.id);
    const entries = ledger.filter((e) => (e as { event?: string }).event === 'bounced' || JSON.stringify(e).includes('"bounced"'));
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries[0])).toContain(bounce.headers['svix-id']);
    expect(JSON.stringify(await t.core.store.ledger(complained!.id))).toContain('complained');
    expect(await t.core.redis.zscore(t.core.keys.due, bounced!.id)).toBeNull();
    expect(await stats('welcome')).toMatchObject({ bounced: '1', complained: '1', bounced_transient: '1' });
  });

  it('a bounce whose processing failed is processed when Resend redelivers it with the same svix-id', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'redeliver' });
    const step = 'medication-free-relief'; // no other test counts on this step
    const first = signWebhook(event('email.bounced', s!.id, step, { bounce: { type: 'Permanent', subType: 'General' } }), secret);
    const webhookId = first.headers['svix-id'];
    const suppress = vi.spyOn(t.core.store, 'suppress').mockRejectedValueOnce(new Error('Redis connection lost'));
    onTestFinished(() => suppress.mockRestore());

    // The store fails: a 5xx tells Resend to deliver again later, and nothing changed.
    const failed = await post(first.body, first.headers);
    expect(failed.statusCode).toBe(500);
    expect((await t.core.store.get(s!.id))!.status).toBe('active');
    expect(await stats(step)).toEqual({});

    // Resend redelivers the same message: same id and body, signed again later.
    const redelivery = signWebhook(first.body, secret, { id: webhookId, timestamp: new Date(Date.now() + 1000) });
    const res = await post(redelivery.body, redelivery.headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, message: 'processed' });
    expect(suppress).toHaveBeenCalledTimes(2);
    expect((await t.core.store.get(s!.id))!.status).toBe('bounced');
    expect(await t.core.redis.zscore(t.core.keys.due, s!.id)).toBeNull();
    const bounced = (await t.core.store.ledger(s!.id)).filter((e) => e.event === 'bounced');
    expect(bounced).toHaveLength(1);
    expect(bounced[0]).toMatchObject({ source: 'webhook', detail: { event: 'email.bounced', webhookId } });
    expect(await stats(step)).toEqual({ bounced: '1' });

    // Once processed, a third delivery of the same id is a duplicate.
    const third = await post(redelivery.body, redelivery.headers);
    expect(third.json()).toEqual({ ok: true, message: 'duplicate delivery ignored' });
    expect(suppress).toHaveBeenCalledTimes(2);
  });

  it('a suppressed subscriber receives nothing more, even from a batch claimed before the event', async () => {
    // Its own prefix: the other tests' subscribers are due too.
    const t = await createTestApp('nomore', { RESEND_WEBHOOK_SECRET: secret, DRIP_INTERVAL: '1s' });
    onTestFinished(() => t.close());
    const postSigned = (payload: unknown) => {
      const signed = signWebhook(payload, secret);
      return t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: signed.body, headers: { 'content-type': 'application/json', ...signed.headers } });
    };
    const [keep, bounceLater, complainLater] = await seedSubscribers(t.core, 3, { label: 'nomore' });
    const drip = new DripStore(t.core.redis, t.core.keys);
    const rule = ruleFromConfig(t.config);
    const logger = pino({ level: 'silent' });
    const transport = new RecordingTransport();
    const sendDeps = { drip, subscribers: t.core.store, transport, renderContext: t.core.renderContext, from: t.config.emailFrom, rule, logger, metrics: t.core.metrics };
    const tickDeps = (enqueued: string[]) => ({ drip, subscribers: t.core.store, rule, logger, enqueue: async (ids: string[]) => void enqueued.push(...ids), jobExists: async () => true });

    // Welcome to all three.
    const first: string[] = [];
    await runTick(tickDeps(first), Date.now());
    for (const id of first) await processSendBatch(id, sendDeps, Date.now());
    expect(transport.sent.map((e) => e.to).sort()).toEqual([keep!.email, bounceLater!.email, complainLater!.email].sort());

    // The next step is claimed, then the provider reports a bounce and a complaint.
    const second: string[] = [];
    await runTick(tickDeps(second), Date.now() + 2000);
    expect(second).toHaveLength(1);
    const bounce = transport.sent.find((e) => e.to === bounceLater!.email)!;
    const tag = (name: string) => bounce.tags.find((x) => x.name === name)!.value;
    expect((await postSigned({ type: 'email.bounced', data: { email_id: 'e1', tags: { sequence: tag('sequence'), step: tag('step'), send: tag('send') }, bounce: { type: 'Permanent' } } })).statusCode).toBe(200);
    const complaint = transport.sent.find((e) => e.to === complainLater!.email)!;
    expect((await postSigned({ type: 'email.complained', data: { email_id: 'e2', tags: complaint.tags } })).statusCode).toBe(200);

    await processSendBatch(second[0]!, sendDeps, Date.now() + 2000);
    // Even if something put them back in the due index, ticks drop them.
    await t.core.redis.zadd(t.core.keys.due, Date.now(), bounceLater!.id, Date.now(), complainLater!.id);
    for (let i = 0; i < 4; i++) {
      const more: string[] = [];
      await runTick(tickDeps(more), Date.now() + 3000 * (i + 2));
      for (const id of more) await processSendBatch(id, sendDeps, Date.now() + 3000 * (i + 2));
    }
    expect(transport.to(bounceLater!.email).map((e) => e.step)).toEqual(['welcome']);
    expect(transport.to(complainLater!.email).map((e) => e.step)).toEqual(['welcome']);
    expect(transport.to(keep!.email).map((e) => e.step)).toEqual(['welcome', 'mechanisms', 'medication-free-relief', 'lasting-effects']);
    expect(await t.core.redis.zscore(t.core.keys.due, bounceLater!.id)).toBeNull();
  });
});

describe('POST /webhooks/resend without RESEND_WEBHOOK_SECRET', () => {
  it('answers 503, not 200, so the provider retries later', async () => {
    const t = await createTestApp('nowebhook');
    try {
      const signed = signWebhook({ type: 'email.delivered', data: {} }, newWebhookSecret());
      const res = await t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: signed.body, headers: { 'content-type': 'application/json', ...signed.headers } });
      expect(res.statusCode).toBe(503);
    } finally {
      await t.close();
    }
  });
});
