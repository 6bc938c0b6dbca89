// POST /api/subscribe (JSON) and its CORS rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { mailsTo } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('api', { CORS_ORIGINS: 'https://partner.example, https://other.example/' });
});
afterAll(() => t.close());

const ALLOWED = 'https://partner.example';
const api = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/subscribe', headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

describe('POST /api/subscribe', () => {
  it('accepts JSON with the same rules: pending subscriber, confirmation email, 202', async () => {
    const res = await api({ email: 'api@example.com', firstName: 'Ada', consent: true, timeZone: 'Asia/Tokyo', unknownField: 'ignored', status: 'active' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ ok: true, status: 'check-inbox', message: expect.stringContaining('check your inbox') });
    const s = (await t.core.store.findByCanonical('api@example.com'))!;
    expect(s).toMatchObject({ status: 'pending', firstName: 'Ada', timeZone: 'Asia/Tokyo' });
    expect((await t.core.store.ledger(s.id))[0]).toMatchObject({ event: 'signup', source: 'api' });
    expect(await mailsTo(t, 'api@example.com')).toHaveLength(1);
  });

  it.each([
    [{ email: 'x@example.com' }, 400, 'consent', /tick the box/],
    [{ email: 'x@example.com', consent: false }, 400, 'consent', /tick the box/],
    [{ email: 'x@example.com', consent: 'no' }, 400, 'consent', /tick the box/],
    [{ consent: true }, 400, 'email', /Please enter your email address/],
    [{ email: ['a@example.com', 'b@example.com'], consent: true }, 400, 'email', /single text value/],
    [{ email: { $ne: '' }, consent: true }, 400, 'email', /single text value/],
    [{ email: 'x@example.com\r\nBcc: eve@example.com', consent: true }, 400, 'email', /not allowed/],
    [{ email: 'x@example.com', firstName: 'Eve\r\nBcc: eve@example.com', consent: true }, 400, 'firstName', /just your first name/],
    [{ email: 'x@example.com', firstName: 'n'.repeat(101), consent: true }, 400, 'firstName', /under 100 characters/],
  ])('rejects %j as JSON', async (payload, status, field, message) => {
    const res = await api(payload);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.error.field).toBe(field);
    expect(body.error.message).toMatch(message);
    expect(await t.core.store.findByCanonical('x@example.com')).toBeNull();
  });

  it.each([
    ['text/plain', 'email=a@example.com'],
    ['application/x-www-form-urlencoded', 'email=a%40example.com&consent=yes'],
    ['application/xml', '<email>a@example.com</email>'],
  ])('answers 415 in JSON for %s', async (type, payload) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', headers: { 'content-type': type }, payload });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ ok: false, error: { status: 415 } });
    expect(await t.core.store.findByCanonical('a@example.com')).toBeNull();
  });

  it('rejects prototype-pollution JSON cleanly', async () => {
    for (const payload of ['{"email":"proto@example.com","consent":true,"__proto__":{"isAdmin":true}}', '{"email":"proto@example.com","consent":true,"constructor":{"prototype":{"x":1}}}']) {
      const res = await api(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ ok: false, error: { status: 400 } });
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await t.core.store.findByCanonical('proto@example.com')).toBeNull();
  });

  it('answers broken JSON with 400 in JSON', async () => {
    const res = await api('{"email": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/could not be read/);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/subscribe',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
    expect(res.headers.vary).toMatch(/Origin/i);
  });

  it('normalises an origin configured with a trailing slash', async () => {
    const res = await api({ email: 'other-origin@example.com', consent: true }, { origin: 'https://other.example' });
    expect(res.headers['access-control-allow-origin']).toBe('https://other.example');
  });

  it('gives no CORS grant to other origins (preflight and POST)', async () => {
    for (const origin of ['https://evil.example', 'https://partner.example.evil.example', 'null']) {
      const pre = await t.app.inject({
        method: 'OPTIONS',
        url: '/api/subscribe',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const post = await api({ email: 'evil@example.com', consent: true }, { origin });
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('allows the origin on the actual POST and never on pages', async () => {
    const res = await api({ email: 'cors@example.com', consent: true }, { origin: ALLOWED });
    expect(res.statusCode).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    const page = await t.app.inject({ method: 'POST', url: '/subscribe', headers: { origin: ALLOWED, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=c2%40example.com&consent=yes' });
    expect(page.statusCode).toBe(303);
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });
});
