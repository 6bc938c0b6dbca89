// Issue 7 §5: a hard bounce or complaint for an email without a `send` tag
// (an older email, a test send, another tool on the same Resend account) is
// about the address: the subscriber is found by the canonical form of `to`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { seedSubscribers } from '../support/drip';
import { newWebhookSecret, signWebhook } from '../support/sign-webhook';

const secret = newWebhookSecret();

describe('bounces and complaints without a send tag', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('bouncefallback', { RESEND_WEBHOOK_SECRET: secret }, { sender: false });
  });
  afterAll(() => t?.close());

  const deliver = (type: string, data: Record<string, unknown>) => {
    const signed = signWebhook({ type, created_at: new Date().toISOString(), data: { email_id: 'em_1', ...data } }, secret);
    return t.app.inject({ method: 'POST', url: '/webhooks/resend', payload: signed.body, headers: { 'content-type': 'application/json', ...signed.headers } });
  };

  it('suppresses the subscriber behind the `to` address, however it is typed', async () => {
    const [bounced, complained, bystander] = await seedSubscribers(t.core, 3, { label: 'untagged' });
    // Another tool's email: no tags at all; the address in another case and with a display name.
    const res = await deliver('email.bounced', { to: [`Pat <${bounced!.email.toUpperCase()}>`], bounce: { type: 'Permanent' } });
    expect(res.statusCode).toBe(200);
    expect(await deliver('email.complained', { to: [complained!.email], tags: { campaign: 'other-tool' } })).toMatchObject({ statusCode: 200 });

    expect((await t.core.store.get(bounced!.id))!.status).toBe('bounced');
    expect((await t.core.store.get(complained!.id))!.status).toBe('complained');
    expect((await t.core.store.get(bystander!.id))!.status).toBe('active');
    expect(await t.core.redis.zscore(t.core.keys.due, bounced!.id)).toBeNull();
    const ledger = await t.core.store.ledger(bounced!.id);
    expect(ledger.at(-1)).toMatchObject({ event: 'bounced', source: 'webhook' });
  });

  it('a transient bounce without a tag changes nothing; an unknown address is no error', async () => {
    const [s] = await seedSubscribers(t.core, 1, { label: 'transient' });
    expect((await deliver('email.bounced', { to: [s!.email], bounce: { type: 'Transient' } })).statusCode).toBe(200);
    expect((await t.core.store.get(s!.id))!.status).toBe('active');
    expect((await deliver('email.bounced', { to: ['nobody-here@example.com'], bounce: { type: 'Permanent' } })).statusCode).toBe(200);
    expect((await deliver('email.bounced', { bounce: { type: 'Permanent' } })).statusCode).toBe(200);
  });
});
