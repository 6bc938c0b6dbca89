// Failures of a whole sendBatch call, each saying what failed and what the
// caller should do about it. Per-email rejections are not errors: they come
// back as SendOutcome values (see transport.ts).
//
// classifyResendError() maps the Resend SDK's { error, headers } (the SDK
// never throws on API errors) onto these classes. It is pure: the caller
// passes the clock.

export type TransportErrorKind = 'rate_limited' | 'transient' | 'quota_exceeded' | 'permanent' | 'idempotency_mismatch';

export interface TransportErrorInit {
  /** Provider error name (e.g. "rate_limit_exceeded"), or "network_error" when no answer came back. */
  code: string;
  /** HTTP status, or null when no response was received (network failure, dropped connection, timeout). */
  statusCode: number | null;
  /** The provider's own message, for logs. */
  providerMessage: string;
}

export abstract class TransportError extends Error {
  abstract readonly kind: TransportErrorKind;
  /** Whether sending the same batch again, with the SAME idempotency key, can succeed later. */
  abstract readonly retryable: boolean;
  /** What the caller should do, in words, for logs and alerts. */
  abstract readonly action: string;
  readonly code: string;
  readonly statusCode: number | null;
  readonly providerMessage: string;

  protected constructor(message: string, init: TransportErrorInit) {
    super(message);
    this.name = new.target.name;
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.providerMessage = init.providerMessage;
  }
}

/** 429 rate_limit_exceeded: too many requests per second. Wait retryAfterMs, then retry with the same key. */
export class RateLimitedError extends TransportError {
  readonly kind = 'rate_limited' as const;
  readonly retryable = true;
  readonly action: string;
  constructor(
    readonly retryAfterMs: number,
    init: TransportErrorInit,
    /** ratelimit-limit / ratelimit-remaining as sent by the provider, when present. */
    readonly limit: number | null = null,
    readonly remaining: number | null = null,
  ) {
    super(`Resend rate limit exceeded (${init.code}); retry in ${retryAfterMs} ms.`, init);
    this.action = `Wait ${retryAfterMs} ms, then retry with the same idempotency key; lower the send rate if this repeats.`;
  }
}

/**
 * 5xx, a network failure or dropped connection (statusCode null: the batch may
 * or may not have been accepted), or concurrent_idempotent_requests. Retry with
 * backoff and the SAME idempotency key, so an accepted batch is not sent twice.
 */
export class TransientDeliveryError extends TransportError {
  readonly kind = 'transient' as const;
  readonly retryable = true;
  readonly action = 'Retry with exponential backoff and the same idempotency key; give up (and alert) after a bounded number of attempts.';
  constructor(
    message: string,
    init: TransportErrorInit,
    /** A delay the provider asked for (retry-after), if any; otherwise pick your own backoff. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message, init);
  }
}

/** 429 daily_quota_exceeded / monthly_quota_exceeded: nothing will be sent until the quota resets. */
export class QuotaExceededError extends TransportError {
  readonly kind = 'quota_exceeded' as const;
  readonly retryable = true;
  readonly action: string;
  constructor(
    readonly quota: 'daily' | 'monthly',
    /** When sending may resume. */
    readonly resumeAt: Date,
    /** True when resumeAt is a guess (the monthly quota follows the billing cycle, which the API does not tell). */
    readonly resumeAtIsEstimate: boolean,
    init: TransportErrorInit,
  ) {
    super(`Resend ${quota} email quota exceeded; sending can resume at ${resumeAt.toISOString()}${resumeAtIsEstimate ? ' (estimate)' : ''}.`, init);
    this.action = `Park all sending until ${resumeAt.toISOString()} and alert an operator (upgrade the plan to resume sooner).`;
  }
}

/** A 4xx for the whole call (bad API key, bad from address, invalid payload...). Retrying cannot help. */
export class PermanentBatchError extends TransportError {
  readonly kind = 'permanent' as const;
  readonly retryable = false;
  readonly action = 'Do not retry: fix the configuration or the payload, then send again. Alert an operator.';
  constructor(message: string, init: TransportErrorInit) {
    super(message, init);
  }
}

/**
 * 409 invalid_idempotent_request: the key was already accepted with a
 * different body. A re-planned retry reads it as proof that an earlier payload
 * was accepted (retry-plan.ts); anywhere else it is a bug in the caller.
 */
export class IdempotencyMismatchError extends TransportError {
  readonly kind = 'idempotency_mismatch' as const;
  readonly retryable = false;
  readonly action =
    'Bug: the batch body for this idempotency key changed between attempts. Do not retry and do not switch keys blindly (that could send twice); fix batch construction.';
  constructor(message: string, init: TransportErrorInit) {
    super(message, init);
  }
}

/** The shape of the SDK's `error` (ErrorResponse); loose so unknown names still classify. */
export interface ResendErrorLike {
  name?: string | null;
  statusCode?: number | null;
  message?: string | null;
}

/** Response headers as the SDK returns them (lower-case names), or null when there was no response. */
export type ResendResponseHeaders = Record<string, string> | null | undefined;

const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/**
 * Maps a Resend error onto a TransportError. Pure: `now` anchors retry-after
 * dates and quota reset times.
 */
export function classifyResendError(error: ResendErrorLike, headers: ResendResponseHeaders, now: Date): TransportError {
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : null;
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'unknown_error';
  const providerMessage = typeof error.message === 'string' ? error.message : '';
  const init: TransportErrorInit = { code: name, statusCode, providerMessage };
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), now);

