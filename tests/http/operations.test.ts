// Operator endpoints: health, metrics, static files, methods they refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form } from './helpers';

describe('operator endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('ops');
  });
  afterAll(() => t.close());

  it('GET /healthz answers 200 while Redis answers', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('GET /metrics counts signups by outcome in Prometheus format', async () => {
    await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ops@example.org', consent: 'yes' }) });
    await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'not-an-address', consent: 'yes' }) });
    await t.settle(); // the confirmation email is sent by a job
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/^meridian_signups_total\{outcome="accepted"\} 1$/m);
    expect(res.body).toMatch(/^meridian_signups_total\{outcome="rejected_400"\} 1$/m);
    expect(res.body).toMatch(/^meridian_emails_sent_total\{transport="outbox",template="confirm"\} 1$/m);
  });

  it('serves the two static files with their types and nothing else', async () => {
    expect((await t.app.inject({ url: '/static/app.css' })).headers['content-type']).toMatch(/text\/css/);
    expect((await t.app.inject({ url: '/static/tz.js' })).headers['content-type']).toMatch(/javascript/);
    for (const bad of ['/static/..%2fapp.ts', '/static/../app.ts', '/static/app.css%00', '/static/nope.js']) {
      expect((await t.app.inject({ url: bad })).statusCode, bad).toBe(404);
    }
  });

  it('refuses writes to read-only endpoints with 405 and Allow', async () => {
    for (const url of ['/healthz', '/metrics', '/', '/check-inbox']) {
      const res = await t.app.inject({ method: 'POST', url, headers: { accept: 'application/json', 'content-type': 'application/json' }, payload: '{}' });
      expect(res.statusCode, url).toBe(405);
      expect(res.headers.allow, url).toBe('GET, HEAD');
      expect(res.json()).toEqual({ ok: false, error: { status: 405, message: 'This address does not answer POST. It answers GET, HEAD.' } });
    }
  });
});
