// ResendTransport against the fake Resend, through the real SDK and real HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyResendError,
  IdempotencyMismatchError,
  PermanentBatchError,
  QuotaExceededError,
  RateLimitedError,
  TransientDeliveryError,
  TransportError,
} from '../../src/delivery/errors';
import { ResendTransport } from '../../src/delivery/resend';
import type { OutgoingEmail, SendOutcome } from '../../src/delivery/transport';
import { FakeResend, startFakeResend } from '../support/fake-resend';

const NOW = new Date('2026-03-10T15:30:00Z');

function email(n: number, over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    from: 'Meridian Clinic <hello@clinic.example>',
    to: `patient${n}@example.com`,
    subject: `Week ${n}`,
    html: `<p>Hello ${n}</p>`,
    text: `Hello ${n}`,
    headers: {
      'List-Unsubscribe': `<https://clinic.example/u/${n}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: [
      { name: 'sequence', value: 'welcome' },
      { name: 'step', value: String(n) },
      { name: 'send', value: `send_${n}` },
    ],
    ...over,
  };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function thrown(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return err as TransportError;
  }
  throw new Error('expected the call to throw');
}

describe('ResendTransport', () => {
  let fake: FakeResend;
  let transport: ResendTransport;
  beforeAll(async () => {
    fake = await startFakeResend();
    transport = new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url, clock: () => NOW });
  });
  afterEach(() => fake.restoreDefaults());
  afterAll(async () => {
    await fake.stop();
  });

  it('sends a full batch (maxBatchSize, Resend\'s 100) in one request, every email accepted', async () => {
    const full = Array.from({ length: transport.maxBatchSize }, (_, i) => email(i));
    const outcomes = await transport.sendBatch(full, { idempotencyKey: 'full-batch' });
    const stored = fake.emails();
    expect(stored).toHaveLength(100);
    expect(outcomes).toEqual(stored.map((e) => ({ ok: true, providerId: e.id })));
    expect(fake.requests()).toMatchObject([{ path: '/emails/batch', status: 200, emailCount: 100 }]);
  });

  it('sends a batch with headers, tags and the idempotency key, in permissive mode', async () => {
    const outcomes = await transport.sendBatch([email(1), email(2), email(3)], { idempotencyKey: 'batch-1' });
    const stored = fake.emails();
    expect(outcomes).toEqual(stored.map((e) => ({ ok: true, providerId: e.id })));
    expect(stored.map((e) => e.to)).toEqual([['patient1@example.com'], ['patient2@example.com'], ['patient3@example.com']]);
    expect(stored[1]).toMatchObject({
      idempotencyKey: 'batch-1',
      subject: 'Week 2',
      html: '<p>Hello 2</p>',
      text: 'Hello 2',
      headers: { 'List-Unsubscribe': '<https://clinic.example/u/2>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      tags: [
        { name: 'sequence', value: 'welcome' },
        { name: 'step', value: '2' },
        { name: 'send', value: 'send_2' },
      ],
    });
    expect(fake.requests()).toMatchObject([{ path: '/emails/batch', batchValidation: 'permissive', idempotencyKey: 'batch-1', emailCount: 3 }]);
  });

  it('maps local refusals and Resend rejections to failed outcomes in input order', async () => {
    const emails = [
      email(0, { headers: { 'X-Evil': 'a\r\nBcc: everyone@example.com' } }), // unsafe: never leaves the process
      email(1),
      email(2, { to: 'not-an-address' }), // Resend rejects it (permissive)
      email(3, { tags: [{ name: 'send', value: 'has space' }] }), // tag Resend would refuse
      email(4),
    ];
    const outcomes = await transport.sendBatch(emails, { idempotencyKey: 'batch-mixed' });
    const stored = fake.emails();
    expect(stored.map((e) => e.subject)).toEqual(['Week 1', 'Week 4']);
    expect(outcomes[0]).toMatchObject({ ok: false, reason: expect.stringContaining('line break') });
    expect(outcomes[1]).toEqual({ ok: true, providerId: stored[0]?.id });
    expect(outcomes[2]).toMatchObject({ ok: false, reason: expect.stringContaining('Invalid `to` field') });
    expect(outcomes[3]).toMatchObject({ ok: false, reason: expect.stringContaining('tag') });
    expect(outcomes[4]).toEqual({ ok: true, providerId: stored[1]?.id });
    // Only the two safe emails went out, in one call.
    expect(fake.requests()).toHaveLength(1);
    expect(fake.requests()[0]?.emailCount).toBe(3);
  });

  it('makes no call for an empty batch or one where every email is refused locally', async () => {
    expect(await transport.sendBatch([], { idempotencyKey: 'empty' })).toEqual([]);
    const outcomes = await transport.sendBatch([email(1, { subject: 'a\nb' })], { idempotencyKey: 'none-safe' });
    expect(outcomes).toEqual([{ ok: false, reason: expect.stringContaining('subject') }]);
    expect(fake.requests()).toHaveLength(0);
  });

  it('refuses more than 100 emails or a bad key before calling Resend', async () => {
    const tooMany = await thrown(transport.sendBatch(Array.from({ length: 101 }, (_, i) => email(i)), { idempotencyKey: 'big' }));
    expect(tooMany).toBeInstanceOf(PermanentBatchError);
    expect(tooMany.code).toBe('batch_too_large');
    const badKey = await thrown(transport.sendBatch([email(1)], { idempotencyKey: 'k'.repeat(257) }));
    expect(badKey).toBeInstanceOf(PermanentBatchError);
    expect(fake.requests()).toHaveLength(0);
  });

  it('sends the same body for the same input, so a retry is a replay (header order does not matter)', async () => {
    const first = await transport.sendBatch([email(1), email(2)], { idempotencyKey: 'same' });
    const reordered = email(1);
    reordered.headers = { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Unsubscribe': '<https://clinic.example/u/1>' };
    const second = await transport.sendBatch([reordered, email(2)], { idempotencyKey: 'same' });
    expect(second).toEqual(first);
    expect(fake.emails()).toHaveLength(2);
    expect(fake.requests().map((r) => r.outcome)).toEqual(['accepted', 'replayed']);
  });

  it('delivers exactly once when the connection drops after Resend accepted, and the retry uses the same key', async () => {
    fake.injectNext({ kind: 'drop_after_accept' });
    const batch = [email(1), email(2), email(3)];
    const err = await thrown(transport.sendBatch(batch, { idempotencyKey: 'drop-1' }));
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ statusCode: null, code: 'network_error', retryable: true });
    expect(fake.emails()).toHaveLength(3); // Resend had accepted them

    const outcomes = await transport.sendBatch(batch, { idempotencyKey: 'drop-1' });
    expect(fake.emails()).toHaveLength(3);
    expect(outcomes).toEqual(fake.emails().map((e) => ({ ok: true, providerId: e.id })));
    expect(fake.requests().map((r) => r.outcome)).toEqual(['dropped_after_accept', 'replayed']);
  });

  it('gives up on a call with no answer after timeoutMs and reports a network error (retry with the same key)', async () => {
    const slow = await startFakeResend({ processingDelayMs: 2_000 });
    try {
      const impatient = new ResendTransport({ apiKey: slow.apiKey, baseUrl: slow.url, timeoutMs: 150, clock: () => NOW });
      const started = Date.now();
      const err = await thrown(impatient.sendBatch([email(1)], { idempotencyKey: 'slow' }));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err).toMatchObject({ statusCode: null, code: 'network_error', retryable: true });
    } finally {
      await slow.stop();
    }
  });

  it('a retry loop with the same key delivers every email exactly once under random faults', async () => {
    fake.setFaults({ serverError: 0.25, dropBeforeAccept: 0.15, dropAfterAccept: 0.25 });
    const results: SendOutcome[][] = [];
    for (let b = 0; b < 8; b++) {
      const batch = Array.from({ length: 5 }, (_, i) => email(b * 10 + i));
      for (let attempt = 1; ; attempt++) {
        try {
          results.push(await transport.sendBatch(batch, { idempotencyKey: `chaos-${b}` }));
          break;
        } catch (err) {
          expect(err).toBeInstanceOf(TransientDeliveryError);
          if (attempt >= 30) throw err;
        }
      }
    }
    const stored = fake.emails();
    expect(stored).toHaveLength(40);
    expect(new Set(stored.map((e) => `${e.idempotencyKey}/${e.index}`)).size).toBe(40);
    expect(results.flat()).toEqual(stored.map((e) => ({ ok: true, providerId: e.id })));
    // The faults did happen.
    expect(fake.requests().some((r) => r.outcome === 'dropped_after_accept')).toBe(true);
    expect(fake.requests().some((r) => r.status === 500)).toBe(true);
  });

  describe('whole-call failures', () => {
    it('429 rate_limit_exceeded -> RateLimitedError with retry-after and the limit headers', async () => {
      const frozen = await startFakeResend({ rateLimitPerSecond: 1, clock: () => 42_000 });
      try {
        const t = new ResendTransport({ apiKey: frozen.apiKey, baseUrl: frozen.url, clock: () => NOW });
        await t.sendBatch([email(1)], { idempotencyKey: 'rl-1' });
        const err = await thrown(t.sendBatch([email(2)], { idempotencyKey: 'rl-2' }));
        expect(err).toBeInstanceOf(RateLimitedError);
        expect(err).toMatchObject({ statusCode: 429, code: 'rate_limit_exceeded', retryAfterMs: 1000, limit: 1, remaining: 0, retryable: true });
        expect(frozen.emails()).toHaveLength(1);
      } finally {
        await frozen.stop();
      }

      fake.injectRateLimitBurst(1, 4);
      const burst = (await thrown(transport.sendBatch([email(2)], { idempotencyKey: 'rl-2' }))) as RateLimitedError;
      expect(burst.retryAfterMs).toBe(4000);
      expect(fake.emails()).toHaveLength(0);
    });

    it('daily / monthly quota -> QuotaExceededError with when to resume', async () => {
      fake.injectQuotaExceeded('daily');
      const daily = (await thrown(transport.sendBatch([email(1)], { idempotencyKey: 'q-1' }))) as QuotaExceededError;
      expect(daily).toBeInstanceOf(QuotaExceededError);
      expect(daily.quota).toBe('daily');
      expect(daily.resumeAt.toISOString()).toBe('2026-03-11T00:00:00.000Z'); // Resend: the daily quota resets at midnight UTC
      fake.injectQuotaExceeded('monthly', 1, 3600);
      const monthly = (await thrown(transport.sendBatch([email(1)], { idempotencyKey: 'q-1' }))) as QuotaExceededError;
      expect(monthly).toMatchObject({ quota: 'monthly', resumeAtIsEstimate: false });
      expect(monthly.resumeAt.toISOString()).toBe('2026-03-10T16:30:00.000Z');
    });

    it('500 and a connection dropped before accepting -> TransientDeliveryError; nothing sent', async () => {
      fake.injectNext({ kind: 'server_error' }, { kind: 'drop_before_accept' });
      const e500 = await thrown(transport.sendBatch([email(1)], { idempotencyKey: 't-1' }));
      expect(e500).toBeInstanceOf(TransientDeliveryError);
      expect(e500).toMatchObject({ statusCode: 500, code: 'application_error' });
      const dropped = await thrown(transport.sendBatch([email(1)], { idempotencyKey: 't-1' }));
      expect(dropped).toBeInstanceOf(TransientDeliveryError);
      expect(dropped.statusCode).toBeNull();
      expect(fake.emails()).toHaveLength(0);
    });

    it('409 concurrent_idempotent_requests -> TransientDeliveryError', async () => {
      fake.setProcessingDelay(600);
      const first = transport.sendBatch([email(1)], { idempotencyKey: 'c-1' });
      await until(() => fake.inFlightKeys().includes('c-1')); // the first request is in flight
      const err = await thrown(transport.sendBatch([email(1)], { idempotencyKey: 'c-1' }));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err).toMatchObject({ statusCode: 409, code: 'concurrent_idempotent_requests' });
      expect(await first).toEqual([{ ok: true, providerId: fake.emails()[0]?.id }]);
    });

    it('409 invalid_idempotent_request -> IdempotencyMismatchError (a bug: the body changed under the same key)', async () => {
      await transport.sendBatch([email(1)], { idempotencyKey: 'm-1' });
      const err = await thrown(transport.sendBatch([email(1, { subject: 'Changed' })], { idempotencyKey: 'm-1' }));
      expect(err).toBeInstanceOf(IdempotencyMismatchError);
      expect(err).toMatchObject({ statusCode: 409, retryable: false });
      expect(fake.emails()).toHaveLength(1);
    });

    it('bad API key -> PermanentBatchError', async () => {
      const wrong = new ResendTransport({ apiKey: 're_wrong', baseUrl: fake.url });
      const err = await thrown(wrong.sendBatch([email(1)], { idempotencyKey: 'p-1' }));
      expect(err).toBeInstanceOf(PermanentBatchError);
      expect(err).toMatchObject({ statusCode: 403, code: 'invalid_api_key', retryable: false });
    });

    it('an unreachable server -> TransientDeliveryError (network error)', async () => {
      const gone = await startFakeResend();
      const url = gone.url;
      await gone.stop();
      const t = new ResendTransport({ apiKey: 're_x', baseUrl: url });
      const err = await thrown(t.sendBatch([email(1)], { idempotencyKey: 'n-1' }));
      expect(err).toBeInstanceOf(TransientDeliveryError);
      expect(err.code).toBe('network_error');
    });
  });

  it('refuses a response whose ids do not add up, without guessing which emails went out', async () => {
    const t = new ResendTransport({
      apiKey: 'unused',
      client: { batch: { send: async () => ({ data: { data: [{ id: 'only-one' }], errors: [] }, error: null, headers: {} }) } },
    });
    const err = await thrown(t.sendBatch([email(1), email(2)], { idempotencyKey: 'odd' }));
    expect(err).toBeInstanceOf(PermanentBatchError);
    expect(err.code).toBe('unexpected_response');
  });
});

describe('classifyResendError', () => {
  const at = new Date('2026-01-31T22:00:00Z');
  const c = (name: string, statusCode: number | null, headers: Record<string, string> | null = {}) =>
    classifyResendError({ name, statusCode, message: 'm' }, headers, at);

  it('network failures (statusCode null) are transient', () => {
    expect(c('application_error', null, null)).toBeInstanceOf(TransientDeliveryError);
  });

  it('rate limits read retry-after (seconds or HTTP date), then ratelimit-reset, then default 1 s', () => {
    expect(c('rate_limit_exceeded', 429, { 'retry-after': '2' })).toMatchObject({ retryAfterMs: 2000 });
    expect(c('rate_limit_exceeded', 429, { 'retry-after': 'Sat, 31 Jan 2026 22:00:05 GMT' })).toMatchObject({ retryAfterMs: 5000 });
    expect(c('rate_limit_exceeded', 429, { 'ratelimit-reset': '3' })).toMatchObject({ retryAfterMs: 3000 });
    expect(c('rate_limit_exceeded', 429, null)).toMatchObject({ retryAfterMs: 1000 });
    expect(c('application_error', 429)).toBeInstanceOf(RateLimitedError); // a 429 from a proxy
  });

  it('quotas resume at the next UTC midnight (daily) or, as an estimate, the next UTC month (monthly)', () => {
    expect(c('daily_quota_exceeded', 429)).toMatchObject({ quota: 'daily', resumeAtIsEstimate: false, resumeAt: new Date('2026-02-01T00:00:00Z') });
    expect(c('monthly_quota_exceeded', 429)).toMatchObject({ quota: 'monthly', resumeAtIsEstimate: true, resumeAt: new Date('2026-02-01T00:00:00Z') });
  });

  it('maps 409s, 5xx and 4xx', () => {
    expect(c('invalid_idempotent_request', 409)).toBeInstanceOf(IdempotencyMismatchError);
    expect(c('concurrent_idempotent_requests', 409)).toBeInstanceOf(TransientDeliveryError);
    expect(c('application_error', 500)).toBeInstanceOf(TransientDeliveryError);
    expect(c('service_unavailable', 503)).toBeInstanceOf(TransientDeliveryError);
    for (const [name, status] of [
      ['validation_error', 422],
      ['validation_error', 403],
      ['missing_api_key', 401],
      ['invalid_api_key', 403],
      ['invalid_from_address', 422],
      ['invalid_idempotency_key', 400],
      ['something_new', 400],
    ] as const) {
      const err = c(name, status);
      expect(err, name).toBeInstanceOf(PermanentBatchError);
      expect(err.retryable).toBe(false);
      expect(err.action).toMatch(/Do not retry/);
    }
  });
});