  if (statusCode === null) {
    return new TransientDeliveryError(
      `No response from Resend (network failure, timeout or dropped connection): the batch may or may not have been accepted. ${providerMessage}`.trim(),
      { ...init, code: 'network_error' },
    );
  }
  if (name === 'daily_quota_exceeded' || name === 'monthly_quota_exceeded') {
    const quota = name === 'daily_quota_exceeded' ? 'daily' : 'monthly';
    if (retryAfterMs !== null) {
      return new QuotaExceededError(quota, new Date(now.getTime() + retryAfterMs), false, init);
    }
    // Resend: the daily quota is a UTC calendar day; the monthly one follows the billing cycle.
    return quota === 'daily'
      ? new QuotaExceededError(quota, nextUtcMidnight(now), false, init)
      : new QuotaExceededError(quota, nextUtcMonth(now), true, init);
  }
  if (name === 'invalid_idempotent_request') {
    return new IdempotencyMismatchError(
      `Resend refused the batch: its idempotency key was already used with a different body (${providerMessage}).`,
      init,
    );
  }
  if (name === 'rate_limit_exceeded' || statusCode === 429) {
    const resetMs = parseSeconds(header(headers, 'ratelimit-reset'));
    const wait = retryAfterMs ?? (resetMs !== null ? resetMs : DEFAULT_RATE_LIMIT_WAIT_MS);
    return new RateLimitedError(wait, init, parseIntOrNull(header(headers, 'ratelimit-limit')), parseIntOrNull(header(headers, 'ratelimit-remaining')));
  }
  if (name === 'concurrent_idempotent_requests' || name === 'resource_locked') {
    return new TransientDeliveryError(
      `Resend is still processing another request with the same idempotency key (${name}); retry shortly with the same key.`,
      init,
      retryAfterMs,
    );
  }
  if (statusCode >= 500 || statusCode === 408) {
    return new TransientDeliveryError(`Resend answered ${statusCode} ${name}: ${providerMessage}`, init, retryAfterMs);
  }
  if (statusCode >= 400) {
    return new PermanentBatchError(`Resend rejected the whole batch with ${statusCode} ${name}: ${providerMessage}`, init);
  }
  // A non-error status reported as an error: nothing sensible to do but retry a bounded number of times.
  return new TransientDeliveryError(`Resend answered an unexpected ${statusCode} ${name}: ${providerMessage}`, init, retryAfterMs);
}

function header(headers: ResendResponseHeaders, name: string): string | undefined {
  if (!headers) return undefined;
  if (name in headers) return headers[name];
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/** retry-after is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const seconds = parseSeconds(value);
  if (seconds !== null) return seconds;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

function parseSeconds(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  return Math.round(Number(value) * 1000);
}

function parseIntOrNull(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}

function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

function nextUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}
