// Signed links: confirm, one-click unsubscribe, the preferences page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../../src/security/tokens';
import type { Subscriber } from '../../src/subscribers/types';
import { createTestApp, type TestApp } from '../support/app';
import { attrs, FORM, form, linkIn, mailsTo, multipart, pathOf, tokenOf } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('links');
});
afterAll(() => t.close());

let n = 0;
/** Signs up through the form; returns the subscriber and the links from its email. */
async function signedUp(name = 'Sam') {
  const email = `links${++n}@example.com`;
  const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email, consent: 'yes', firstName: name }) });
  expect(res.statusCode).toBe(303);
  const [mail] = await mailsTo(t, email);
  const subscriber = (await t.core.store.findByCanonical(email))!;
  return { email, subscriber, confirm: pathOf(linkIn(mail!, 'confirm')), unsubscribe: pathOf(linkIn(mail!, 'unsubscribe')) };
}

async function active() {
  const s = await signedUp();
  const res = await t.app.inject({ method: 'POST', url: s.confirm });
  expect(res.statusCode).toBe(200);
  return s;
}

const status = async (s: { subscriber: Subscriber }) => (await t.core.store.get(s.subscriber.id))!.status;
const events = async (s: { subscriber: Subscriber }) => (await t.core.store.ledger(s.subscriber.id)).map((e) => e.event);

describe('confirm link', () => {
  it('GET shows a button and changes nothing; POST confirms; reuse says already confirmed', async () => {
    const s = await signedUp();
    const get = await t.app.inject({ method: 'GET', url: s.confirm, headers: { 'user-agent': 'LinkScanner/1.0' } });
    expect(get.statusCode).toBe(200);
    expect(attrs(get.body, 'form', 'action', s.confirm)).toMatchObject({ method: 'post' });
    expect(get.body).toContain('<button type="submit">Yes, confirm my subscription</button>');
    expect(get.body).toContain(s.email);
    expect(await status(s)).toBe('pending');
    expect(await events(s)).toEqual(['signup', 'confirmation-sent']);

    const post = await t.app.inject({ method: 'POST', url: s.confirm, headers: { 'user-agent': 'Browser/2' } });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('You are subscribed');
    const now = (await t.core.store.get(s.subscriber.id))!;
    expect(now.status).toBe('active');
    expect(now.sequence).toBe('sciatica-series');
    const ledger = await t.core.store.ledger(s.subscriber.id);
    expect(ledger.map((e) => e.event)).toEqual(['signup', 'confirmation-sent', 'confirmed']);
    expect(ledger[2]).toMatchObject({ source: 'confirm-page', userAgent: 'Browser/2', ip: '127.0.0.1' });

    for (const method of ['POST', 'GET'] as const) {
      const again = await t.app.inject({ method, url: s.confirm });
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('Already confirmed');
    }
    expect(await events(s)).toEqual(['signup', 'confirmation-sent', 'confirmed']);
  });

  it('refuses expired (410), forged (400), wrong-purpose (400) and another subscriber\'s (404) tokens, changing nothing', async () => {
    const s = await signedUp();
    const digest = TokenSigner.addressDigest(s.subscriber.canonical);
    const expired = t.core.signer.sign({ purpose: 'confirm', subscriberId: s.subscriber.id, addressDigest: digest, expiresAt: Date.now() - 1000 });
    const forged = new TokenSigner('x'.repeat(40)).sign({ purpose: 'confirm', subscriberId: s.subscriber.id, addressDigest: digest, expiresAt: Date.now() + 60_000 });
    const manage = tokenOf(t.core.links.unsubscribeUrl(s.subscriber.id, s.subscriber.canonical));
    const other = await signedUp();
    // Validly signed, but bound to another address than the subscriber's.
    const crossed = t.core.signer.sign({ purpose: 'confirm', subscriberId: s.subscriber.id, addressDigest: TokenSigner.addressDigest(other.subscriber.canonical), expiresAt: Date.now() + 60_000 });
    const tampered = tokenOf(`https://x${s.confirm}`).replace(s.subscriber.id, other.subscriber.id);
    const cases: [string, number, RegExp][] = [
      [expired, 410, /expired/],
      [forged, 400, /not valid/],
      [manage, 400, /not valid/],
      [crossed, 404, /could not find/],
      [tampered, 400, /not valid/],
      ['garbage', 400, /not valid/],
      ['x'.repeat(700), 414, /too long to be a valid link/],
      ['%E0%A4%A', 400, /could not be read/],
    ];
    for (const [token, code, message] of cases) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await t.app.inject({ method, url: `/confirm/${token}` });
        expect(res.statusCode, `${method} ${token.slice(0, 30)}`).toBe(code);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.body).toMatch(message);
        const json = await t.app.inject({ method, url: `/confirm/${token}`, headers: { accept: 'application/json' } });
        expect(json.statusCode).toBe(code);
        expect(json.json()).toMatchObject({ ok: false, error: { status: code } });
      }
    }
    expect(await status(s)).toBe('pending');
    expect(await status(other)).toBe('pending');
    expect(await events(s)).toEqual(['signup', 'confirmation-sent']);
  });
});

