import pino from 'pino';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendTag } from '../../src/drip/sender';
import { handleResendWebhook, type WebhookDeps } from '../../src/webhooks/handler';
import { createWebhookVerifier, interpretResendEvent, readTags, verifyResendWebhook } from '../../src/webhooks/resend';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers, SERIES } from '../support/drip';
import { newWebhookSecret, signatureFor, signWebhook, type SignedWebhook } from '../support/sign-webhook';

const secret = newWebhookSecret();
const resend = new Resend('re_test_webhooks');

function event(type: string, data: Record<string, unknown> = {}) {
  return {
    type,
    created_at: '2026-03-10T10:00:00.000Z',
    data: {
      created_at: '2026-03-10T09:59:59.000Z',
      email_id: 'em_123',
      from: 'Meridian Clinic <hello@clinic.example>',
      to: ['patient@example.com'],
      subject: 'Week 2',
      tags: { sequence: 'welcome', step: '2', send: 'send_abc' },
      ...data,
    },
  };
}

describe('verifyResendWebhook', () => {
  it('accepts a correctly signed delivery and returns the event and its id', () => {
    const now = new Date();
    const signed = signWebhook(event('email.delivered'), secret, { id: 'msg_1', timestamp: now });
    const result = verifyResendWebhook(resend, { rawBody: signed.body, headers: signed.headers, secret, now });
    expect(result).toEqual({ ok: true, webhookId: 'msg_1', timestamp: new Date(Math.floor(now.getTime() / 1000) * 1000), event: event('email.delivered') });
  });

  it('takes a Buffer body, a fetch Headers object, and a verifier built without an API key', () => {
    const now = new Date();
    const signed = signWebhook(event('email.opened'), secret);
    const result = verifyResendWebhook(createWebhookVerifier(), {
      rawBody: Buffer.from(signed.body),
      headers: new Headers(signed.headers),
      secret,
      now,
    });
    expect(result.ok).toBe(true);
  });

  it('rejects a forged signature, a tampered body and the wrong secret', () => {
    const now = new Date();
    const signed = signWebhook(event('email.complained'), secret);
    const tampered = signed.body.replace('send_abc', 'send_xyz');
    expect(verifyResendWebhook(resend, { rawBody: tampered, headers: signed.headers, secret, now })).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyResendWebhook(resend, { rawBody: signed.body, headers: signed.headers, secret: newWebhookSecret(), now })).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    const headers = { ...signed.headers, 'svix-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
    expect(verifyResendWebhook(resend, { rawBody: signed.body, headers, secret, now })).toMatchObject({ ok: false, reason: 'forged' });
    // A re-serialised body (e.g. parsed then stringified by a framework) no longer matches.
    const reserialised = JSON.stringify(JSON.parse(signed.body), null, 2);
    expect(verifyResendWebhook(resend, { rawBody: reserialised, headers: signed.headers, secret, now })).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('accepts any matching signature among several (secret rotation)', () => {
    const now = new Date();
    const signed = signWebhook(event('email.sent'), secret);
    const headers = { ...signed.headers, 'svix-signature': `v1,bm90LWl0 ${signed.headers['svix-signature']}` };
    expect(verifyResendWebhook(resend, { rawBody: signed.body, headers, secret, now }).ok).toBe(true);
  });

  it('rejects stale and future-dated signatures, even when correctly signed', () => {
    const now = new Date();
    const old = signWebhook(event('email.delivered'), secret, { timestamp: new Date(now.getTime() - 6 * 60_000) });
    expect(verifyResendWebhook(resend, { rawBody: old.body, headers: old.headers, secret, now })).toMatchObject({ ok: false, reason: 'stale' });
    const future = signWebhook(event('email.delivered'), secret, { timestamp: new Date(now.getTime() + 6 * 60_000) });
    expect(verifyResendWebhook(resend, { rawBody: future.body, headers: future.headers, secret, now })).toMatchObject({ ok: false, reason: 'stale' });
    const fresh = signWebhook(event('email.delivered'), secret, { timestamp: new Date(now.getTime() - 4 * 60_000) });
    expect(verifyResendWebhook(resend, { rawBody: fresh.body, headers: fresh.headers, secret, now }).ok).toBe(true);
    // `now` is what counts: a fresh signature checked against a later `now` is stale.
    expect(
      verifyResendWebhook(resend, { rawBody: fresh.body, headers: fresh.headers, secret, now: new Date(now.getTime() + 10 * 60_000) }),
    ).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('rejects unsigned requests and malformed signature headers', () => {
    const now = new Date();
    const signed = signWebhook(event('email.delivered'), secret);
    expect(verifyResendWebhook(resend, { rawBody: signed.body, headers: {}, secret, now })).toMatchObject({ ok: false, reason: 'unsigned' });
    const { 'svix-signature': _drop, ...noSignature } = signed.headers;
    expect(verifyResendWebhook(resend, { rawBody: signed.body, headers: noSignature, secret, now })).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(
      verifyResendWebhook(resend, { rawBody: signed.body, headers: { ...signed.headers, 'svix-timestamp': 'yesterday' }, secret, now }),
    ).toMatchObject({ ok: false, reason: 'forged' });
    expect(
      verifyResendWebhook(resend, { rawBody: signed.body, headers: { ...signed.headers, 'svix-id': ['a', 'b'] }, secret, now }),
    ).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('reports a correctly signed body that is not an event as malformed', () => {
    const now = new Date();
    for (const body of ['not json', '[1,2]', '{"type":"email.sent"}']) {
      const id = 'msg_m';
      const ts = Math.floor(now.getTime() / 1000);
      const headers = { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': signatureFor(secret, id, ts, body) };
      expect(verifyResendWebhook(resend, { rawBody: body, headers, secret, now }), body).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('throws on a missing or malformed secret (a server misconfiguration, not a 401)', () => {
    const signed = signWebhook(event('email.sent'), secret);
    expect(() => verifyResendWebhook(resend, { rawBody: signed.body, headers: signed.headers, secret: '', now: new Date() })).toThrow(/RESEND_WEBHOOK_SECRET/);
    expect(() => verifyResendWebhook(resend, { rawBody: signed.body, headers: signed.headers, secret: 'whsec_not base64!', now: new Date() })).toThrow(
      /RESEND_WEBHOOK_SECRET/,
    );
  });
});

describe('handleResendWebhook de-duplication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('whdedup', { RESEND_WEBHOOK_SECRET: secret });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('processes each webhook id once: a replay is answered 200 and changes nothing', async () => {
    const deps: WebhookDeps = {
      redis: t.core.redis,
      keys: t.core.keys,
      store: t.core.store,
      verifier: resend,
      secret,
      metrics: t.core.metrics,
      logger: pino({ level: 'silent' }),
    };
    const handle = (d: SignedWebhook) => handleResendWebhook(deps, { rawBody: d.body, headers: d.headers, now: new Date() });
    const [s] = await seedSubscribers(t.core, 1, { label: 'dedup' });
    const tags = { sequence: SERIES, step: 'welcome', send: sendTag(s!.id, 'welcome') };
    const suppress = vi.spyOn(t.core.store, 'suppress');

    const bounce = signWebhook(event('email.bounced', { tags, bounce: { type: 'Permanent', subType: 'General', message: 'no' } }), secret, { id: 'msg_replayed' });
    expect(await handle(bounce)).toEqual({ status: 200, body: { ok: true, message: 'processed' } });
    expect(await handle(bounce)).toEqual({ status: 200, body: { ok: true, message: 'duplicate delivery ignored' } });
    // Re-signed later under the same id (how Resend retries): still the same delivery.
    const resigned = signWebhook(bounce.body, secret, { id: 'msg_replayed', timestamp: new Date(Date.now() + 1000) });
    expect(await handle(resigned)).toEqual({ status: 200, body: { ok: true, message: 'duplicate delivery ignored' } });
    // Another id is another delivery.
    expect(await handle(signWebhook(event('email.delivered', { tags }), secret, { id: 'msg_other' }))).toEqual({ status: 200, body: { ok: true, message: 'processed' } });

    expect(suppress).toHaveBeenCalledTimes(1);
    expect((await t.core.store.ledger(s!.id)).filter((e) => e.event === 'bounced')).toHaveLength(1);
    expect(await t.core.redis.hgetall(t.core.keys.stepStats(SERIES, 'welcome'))).toEqual({ bounced: '1', delivered: '1' });
  });
});

describe('interpretResendEvent', () => {
  const tags = { sequence: 'welcome', step: '2', sendId: 'send_abc' };

  it('suppresses on a permanent bounce and on a complaint, identified by the send tag only', () => {
    expect(interpretResendEvent(event('email.bounced', { bounce: { type: 'Permanent', subType: 'Suppressed', message: 'x' } }))).toEqual({
      kind: 'suppress',
      reason: 'bounced',
      sendId: 'send_abc',
      emailId: 'em_123',
      sequence: 'welcome',
      step: '2',
    });
    expect(interpretResendEvent(event('email.complained'))).toEqual({ kind: 'suppress', reason: 'complained', emailId: 'em_123', ...tags });
  });

  it('counts transient and undetermined bounces instead of suppressing', () => {
    expect(interpretResendEvent(event('email.bounced', { bounce: { type: 'Transient', subType: 'MailboxFull', message: 'x' } }))).toEqual({
      kind: 'count',
      metric: 'bounced_transient',
      emailId: 'em_123',
      ...tags,
    });
    expect(interpretResendEvent(event('email.bounced', { bounce: { type: 'Temporary', subType: 'General', message: 'x' } }))).toMatchObject({
      metric: 'bounced_transient',
    });
    expect(interpretResendEvent(event('email.bounced', { bounce: { type: 'Undetermined', subType: 'Undetermined', message: 'x' } }))).toMatchObject({
      kind: 'count',
      metric: 'bounced_undetermined',
    });
    expect(interpretResendEvent(event('email.bounced'))).toMatchObject({ kind: 'count', metric: 'bounced_undetermined' });
  });

  it.each([
    ['email.sent', 'sent'],
    ['email.delivered', 'delivered'],
    ['email.delivery_delayed', 'delivery_delayed'],
    ['email.opened', 'opened'],
    ['email.clicked', 'clicked'],
    ['email.failed', 'failed'],
    ['email.suppressed', 'provider_suppressed'],
  ])('%s counts %s with the sequence, step and send tags', (type, metric) => {
    expect(interpretResendEvent(event(type))).toEqual({ kind: 'count', metric, emailId: 'em_123', ...tags });
  });

  it('reads tags in both documented shapes and ignores unusable values', () => {
    expect(readTags({ sequence: 'welcome', step: '3', send: 's_1' })).toEqual({ sequence: 'welcome', step: '3', sendId: 's_1' });
    expect(
      readTags([
        { name: 'sequence', value: 'newsletter' },
        { name: 'send', value: 's_2' },
      ]),
    ).toEqual({ sequence: 'newsletter', step: null, sendId: 's_2' });
    // An address is never a valid tag value, so it can never be taken as a send id.
    expect(readTags({ send: 'patient@example.com' }).sendId).toBeNull();
    expect(readTags(undefined)).toEqual({ sequence: null, step: null, sendId: null });
    const arrayShaped = event('email.complained', { tags: [{ name: 'send', value: 'send_arr' }] });
    expect(interpretResendEvent(arrayShaped)).toMatchObject({ kind: 'suppress', sendId: 'send_arr', sequence: null });
  });

  it('falls back to the recipient address for suppression events without a send tag (issue 7 §5)', () => {
    expect(interpretResendEvent(event('email.complained', { tags: { category: 'other-app' } }))).toEqual({
      kind: 'suppress',
      reason: 'complained',
      sendId: null,
      to: ['patient@example.com'],
      emailId: 'em_123',
      sequence: null,
      step: null,
    });
    expect(interpretResendEvent(event('email.bounced', { tags: undefined, bounce: { type: 'Permanent' } }))).toMatchObject({ kind: 'suppress', sendId: null, to: ['patient@example.com'] });
  });

  it('ignores suppression events with neither a send tag nor a recipient, other event types and garbage', () => {
    expect(interpretResendEvent(event('email.complained', { tags: { category: 'other-app' }, to: [] }))).toMatchObject({ kind: 'ignore' });
    expect(interpretResendEvent(event('email.bounced', { tags: undefined, to: undefined, bounce: { type: 'Permanent' } }))).toMatchObject({ kind: 'ignore' });
    expect(interpretResendEvent({ type: 'contact.created', data: { id: 'c1' } })).toMatchObject({ kind: 'ignore' });
    expect(interpretResendEvent(null)).toMatchObject({ kind: 'ignore' });
    expect(interpretResendEvent({ type: 'email.delivered' })).toMatchObject({ kind: 'ignore' });
  });

  it('counts events without tags with null ids (e.g. sent outside a sequence)', () => {
    expect(interpretResendEvent(event('email.delivered', { tags: undefined, email_id: undefined }))).toEqual({
      kind: 'count',
      metric: 'delivered',
      emailId: null,
      sequence: null,
      step: null,
      sendId: null,
    });
  });
});
