// Issue 7 §3: forged X-Forwarded-For, names used for phishing, slow clients.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/web/app';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, mailsTo } from './helpers';

describe('X-Forwarded-For', () => {
  const limits = { perIpPerHour: 5, perAddressPerHour: 100, confirmationResendMs: 60_000 };

  it.each([
    ['a hop count', '1'],
    ['a list of proxy addresses', '10.0.0.2, 10.0.0.3'],
  ])('with %s, a forged first entry neither escapes the per-IP limit nor reaches the ledger', async (_label, trust) => {
    const t = await createTestApp('xff', { TRUST_PROXY: trust }, { signupLimits: limits });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/subscribe',
          remoteAddress: '10.0.0.2',
          headers: { ...FORM, 'x-forwarded-for': `192.0.2.${i + 1}, 198.51.100.7` },
          payload: form({ email: `xff${i}@example.com`, consent: 'yes' }),
        });
        statuses.push(res.statusCode);
      }
      expect(statuses).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
      const s = (await t.core.store.findByCanonical('xff0@example.com'))!;
      const [signup] = await t.core.store.ledger(s.id);
      expect(signup!.ip).toBe('198.51.100.7');
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For from a peer that is not a listed proxy', async () => {
    const t = await createTestApp('xffdirect', { TRUST_PROXY: '10.0.0.2' });
    try {
      await t.app.inject({
        method: 'POST',
        url: '/subscribe',
        remoteAddress: '203.0.113.9',
        headers: { ...FORM, 'x-forwarded-for': '192.0.2.1' },
        payload: form({ email: 'direct@example.com', consent: 'yes' }),
      });
      const s = (await t.core.store.findByCanonical('direct@example.com'))!;
      expect((await t.core.store.ledger(s.id))[0]!.ip).toBe('203.0.113.9');
    } finally {
      await t.close();
    }
  });
});

describe('the first-name field', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('names');
  });
  afterAll(() => t.close());

  it.each([
    'Hello - your account is locked, verify at https://evil.example/x,',
    'see evil.example now',
    'www.evil.example',
    'Ann@evil',
    'Ann\u202eevil',
    'Ann\u2066x\u2069',
    'An\u200bn',
    'Ann\u00ad',
    'Ann <b>',
    'Ann: click',
  ])('refuses %j with 400 and stores nothing', async (firstName) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'phish@example.com', consent: true, firstName } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('firstName');
    expect(await t.core.store.findByCanonical('phish@example.com')).toBeNull();
  });

  it.each(['Ann', 'Mary-Jane', "O'Brien", 'Zoë', 'José María', 'Nguyễn', 'Dr. Amy', 'D’Arcy', '李雷', 'अनीता'])('accepts the name %j', async (firstName) => {
    const email = `ok${Buffer.from(firstName).toString('hex').slice(0, 16)}@example.com`;
    const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true, firstName } });
    expect(res.statusCode).toBe(202);
    expect((await t.core.store.findByCanonical(email))!.firstName).toBe(firstName.normalize('NFC'));
  });

  it('keeps the name out of the confirmation email', async () => {
    await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email: 'greet@example.com', consent: true, firstName: 'Rumpelstiltskin' } });
    const [mail] = await mailsTo(t, 'greet@example.com');
    expect(mail).toBeDefined();
    expect(mail!.raw).not.toContain('Rumpelstiltskin');
    expect(mail!.mail.text).toContain('Hello there,');
  });
});

describe('slow clients', () => {
  it('closes a connection whose body trickles in, long before it completes', async () => {
    const t = await createTestApp('slow');
    const app = await buildApp({
      config: t.config,
      service: t.core.service,
      logger: t.core.logger,
      metrics: t.core.metrics,
      health: { live: async () => true, ready: async () => ({ ok: true, checks: { redis: 'ok', scheduler: 'ok' } }) },
      timeouts: { requestMs: 1500, idleMs: 1000, checkEveryMs: 200 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const declared = 200;
    let sent = 0;
    let answer = '';
    try {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          clearInterval(timer);
          resolve();
        };
        socket.on('data', (d) => (answer += String(d)));
        socket.on('close', finish);
        socket.on('error', finish);
        socket.on('connect', () => {
          socket.write(`POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${declared}\r\n\r\n`);
          // One byte every 250 ms: never idle for long, but never done.
          timer = setInterval(() => {
            if (sent >= declared) return;
            sent += 1;
            socket.write('a');
          }, 250);
        });
      });
      expect(sent).toBeLessThan(declared);
      if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await app.close();
      await t.close();
    }
  });
});

describe('POST /preferences/:token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('prefsabuse');
  });
  afterAll(() => t.close());

  async function activeSubscriber(email: string) {
    await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } });
    await t.settle(); // the confirmation job appends its own ledger entry
    const s = (await t.core.store.findByCanonical(email))!;
    await t.core.service.confirm(s, { ip: null, userAgent: null });
    return (await t.core.store.get(s.id))!;
  }

  it('writes no ledger entry for a change that changes nothing', async () => {
    const s = await activeSubscriber('noop@example.com');
    const url = t.core.links.preferencesUrl(s.id, s.canonical).replace('https://clinic.example', '');
    const before = (await t.core.store.ledger(s.id)).length;
    const post = (fields: Record<string, string | string[]>) => t.app.inject({ method: 'POST', url, headers: FORM, payload: form(fields) });
    const topics = s.topics;
    expect((await post({ action: 'save', topics })).statusCode).toBe(200);
    expect((await post({ action: 'save', topics: [...topics].reverse() })).statusCode).toBe(200);
    expect((await post({ action: 'resume' })).statusCode).toBe(200);
    expect(await t.core.store.ledger(s.id)).toHaveLength(before);
    // A real change is recorded once; pressing it again is not.
    for (let i = 0; i < 3; i++) expect((await post({ action: 'pause', days: '14' })).statusCode).toBe(200);
    const after = await t.core.store.ledger(s.id);
    expect(after.slice(before).map((e) => e.event)).toEqual(['paused']);
  });

  it('limits changes per subscriber with 429 and Retry-After, and never limits unsubscribing', async () => {
    const s = await activeSubscriber('flood@example.com');
    const url = t.core.links.preferencesUrl(s.id, s.canonical).replace('https://clinic.example', '');
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({ method: 'POST', url, headers: FORM, payload: form({ action: 'pause', days: i % 2 === 0 ? '7' : '30' }) });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 20).every((c) => c === 200)).toBe(true);
    expect(statuses.slice(20).every((c) => c === 429)).toBe(true);
    // 1 signup + 1 confirmed + at most 20 changes: the ledger stays bounded.
    expect((await t.core.store.ledger(s.id)).length).toBeLessThanOrEqual(22 + 1);
    const out = await t.app.inject({ method: 'POST', url, headers: FORM, payload: form({ action: 'unsubscribe' }) });
    expect(out.statusCode).toBe(200);
    expect((await t.core.store.get(s.id))!.status).toBe('unsubscribed');
  });
});
