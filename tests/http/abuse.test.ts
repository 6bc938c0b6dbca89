// Abuse handling on the signup endpoints: limits, honeypot, sizes, injection, bad input.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, keysWithPrefix, mailsTo, multipart, outboxMails } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('abuse');
});
afterAll(() => t.close());

const subscribe = (fields: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/subscribe', headers: { ...FORM, ...headers }, payload: form(fields) });

describe('rate limits', () => {
  it('limits per IP with 429, a clear message and Retry-After (HTML and JSON)', async () => {
    const limited = await createTestApp('rlip', {}, { signupLimits: { perIpPerHour: 2, perAddressPerHour: 100, confirmationResendMs: 60_000 } });
    try {
      for (let i = 0; i < 2; i++) expect((await limited.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: `ip${i}@example.com`, consent: 'yes' }) })).statusCode).toBe(303);
      const html = await limited.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ip9@example.com', consent: 'yes' }) });
      expect(html.statusCode).toBe(429);
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      expect(html.body).toContain('Too many signups from your network');
      const retry = Number(html.headers['retry-after']);
      expect(retry).toBeGreaterThan(3000);
      expect(retry).toBeLessThanOrEqual(3600);
      const json = await limited.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'ip10@example.com', consent: true } });
      expect(json.statusCode).toBe(429);
      expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
      expect(json.json()).toEqual({ ok: false, error: { status: 429, message: 'Too many signups from your network. Please try again later.' } });
      expect(await limited.core.store.findByCanonical('ip9@example.com')).toBeNull();
      expect(await mailsTo(limited, 'ip9@example.com')).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it('limits per address (canonical) with 429', async () => {
    const limited = await createTestApp('rladdr', {}, { signupLimits: { perIpPerHour: 100, perAddressPerHour: 2, confirmationResendMs: 0 } });
    try {
      const send = (email: string) => limited.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
      expect((await send('pat.doe@gmail.com')).statusCode).toBe(202);
      expect((await send('patdoe+x@googlemail.com')).statusCode).toBe(202);
      const res = await send('PatDoe@gmail.com');
      expect(res.statusCode).toBe(429);
      expect(res.json().error.message).toMatch(/Too many attempts for this email address/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // One subscriber; the pending record follows the latest typing, each got its own email.
      expect(await mailsTo(limited, 'pat.doe@gmail.com')).toHaveLength(1);
      expect(await mailsTo(limited, 'patdoe+x@googlemail.com')).toHaveLength(1);
      expect(await mailsTo(limited, 'PatDoe@gmail.com')).toHaveLength(0);
      expect((await limited.core.store.findByCanonical('patdoe@gmail.com'))!.email).toBe('patdoe+x@googlemail.com');
      expect((await send('someone-else@example.com')).statusCode).toBe(202);
    } finally {
      await limited.close();
    }
  });
});

