// The Resend test double itself: if it drifts from Resend's behaviour, the
// transport tests built on it prove nothing.
import { Resend } from 'resend';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeResend, startFakeResend } from '../support/fake-resend';

function email(n: number, over: Record<string, unknown> = {}) {
  return { from: 'Clinic <hello@clinic.example>', to: `p${n}@example.com`, subject: `Hello ${n}`, html: `<p>${n}</p>`, text: `${n}`, ...over };
}

async function post(fake: FakeResend, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as any) : null };
}

describe('fake Resend', () => {
  let fake: FakeResend;
  beforeAll(async () => {
    fake = await startFakeResend();
  });
  afterEach(() => fake.restoreDefaults());
  afterAll(async () => {
    await fake.stop();
  });

  it('listens on loopback only', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('requires a Bearer key: 401 without one, 403 with a wrong one', async () => {
    const none = await fetch(`${fake.url}/emails/batch`, { method: 'POST', body: JSON.stringify([email(1)]) });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' });
    const wrong = await post(fake, '/emails/batch', [email(1)], { authorization: 'Bearer re_wrong' });
    expect(wrong.status).toBe(403);
    expect(wrong.json.name).toBe('invalid_api_key');
    expect(fake.emails()).toHaveLength(0);
  });

  it('answers 404 and 405 like Resend', async () => {
    expect((await post(fake, '/nope', {})).json.name).toBe('not_found');
    const get = await fetch(`${fake.url}/emails`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(get.status).toBe(405);
  });

  it('accepts a strict batch and answers one id per email in order', async () => {
    const r = await post(fake, '/emails/batch', [email(1), email(2)]);
    expect(r.status).toBe(200);
    expect(r.json.errors).toBeUndefined();
    expect(r.json.data.map((d: { id: string }) => d.id)).toEqual(fake.emails().map((e) => e.id));
    expect(fake.emails().map((e) => e.to)).toEqual([['p1@example.com'], ['p2@example.com']]);
  });

  it('refuses a batch over 100 emails with 422 validation_error and accepts nothing', async () => {
    const r = await post(fake, '/emails/batch', Array.from({ length: 101 }, (_, i) => email(i)), { 'x-batch-validation': 'permissive' });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(fake.emails()).toHaveLength(0);
    const exactly100 = await post(fake, '/emails/batch', Array.from({ length: 100 }, (_, i) => email(i)));
    expect(exactly100.status).toBe(200);
    expect(fake.emails()).toHaveLength(100);
  });

  it('strict mode rejects the whole batch when one email is invalid', async () => {
    const r = await post(fake, '/emails/batch', [email(1), email(2, { to: undefined })]);
    expect(r.status).toBe(422);
    expect(r.json.name).toBe('validation_error');
    expect(r.json.message).toContain('emails[1]');
    expect(fake.emails()).toHaveLength(0);
  });

  it('permissive mode accepts the valid emails and lists the invalid ones by index', async () => {
    const r = await post(fake, '/emails/batch', [email(0, { from: undefined }), email(1), email(2, { subject: '' }), email(3, { to: 'not-an-address' }), email(4)], {
      'x-batch-validation': 'permissive',
    });
    expect(r.status).toBe(200);
    expect(r.json.data).toHaveLength(2);
    expect(r.json.errors).toEqual([
      { index: 0, message: 'The `from` field is missing.' },
      { index: 2, message: 'The `subject` field is missing.' },
      { index: 3, message: expect.stringContaining('Invalid `to` field') },
    ]);
    expect(fake.emails().map((e) => e.index)).toEqual([1, 4]);
  });

  it('sees what the SDK sends: x-batch-validation, Idempotency-Key, headers and tags', async () => {
    const resend = new Resend(fake.apiKey, { baseUrl: fake.url });
    const { data, error } = await resend.batch.send(
      [{ ...email(1), headers: { 'List-Unsubscribe': '<https://x.example/u>' }, tags: [{ name: 'send', value: 's1' }] }],
      { idempotencyKey: 'k-sdk', batchValidation: 'permissive' },
    );
    expect(error).toBeNull();
    expect(data?.errors).toEqual([]);
    const [req] = fake.requests();
    expect(req).toMatchObject({ batchValidation: 'permissive', idempotencyKey: 'k-sdk', status: 200, outcome: 'accepted' });
    expect(fake.emails()[0]).toMatchObject({
      idempotencyKey: 'k-sdk',
      headers: { 'List-Unsubscribe': '<https://x.example/u>' },
      tags: [{ name: 'send', value: 's1' }],
    });
  });

  describe('idempotency', () => {
    it('replays the stored answer for the same key and body without accepting again', async () => {
      const first = await post(fake, '/emails/batch', [email(1), email(2)], { 'idempotency-key': 'k1' });
      const again = await post(fake, '/emails/batch', [email(1), email(2)], { 'idempotency-key': 'k1' });
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
      expect(fake.emails()).toHaveLength(2);
      expect(fake.requests().map((r) => r.outcome)).toEqual(['accepted', 'replayed']);
    });

    it('answers 409 invalid_idempotent_request for the same key with another body', async () => {
      await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'k2' });
      const other = await post(fake, '/emails/batch', [email(9)], { 'idempotency-key': 'k2' });
      expect(other.status).toBe(409);
      expect(other.json.name).toBe('invalid_idempotent_request');
      expect(fake.emails()).toHaveLength(1);
    });

    it('answers 409 concurrent_idempotent_requests while the first request is in flight', async () => {
      fake.setProcessingDelay(600);
      const first = post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'k3' });
      while (fake.inFlightKeys().length === 0) await new Promise((r) => setTimeout(r, 5));
      const b = await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'k3' });
      const a = await first;
      expect(fake.inFlightKeys()).toEqual([]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(409);
      expect(b.json.name).toBe('concurrent_idempotent_requests');
      expect(fake.emails()).toHaveLength(1);
    });

    it('does not remember rejected requests, scopes keys per endpoint and checks key length', async () => {
      const bad = await post(fake, '/emails/batch', [email(1, { to: undefined })], { 'idempotency-key': 'k4' });
      expect(bad.status).toBe(422);
      expect((await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'k4' })).status).toBe(200);
      expect((await post(fake, '/emails', email(1), { 'idempotency-key': 'k4' })).status).toBe(200);
      const long = await post(fake, '/emails', email(1), { 'idempotency-key': 'x'.repeat(257) });
      expect(long.status).toBe(400);
      expect(long.json.name).toBe('invalid_idempotency_key');
    });

    it('forgets keys after the TTL', async () => {
      let now = 1_000_000;
      const timed = await startFakeResend({ clock: () => now, idempotencyTtlMs: 60_000 });
      try {
        await post(timed, '/emails/batch', [email(1)], { 'idempotency-key': 'k5' });
        now += 59_000;
        expect((await post(timed, '/emails/batch', [email(2)], { 'idempotency-key': 'k5' })).status).toBe(409);
        now += 1_000;
        expect((await post(timed, '/emails/batch', [email(2)], { 'idempotency-key': 'k5' })).status).toBe(200);
        expect(timed.emails()).toHaveLength(2);
      } finally {
        await timed.stop();
      }
    });
  });

  describe('rate limit and quota', () => {
    it('answers 429 rate_limit_exceeded with retry-after and ratelimit-* headers over the per-second limit', async () => {
      let now = 5_000;
      const limited = await startFakeResend({ clock: () => now, rateLimitPerSecond: 2 });
      try {
        const a = await post(limited, '/emails/batch', [email(1)]);
        expect(a.headers.get('ratelimit-limit')).toBe('2');
        expect(a.headers.get('ratelimit-remaining')).toBe('1');
        now += 400;
        await post(limited, '/emails/batch', [email(2)]);
        now += 100;
        const c = await post(limited, '/emails/batch', [email(3)]);
        expect(c.status).toBe(429);
        expect(c.json).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
        expect(c.headers.get('retry-after')).toBe('1');
        expect(c.headers.get('ratelimit-limit')).toBe('2');
        expect(c.headers.get('ratelimit-remaining')).toBe('0');
        expect(c.headers.get('ratelimit-reset')).toBe('1');
        now += 500; // the first request leaves the window
        expect((await post(limited, '/emails/batch', [email(4)])).status).toBe(200);
        expect(limited.emails().map((e) => e.subject)).toEqual(['Hello 1', 'Hello 2', 'Hello 4']);
        expect(limited.maxRequestsPerSecond()).toBe(3);
        expect(limited.maxRequestsPerSecond((r) => r.status === 200)).toBe(2);
      } finally {
        await limited.stop();
      }
    });

    it('injects 429 bursts and quota errors, then recovers', async () => {
      fake.injectRateLimitBurst(2, 3);
      fake.injectQuotaExceeded('daily');
      fake.injectQuotaExceeded('monthly', 1, 7200);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await post(fake, '/emails/batch', [email(i)]));
      expect(answers.map((a) => [a.status, a.json.name ?? 'ok'])).toEqual([
        [429, 'rate_limit_exceeded'],
        [429, 'rate_limit_exceeded'],
        [429, 'daily_quota_exceeded'],
        [429, 'monthly_quota_exceeded'],
        [200, 'ok'],
      ]);
      expect(answers[0]?.headers.get('retry-after')).toBe('3');
      expect(answers[3]?.headers.get('retry-after')).toBe('7200');
      expect(fake.emails()).toHaveLength(1);
    });
  });

  describe('faults', () => {
    it('a connection dropped after accepting keeps the emails and the idempotency result', async () => {
      fake.injectNext({ kind: 'drop_after_accept' });
      await expect(post(fake, '/emails/batch', [email(1), email(2)], { 'idempotency-key': 'd1' })).rejects.toThrow();
      expect(fake.emails()).toHaveLength(2);
      const retry = await post(fake, '/emails/batch', [email(1), email(2)], { 'idempotency-key': 'd1' });
      expect(retry.json.data.map((d: { id: string }) => d.id)).toEqual(fake.emails().map((e) => e.id));
      expect(fake.emails()).toHaveLength(2);
      expect(fake.requests().map((r) => [r.outcome, r.status])).toEqual([
        ['dropped_after_accept', null],
        ['replayed', 200],
      ]);
    });

    it('a connection dropped before accepting keeps nothing; a 500 keeps nothing', async () => {
      fake.injectNext({ kind: 'drop_before_accept' }, { kind: 'server_error' });
      await expect(post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'd2' })).rejects.toThrow();
      const err = await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'd2' });
      expect(err.status).toBe(500);
      expect(err.json.name).toBe('application_error');
      expect(fake.emails()).toHaveLength(0);
      expect((await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'd2' })).status).toBe(200);
      expect(fake.emails()).toHaveLength(1);
    });

    it('random faults follow the seed and can be changed at run time', async () => {
      const run = async (seed: number) => {
        const f = await startFakeResend({ seed, faults: { serverError: 0.3, dropBeforeAccept: 0.2 } });
        const seen: string[] = [];
        try {
          for (let i = 0; i < 30; i++) {
            seen.push(await post(f, '/emails/batch', [email(i)]).then((r) => String(r.status), () => 'dropped'));
          }
          f.setFaults({ serverError: 0, dropBeforeAccept: 0 });
          seen.push(String((await post(f, '/emails/batch', [email(99)])).status));
        } finally {
          await f.stop();
        }
        return seen;
      };
      const a = await run(7);
      expect(await run(7)).toEqual(a);
      expect(a).toContain('500');
      expect(a).toContain('dropped');
      expect(a).toContain('200');
      expect(a.at(-1)).toBe('200');
    });
  });

  it('reset() forgets emails, requests and keys', async () => {
    await post(fake, '/emails/batch', [email(1)], { 'idempotency-key': 'r1' });
    fake.reset();
    expect(fake.emails()).toEqual([]);
    expect(fake.requests()).toEqual([]);
    expect((await post(fake, '/emails/batch', [email(2)], { 'idempotency-key': 'r1' })).status).toBe(200);
  });
});
