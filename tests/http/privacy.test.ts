// Issue 7 §2: no membership oracle and no token in places others can read:
// /metrics needs a token or loopback, logs carry routes without link tokens.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxTransport } from '../../src/delivery/outbox';
import { Metrics } from '../../src/observability/metrics';
import { redactUrl } from '../../src/observability/redact';
import { TokenSigner } from '../../src/security/tokens';
import { compose } from '../../src/runtime/compose';
import { createWebApp } from '../../src/runtime/web';
import { loadConfig } from '../../src/config';
import { DEFAULT_SIGNUP_LIMITS } from '../../src/subscribers/signup-limits';
import { createTestApp, type TestApp } from '../support/app';
import { testRedisUrl, uniquePrefix } from '../support/redis';
import { FORM, form, pathOf, tokenOf } from './helpers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'metrics-token-'.padEnd(40, 'z');

describe('/metrics outside tests', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('metricsdev', { NODE_ENV: 'development', METRICS_TOKEN: TOKEN });
  });
  afterAll(() => t.close());
  const remote = '203.0.113.50';

  it('refuses a remote scraper without the bearer token, or with a wrong one', async () => {
    const none = await t.app.inject({ url: '/metrics', remoteAddress: remote });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body).not.toContain('meridian_');
    for (const auth of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${TOKEN}`, TOKEN]) {
      const res = await t.app.inject({ url: '/metrics', remoteAddress: remote, headers: { authorization: auth } });
      expect(res.statusCode, auth).toBe(401);
      expect(res.body).not.toContain('meridian_');
    }
  });

  it('answers the right bearer token from anywhere, and a direct loopback scraper', async () => {
    const remoteOk = await t.app.inject({ url: '/metrics', remoteAddress: remote, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(remoteOk.statusCode).toBe(200);
    expect(remoteOk.body).toContain('meridian_signups_total');
    const local = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    const local6 = await t.app.inject({ url: '/metrics', remoteAddress: '::1' });
    expect(local6.statusCode).toBe(200);
  });

  it('does not count a proxied request as loopback', async () => {
    const viaProxy = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(viaProxy.statusCode).toBe(401);
    const forwarded = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers: { forwarded: 'for=198.51.100.7' } });
    expect(forwarded.statusCode).toBe(401);
  });

  it('without METRICS_TOKEN only loopback reads metrics, in production too', async () => {
    const prod = await createTestApp('metricsprod', { NODE_ENV: 'production', OUTBOX_IN_PRODUCTION: 'true' });
    try {
      expect((await prod.app.inject({ url: '/metrics', remoteAddress: remote })).statusCode).toBe(401);
      expect((await prod.app.inject({ url: '/metrics', remoteAddress: remote, headers: { authorization: 'Bearer anything-at-all-anything-at-all' } })).statusCode).toBe(401);
      expect((await prod.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    } finally {
      await prod.close();
    }
  });
});

describe('logs', () => {
  it('redacts token-like path segments and secret query values', () => {
    const token = 'v1.manage.4f1c2d9e-1111-4222-8333-944455556666.AbCdEfGhIjKlMnOp.0.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c';
    expect(redactUrl(`/preferences/${token}`)).toBe('/preferences/[token]');
    expect(redactUrl(`/unsubscribe/${token}?x=1`)).toBe('/unsubscribe/[token]?x=1');
    expect(redactUrl(`/confirm/${token}`)).toBe('/confirm/[token]');
    expect(redactUrl('/things?token=abc&page=2')).toBe('/things?token=[token]&page=2');
    expect(redactUrl('/static/app.css')).toBe('/static/app.css');
    expect(redactUrl('/check-inbox')).toBe('/check-inbox');
  });

  it('never writes a confirm or manage token into the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const outboxDir = mkdtempSync(join(tmpdir(), 'meridian-outbox-logs-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      PUBLIC_URL: 'https://clinic.example',
      REDIS_PREFIX: uniquePrefix('logs'),
      OUTBOX_DIR: outboxDir,
    });
    const core = compose(config, {
      redisUrl: testRedisUrl(),
      logger: pino({ level: 'info' }, sink),
      transport: new OutboxTransport(outboxDir),
      metrics: new Metrics(false),
      signupLimits: { ...DEFAULT_SIGNUP_LIMITS, perIpPerHour: 1000 },
    });
    const app = await createWebApp(core);
    try {
      await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'logged@example.com', consent: 'yes' }) });
      const subscriber = (await core.store.findByCanonical('logged@example.com'))!;
      const confirm = core.links.confirmUrl(subscriber.id, subscriber.canonical);
      await app.inject({ url: pathOf(confirm) });
      await app.inject({ method: 'POST', url: pathOf(confirm), headers: FORM, payload: '' });
      const manage = core.links.preferencesUrl((await core.store.findByCanonical('logged@example.com'))!.id, 'logged@example.com');
      await app.inject({ url: pathOf(manage) });
      await app.inject({ url: pathOf(core.links.unsubscribeUrl((await core.store.findByCanonical('logged@example.com'))!.id, 'logged@example.com')) });
      const log = lines.join('');
      expect(log).toContain('request completed');
      // One line for the signup request: the request, the answer and what the signup did, never the address.
      const signupLines = log
        .split('\n')
        .filter((l) => l.includes('"url":"/subscribe"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(signupLines).toHaveLength(1);
      expect(signupLines[0]).toMatchObject({ msg: 'request completed', req: { method: 'POST' }, res: { statusCode: 303 }, signup: 'send-confirmation', form: 'embed', subscriberId: subscriber.id });
      expect(log).not.toContain('logged@example.com');
      expect(log).toContain('/confirm/[token]');
      expect(log).toContain('/preferences/[token]');
      for (const token of [tokenOf(confirm), tokenOf(manage)]) {
        expect(log).not.toContain(token);
        // Not even the signature part on its own.
        expect(log).not.toContain(token.split('.').pop()!);
      }
    } finally {
      await app.close();
      await core.close();
    }
  });
});

describe('manage links expire', () => {
  const DAY = 86_400_000;
  let now = Date.UTC(2026, 10, 25, 12);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('manageexp', { MANAGE_TOKEN_TTL: '30d' }, { clock: () => now });
  });
  afterAll(() => t.close());

  it('an expired link no longer opens preferences or shows the address, but still unsubscribes', async () => {
    await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'old-link@example.com', consent: true } });
    await t.settle();
    const s = (await t.core.store.findByCanonical('old-link@example.com'))!;
    await t.core.service.confirm(s, { ip: null, userAgent: null });
    const prefs = pathOf(t.core.links.preferencesUrl(s.id, s.canonical));
    const unsub = pathOf(t.core.links.unsubscribeUrl(s.id, s.canonical));
    expect((await t.app.inject({ url: prefs })).statusCode).toBe(200);
    expect((await t.app.inject({ url: unsub })).body).toContain('old-link@example.com');

    now += 40 * DAY;
    const expired = await t.app.inject({ url: prefs });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).not.toContain('old-link@example.com');
    const post = await t.app.inject({ method: 'POST', url: prefs, headers: FORM, payload: form({ action: 'pause', days: '7' }) });
    expect(post.statusCode).toBe(410);
    expect((await t.core.store.get(s.id))!.status).toBe('active');
    const page = await t.app.inject({ url: unsub });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('old-link@example.com');
    expect(page.body).not.toContain('/preferences/');
    const oneClick = await t.app.inject({ method: 'POST', url: unsub, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);
    expect((await t.core.store.get(s.id))!.status).toBe('unsubscribed');
  });

  it('treats links from before expiry existed (expiresAt 0) the same way', async () => {
    await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'legacy@example.com', consent: true } });
    await t.settle();
    const s = (await t.core.store.findByCanonical('legacy@example.com'))!;
    await t.core.service.confirm(s, { ip: null, userAgent: null });
    const legacy = t.core.signer.sign({ purpose: 'manage', subscriberId: s.id, addressDigest: TokenSigner.addressDigest(s.canonical), expiresAt: 0 });
    expect((await t.app.inject({ url: `/preferences/${legacy}` })).statusCode).toBe(410);
    const oneClick = await t.app.inject({ method: 'POST', url: `/unsubscribe/${legacy}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);
    expect((await t.core.store.get(s.id))!.status).toBe('unsubscribed');
  });
});