describe('unsubscribe link', () => {
  it('GET shows a button and a preferences link and changes nothing', async () => {
    const s = await active();
    const res = await t.app.inject({ method: 'GET', url: s.unsubscribe });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click"/>');
    expect(res.body).toMatch(/<button type="submit" class="danger">Unsubscribe from everything<\/button>/);
    expect(res.body).toContain(`href="/preferences/${tokenOf(`https://x${s.unsubscribe}`)}"`);
    expect(await status(s)).toBe('active');
  });

  it.each(['urlencoded', 'multipart'] as const)('RFC 8058 one-click POST as %s: 200, no redirect, no cookie, idempotent', async (kind) => {
    const s = await active();
    const send = () => {
      if (kind === 'urlencoded') {
        return t.app.inject({ method: 'POST', url: s.unsubscribe, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
      }
      const mp = multipart({ 'List-Unsubscribe': 'One-Click' });
      return t.app.inject({ method: 'POST', url: s.unsubscribe, headers: { 'content-type': mp.contentType }, payload: mp.body });
    };
    for (let i = 0; i < 2; i++) {
      const res = await send();
      expect(res.statusCode).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await status(s)).toBe('unsubscribed');
    const ledger = await t.core.store.ledger(s.subscriber.id);
    expect(ledger.filter((e) => e.event === 'unsubscribed')).toHaveLength(1);
    expect(ledger.at(-1)).toMatchObject({ event: 'unsubscribed', source: 'one-click' });
    expect(await t.core.redis.zscore(t.core.keys.due, s.subscriber.id)).toBeNull();
  });

  it('refuses a POST without List-Unsubscribe=One-Click and a confirm token', async () => {
    const s = await active();
    const res = await t.app.inject({ method: 'POST', url: s.unsubscribe, headers: FORM, payload: 'List-Unsubscribe=Yes' });
    expect(res.statusCode).toBe(400);
    const confirmToken = tokenOf(`https://x${s.confirm}`);
    const wrong = await t.app.inject({ method: 'POST', url: `/unsubscribe/${confirmToken}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(wrong.statusCode).toBe(400);
    expect(await status(s)).toBe('active');
  });

  it('shows a page after the button on the page', async () => {
    const s = await active();
    const res = await t.app.inject({ method: 'POST', url: s.unsubscribe, headers: { ...FORM, accept: 'text/html' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    expect((await t.core.store.ledger(s.subscriber.id)).at(-1)).toMatchObject({ event: 'unsubscribed', source: 'unsubscribe-page' });
  });
});

describe('preferences page', () => {
  const prefs = (s: { unsubscribe: string }) => s.unsubscribe.replace('/unsubscribe/', '/preferences/');
  const post = (s: { unsubscribe: string }, fields: Record<string, string | string[]>) =>
    t.app.inject({ method: 'POST', url: prefs(s), headers: FORM, payload: form(fields) });

  it('shows topics, pause choices and an unsubscribe button', async () => {
    const s = await active();
    const res = await t.app.inject({ method: 'GET', url: prefs(s) });
    expect(res.statusCode).toBe(200);
    expect(attrs(res.body, 'input', 'value', 'sciatica-series')).toMatchObject({ name: 'topics', type: 'checkbox', checked: '' });
    expect(attrs(res.body, 'input', 'value', 'newsletter')).toMatchObject({ name: 'topics', type: 'checkbox', checked: '' });
    for (const d of [7, 14, 30, 90]) expect(res.body).toContain(`<option value="${d}"`);
    expect(res.body).toContain('value="unsubscribe"');
  });

  it('saves topics, pauses, resumes and unsubscribes, each in the ledger', async () => {
    const s = await active();
    let res = await post(s, { action: 'save', topics: 'newsletter' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Your choices are saved.');
    let now = (await t.core.store.get(s.subscriber.id))!;
    expect(now.topics).toEqual(['newsletter']);
    expect(await t.core.redis.zscore(t.core.keys.due, s.subscriber.id)).toBeNull(); // left the series' topic

    res = await post(s, { action: 'save', topics: ['newsletter', 'sciatica-series'] });
    expect(res.statusCode).toBe(200);
    expect((await t.core.store.get(s.subscriber.id))!.topics.sort()).toEqual(['newsletter', 'sciatica-series']);
    expect(await t.core.redis.zscore(t.core.keys.due, s.subscriber.id)).not.toBeNull();

    const before = Date.now();
    res = await post(s, { action: 'pause', days: '30' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Paused. We will not email you until');
    now = (await t.core.store.get(s.subscriber.id))!;
    expect(now.status).toBe('paused');
    expect(now.pausedUntil! - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(now.pausedUntil! - before).toBeLessThan(30 * 86_400_000 + 60_000);
    expect(res.body).toContain('Resume now');

    res = await post(s, { action: 'resume' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Welcome back');
    expect((await t.core.store.get(s.subscriber.id))!.status).toBe('active');

    res = await post(s, { action: 'unsubscribe' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    expect(await status(s)).toBe('unsubscribed');
    expect(await events(s)).toEqual([
      'signup', 'confirmation-sent', 'confirmed', 'preferences-changed', 'preferences-changed', 'paused', 'resumed', 'unsubscribed',
    ]);
  });

  it.each([
    [{ action: 'save', topics: 'crypto-tips' }],
    [{ action: 'save', topics: ['newsletter', '__proto__'] }],
    [{ action: 'save', topics: Array.from({ length: 25 }, () => 'newsletter') }],
    [{ action: 'pause', days: '3' }],
    [{ action: 'pause', days: '1e3' }],
    [{ action: 'pause', days: '-7' }],
    [{ action: 'pause', days: '7.5' }],
    [{ action: 'pause', days: ['7', '14'] }],
    [{ action: 'pause' }],
    [{ action: 'delete-everything' }],
    [{ action: ['save', 'unsubscribe'] }],
    [{}],
  ])('rejects hostile values %j with 400 and changes nothing', async (fields) => {
    const s = await active();
    const before = await t.core.store.get(s.subscriber.id);
    const res = await post(s, fields as Record<string, string | string[]>);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(await t.core.store.get(s.subscriber.id)).toEqual(before);
    expect(await events(s)).toEqual(['signup', 'confirmation-sent', 'confirmed']);
  });

  it('only the unsubscribe button works once unsubscribed', async () => {
    const s = await active();
    await post(s, { action: 'unsubscribe' });
    const res = await post(s, { action: 'save', topics: 'newsletter' });
    expect(res.statusCode).toBe(409);
    expect(await status(s)).toBe('unsubscribed');
    expect((await post(s, { action: 'unsubscribe' })).statusCode).toBe(200);
    expect((await events(s)).filter((e) => e === 'unsubscribed')).toHaveLength(1);
  });
});