describe('bots and bad input', () => {
  it('answers a filled honeypot like a success and stores nothing', async () => {
    const before = await keysWithPrefix(t);
    const res = await subscribe({ email: 'bot@example.com', consent: 'yes', website: 'https://spam.example' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/check-inbox');
    const api = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'bot@example.com', consent: true, website: 'x' } });
    expect(api.statusCode).toBe(202);
    expect(await t.core.store.findByCanonical('bot@example.com')).toBeNull();
    expect(await mailsTo(t, 'bot@example.com')).toHaveLength(0);
    expect(await keysWithPrefix(t)).toEqual(before);
  });

  it('answers bodies over 16 KB with 413 (form, multipart, JSON)', async () => {
    const big = 'a'.repeat(17 * 1024);
    const f = await subscribe({ email: 'big@example.com', consent: 'yes', firstName: big });
    expect(f.statusCode).toBe(413);
    expect(f.headers['content-type']).toMatch(/^text\/html/);
    expect(f.body).toContain('The request is too large.');
    const fields: Record<string, string> = { email: 'big@example.com', consent: 'yes' };
    for (let i = 0; i < 12; i++) fields[`pad${i}`] = 'p'.repeat(1500);
    const mp = multipart(fields);
    expect(Buffer.byteLength(mp.body)).toBeGreaterThan(16 * 1024);
    const m = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': mp.contentType }, payload: mp.body });
    expect(m.statusCode).toBe(413);
    // Streamed without Content-Length: the byte count still stops it.
    const streamed = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': mp.contentType }, payload: Readable.from([Buffer.from(mp.body)]) });
    expect(streamed.statusCode).toBe(413);
    const j = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'big@example.com', consent: true, firstName: big } });
    expect(j.statusCode).toBe(413);
    expect(j.json()).toEqual({ ok: false, error: { status: 413, message: 'The request is too large.' } });
    expect(await t.core.store.findByCanonical('big@example.com')).toBeNull();
  });

  it('accepts a normal multipart signup', async () => {
    const mp = multipart({ email: 'multi@example.com', consent: 'yes', firstName: 'Mo' });
    const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': mp.contentType }, payload: mp.body });
    expect(res.statusCode).toBe(303);
    expect((await t.core.store.findByCanonical('multi@example.com'))!.firstName).toBe('Mo');
  });

  it.each([
    [{ email: 'inj@example.com\r\nBcc: victim@example.com', consent: 'yes' }, 'email'],
    [{ email: 'inj@example.com%0ABcc:victim@example.com', consent: 'yes' }, 'email'],
    [{ email: 'inj@example.com', firstName: 'Eve\r\nBcc: victim@example.com', consent: 'yes' }, 'firstName'],
    [{ email: 'inj@example.com', firstName: 'Eve\nSubject: hi', consent: 'yes' }, 'firstName'],
    [{ email: 'inj@example.com', firstName: 'Eve\u2028x', consent: 'yes' }, 'firstName'],
  ])('refuses CR/LF header injection %j', async (fields, field) => {
    const res = await subscribe(fields, { accept: 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
    expect(await t.core.store.findByCanonical('inj@example.com')).toBeNull();
    for (const m of await outboxMails(t)) {
      expect(m.raw).not.toMatch(/^Bcc:/im);
      expect(m.raw).not.toContain('victim@example.com');
    }
  });

  it('strips surrounding whitespace and line breaks around an address and sends a clean email', async () => {
    const res = await subscribe({ email: '\r\n trim@example.com \r\n', consent: 'yes', firstName: ' Tim ' });
    expect(res.statusCode).toBe(303);
    const s = (await t.core.store.findByCanonical('trim@example.com'))!;
    expect(s.email).toBe('trim@example.com');
    expect(s.firstName).toBe('Tim');
    const [m] = await mailsTo(t, 'trim@example.com');
    expect(m!.mail.to?.[0]?.address).toBe('trim@example.com');
    expect(m!.mail.headers.filter((h) => h.key === 'to')).toHaveLength(1);
    expect(m!.mail.headers.some((h) => h.key === 'bcc' || h.key === 'cc')).toBe(false);
  });

  it('ignores unknown fields', async () => {
    const res = await subscribe({ email: 'unknown@example.com', consent: 'yes', status: 'active', id: 'x', isAdmin: 'true' });
    expect(res.statusCode).toBe(303);
    const s = (await t.core.store.findByCanonical('unknown@example.com'))!;
    expect(s.status).toBe('pending');
    expect(s.id).not.toBe('x');
    expect(await t.core.redis.hexists(t.core.keys.subscriber(s.id), 'isAdmin')).toBe(0);
  });

  it('refuses repeated fields with 400', async () => {
    const cases: Record<string, string | string[]>[] = [{ email: ['a@example.com', 'b@example.com'], consent: 'yes' }, { email: 'rep@example.com', consent: 'yes', firstName: ['A', 'B'] }];
    for (const fields of cases) {
      const res = await subscribe(fields);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/must be a single text value/);
    }
    expect(await t.core.store.findByCanonical('a@example.com')).toBeNull();
    expect(await t.core.store.findByCanonical('rep@example.com')).toBeNull();
  });

  it('handles __proto__ in a form body without polluting anything', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: 'email=proto%40example.com&consent=yes&__proto__[admin]=1&__proto__=x&constructor[prototype][y]=1' });
    // Hostile field names are unknown fields like any other: ignored, and the signup itself goes through.
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/check-inbox');
    const s = (await t.core.store.findByCanonical('proto@example.com'))!;
    expect(s.status).toBe('pending');
    const stored = await t.core.redis.hgetall(t.core.keys.subscriber(s.id));
    for (const field of ['admin', 'y', '__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(stored, field), field).toBe(false);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
    const json = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: '{"email":"proto2@example.com","consent":"yes","__proto__":{"admin":1}}' });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await t.core.store.findByCanonical('proto2@example.com')).toBeNull();
  });

  it('answers wrong content types with 415, as HTML for browsers and JSON when asked', async () => {
    const html = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'text/plain' }, payload: 'email=x@example.com' });
    expect(html.statusCode).toBe(415);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('Unsupported content type');
    const json = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/xml', accept: 'application/json' }, payload: '<x/>' });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ ok: false, error: { status: 415 } });
  });

  it('answers errors on pages as HTML with security headers', async () => {
    const res = await subscribe({ email: 'nope', consent: 'yes' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
