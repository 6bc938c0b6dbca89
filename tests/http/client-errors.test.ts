// Issue 7 §4: hostile or unusual input answers a clear 4xx, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, mailsTo } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('clienterr');
});
afterAll(() => t.close());

describe('4xx, not 500', () => {
  it.each(['/static/__proto__', '/static/constructor', '/static/toString', '/static/hasOwnProperty', '/static/valueOf'])(
    'GET %s is a 404',
    async (url) => {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('There is nothing at this address.');
    },
  );

  it('answers multipart without a boundary with 400 on /subscribe and /unsubscribe/:token', async () => {
    for (const url of ['/subscribe', '/unsubscribe/v1.manage.x.y.0.z']) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'multipart/form-data' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.body).toContain('The request could not be read');
    }
  });

  it('refuses a lone surrogate in the name with 400 and stores nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/subscribe',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"lone@example.com","consent":true,"firstName":"Ann\\ud800"}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('firstName');
    expect(await t.core.store.findByCanonical('lone@example.com')).toBeNull();
  });

  it('accepts media types in any letter case (Application/JSON)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/subscribe',
      headers: { 'content-type': 'Application/JSON; Charset=UTF-8' },
      payload: JSON.stringify({ email: 'caps@example.com', consent: true }),
    });
    expect(res.statusCode).toBe(202);
    expect(await t.core.store.findByCanonical('caps@example.com')).not.toBeNull();
  });

  it('answers a wrong method with 405 and Allow, as JSON when asked', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/healthz', 'GET, HEAD'],
      ['POST', '/metrics', 'GET, HEAD'],
      ['DELETE', '/subscribe', 'POST'],
      ['PUT', '/api/subscribe', 'POST'],
      ['GET', '/api/subscribe', 'POST'],
      ['PATCH', '/confirm/some-token', 'GET, HEAD, POST'],
      ['DELETE', '/', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await t.app.inject({ method: method as 'POST', url, headers: { accept: 'application/json' } });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow, `${method} ${url}`).toBe(allow);
      expect(res.json()).toMatchObject({ ok: false, error: { status: 405 } });
    }
    const page = await t.app.inject({ method: 'PUT', url: '/check-inbox' });
    expect(page.statusCode).toBe(405);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // Unknown addresses stay 404.
    expect((await t.app.inject({ method: 'POST', url: '/no-such-page' })).statusCode).toBe(404);
  });

  it('never echoes a NUL or other control character into the form it shows again', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: FORM,
      payload: form({ email: 'nul\u0000@example.com', firstName: 'Ni\u0000na\u0007', consent: 'yes' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(res.body).toContain('value="nul@example.com"');
  });

  it.each(['a..b@example.com', '.a@example.com', 'a.@example.com'])('refuses the invalid dot-atom %s', async (email) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('email');
    expect(await mailsTo(t, email)).toHaveLength(0);
  });

  it('accepts an IDN domain and stores and mails it in punycode', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'user@bücher.example', consent: true } });
    expect(res.statusCode).toBe(202);
    const s = (await t.core.store.findByCanonical('user@xn--bcher-kva.example'))!;
    expect(s.email).toBe('user@xn--bcher-kva.example');
    const [mail] = await mailsTo(t, 'user@xn--bcher-kva.example');
    expect(mail).toBeDefined();
    expect(mail!.raw).toMatch(/^To: user@xn--bcher-kva\.example\r?$/m);
  });
});
