// A Resend-compatible HTTP server for tests, on 127.0.0.1 and a random free
// port, reached through the SDK's `baseUrl` option. It implements the parts of
// the API Meridian uses, with Resend's documented semantics:
//
// - POST /emails/batch (and POST /emails): Bearer auth, payload validation,
//   at most 100 emails a batch, the x-batch-validation header (strict: one
//   invalid email rejects the batch; permissive: valid emails are accepted and
//   invalid ones listed in `errors` by index).
// - Idempotency-Key: same key + same body replays the stored answer without
//   accepting again; same key + other body -> 409 invalid_idempotent_request;
//   same key while the first request is in flight -> 409
//   concurrent_idempotent_requests; keys expire after a TTL (24 h default).
// - A sliding-window requests-per-second limit (429 rate_limit_exceeded with
//   retry-after and ratelimit-* headers), injectable 429 bursts and quota errors.
// - Seeded random faults: 500 application_error, connections dropped before
//   accepting, and dropped AFTER accepting (emails recorded, idempotency result
//   stored, then the socket is destroyed with no answer).
//
// Everything it stores is bounded; it never listens beyond loopback.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './random';

export interface FaultRates {
  /** Fraction of requests answered 500 application_error (nothing accepted). */
  serverError: number;
  /** Fraction of connections destroyed before anything is accepted. */
  dropBeforeAccept: number;
  /** Fraction of connections destroyed after the emails were accepted and the idempotency result stored. */
  dropAfterAccept: number;
}

/** A one-shot fault for the next request that passes auth and the real rate limit. */
export type ScriptedFault =
  | { kind: 'rate_limit'; retryAfterSeconds?: number }
  | { kind: 'quota'; quota: 'daily' | 'monthly'; retryAfterSeconds?: number }
  | { kind: 'server_error' }
  | { kind: 'drop_before_accept' }
  | { kind: 'drop_after_accept' }
  /** Answers normally: lets a script fault a later request and not this one. */
  | { kind: 'none' };

export interface FakeResendOptions {
  /** The only accepted Bearer token. Default "re_test_fake_key". */
  apiKey?: string;
  /** Requests per second over a sliding 1 s window; null (default) means unlimited. */
  rateLimitPerSecond?: number | null;
  /** How long idempotency keys are remembered. Default 24 h (Resend's). */
  idempotencyTtlMs?: number;
  /** Seed of the fault PRNG. Default 1. */
  seed?: number;
  faults?: Partial<FaultRates>;
  /** Time a request stays "in flight" before it is accepted (to provoke concurrent requests). Default 0. */
  processingDelayMs?: number;
  /** Milliseconds clock for TTLs, the rate limit and log timestamps. Default Date.now. */
  clock?: () => number;
  /** Request bodies above this are refused with 413. Default 5 MB. */
  maxBodyBytes?: number;
  /** Oldest log entries are dropped past this. Default 10,000. */
  maxLogEntries?: number;
  /** Accepting more than this many emails answers 507: a runaway test, not a real limit. Default 50,000. */
  maxStoredEmails?: number;
  /** Idempotency entries kept at most (oldest evicted). Default 10,000. */
  maxIdempotencyKeys?: number;
  /**
   * false: accepted emails are only counted, and their `send` tags kept to
   * count duplicates (load benches, where storing 100,000 bodies would
   * measure the fake). Default true.
   */
  keepEmails?: boolean;
}

export interface AcceptedEmail {
  /** The id returned to the client (UUID-shaped, sequential). */
  id: string;
  requestId: number;
  endpoint: '/emails' | '/emails/batch';
  idempotencyKey: string | null;
  /** Position in the request's batch (0 for POST /emails). */
  index: number;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  acceptedAt: number;
}

export type RequestOutcome = 'accepted' | 'replayed' | 'rejected' | 'dropped_before_accept' | 'dropped_after_accept';

export interface RequestLogEntry {
  id: number;
  method: string;
  path: string;
  receivedAt: number;
  /** HTTP status sent, or null when the connection was dropped without an answer. */
  status: number | null;
  outcome: RequestOutcome;
  /** Resend error name when the answer was an error. */
  errorName: string | null;
  idempotencyKey: string | null;
  batchValidation: string | null;
  /** Emails in the request body (null if the body was not a valid list). */
  emailCount: number | null;
  /** Emails newly accepted by this request (0 for replays). */
  acceptedCount: number;
}

const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const HEADER_NAME = /^[!-9;-~]{1,256}$/;
const MAX_BATCH = 100;
const MAX_RECIPIENTS = 50;

interface StoredResult {
  state: 'done';
  hash: string;
  status: number;
  body: string;
  storedAt: number;
}
interface InFlight {
  state: 'in_flight';
  hash: string;
  storedAt: number;
}

interface Reply {
  status: number;
  body: unknown;
  errorName: string | null;
  headers?: Record<string, string>;
}

export class FakeResend {
  readonly apiKey: string;
  private readonly server: Server;
  private port = 0;
  private readonly clock: () => number;
  private readonly ttlMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxLogEntries: number;
  private readonly maxStoredEmails: number;
  private readonly maxIdempotencyKeys: number;
  private readonly keepEmails: boolean;
  private acceptedTotal = 0;
  private readonly sendTags = new Set<string>();
  private duplicates = 0;
  private rateLimit: number | null;
  private faultRates: FaultRates;
  private processingDelayMs: number;
  private random: () => number;
  private readonly seed: number;

  private script: ScriptedFault[] = [];
  private log: RequestLogEntry[] = [];
  private accepted: AcceptedEmail[] = [];
  private idempotency = new Map<string, StoredResult | InFlight>();
  /** receivedAt of requests admitted by the rate limiter, oldest first. */
  private window: number[] = [];
  private nextRequestId = 1;
  private nextEmailId = 1;
  /** While true, requests are held open with no answer: a provider that hangs. */
  private hanging = false;
  private answerBeforeHanging: number | null = null;
  private held: { entry: RequestLogEntry; req: IncomingMessage }[] = [];

  private constructor(options: FakeResendOptions) {
    this.apiKey = options.apiKey ?? 're_test_fake_key';
    this.clock = options.clock ?? Date.now;
    this.ttlMs = options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000;
    this.maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
    this.maxLogEntries = options.maxLogEntries ?? 10_000;
    this.maxStoredEmails = options.maxStoredEmails ?? 50_000;
    this.maxIdempotencyKeys = options.maxIdempotencyKeys ?? 10_000;
    this.keepEmails = options.keepEmails ?? true;
    this.rateLimit = options.rateLimitPerSecond ?? null;
    this.faultRates = { serverError: 0, dropBeforeAccept: 0, dropAfterAccept: 0, ...options.faults };
    this.processingDelayMs = options.processingDelayMs ?? 0;
    this.seed = options.seed ?? 1;
    this.random = seededRandom(this.seed);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          send(res, { status: 500, body: apiError(500, 'application_error', `Fake Resend crashed: ${String(err)}`), errorName: 'application_error' });
        }
      });
    });
    this.server.keepAliveTimeout = 2_000;
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static async start(options: FakeResendOptions = {}): Promise<FakeResend> {
    const fake = new FakeResend(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => {
        fake.server.off('error', reject);
        resolve();
      });
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Base URL for the SDK: new Resend(fake.apiKey, { baseUrl: fake.url }). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ---- run-time configuration -------------------------------------------

  setFaults(rates: Partial<FaultRates>): void {
    this.faultRates = { ...this.faultRates, ...rates };
  }

  setRateLimit(perSecond: number | null): void {
    this.rateLimit = perSecond;
  }

  setProcessingDelay(ms: number): void {
    this.processingDelayMs = ms;
  }

  /**
   * hang(): from now on every request is held open and never answered, as by
   * a provider that hangs. release(): answer normally again; the held
   * connections are dropped unanswered (nothing of them was accepted).
   */
  hang(): void {
    this.hanging = true;
  }

  /** Answers the next `count` requests as usual, then hangs (see hang()): a provider that stops at a known point. */
  hangAfter(count: number): void {
    this.answerBeforeHanging = count;
  }

  release(): void {
    this.hanging = false;
    for (const { entry, req } of this.held.splice(0)) {
      entry.outcome = 'dropped_before_accept';
      req.socket.destroy();
    }
  }

  /** Requests being held unanswered right now (see hang()). */
  heldCount(): number {
    return this.held.filter(({ req }) => !req.socket.destroyed).length;
  }

  /** Queues one-shot faults, consumed in order by the next requests that pass auth and the rate limit. */
  injectNext(...faults: ScriptedFault[]): void {
    this.script.push(...faults);
  }

  /** The next `count` requests get 429 rate_limit_exceeded. */
  injectRateLimitBurst(count: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < count; i++) this.script.push({ kind: 'rate_limit', retryAfterSeconds });
  }

  /** The next `count` requests get 429 daily_quota_exceeded / monthly_quota_exceeded. */
  injectQuotaExceeded(quota: 'daily' | 'monthly', count = 1, retryAfterSeconds?: number): void {
    for (let i = 0; i < count; i++) {
      this.script.push(retryAfterSeconds === undefined ? { kind: 'quota', quota } : { kind: 'quota', quota, retryAfterSeconds });
    }
  }

  // ---- inspection -----------------------------------------------------------

  /** Every accepted email, in acceptance order (copies). */
  emails(): AcceptedEmail[] {
    return this.accepted.map((e) => ({ ...e, to: [...e.to], headers: { ...e.headers }, tags: e.tags.map((t) => ({ ...t })) }));
  }

  /** How many emails were accepted (replays not counted), kept or not. */
  acceptedCount(): number {
    return this.acceptedTotal;
  }

  /** Accepted emails whose `send` tag value had already been accepted once: duplicate deliveries. */
  duplicateSends(): number {
    return this.duplicates;
  }

  /** The request log, oldest first (copies). */
  requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  /** The most requests received within any sliding 1-second window (optionally only those matching `filter`). */
  maxRequestsPerSecond(filter: (entry: RequestLogEntry) => boolean = () => true): number {
    const times = this.log.filter(filter).map((e) => e.receivedAt).sort((a, b) => a - b);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= 1000) start++;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  /** Idempotency keys whose first request is still being processed. */
  inFlightKeys(): string[] {
    return [...this.idempotency].filter(([, v]) => v.state === 'in_flight').map(([k]) => k.split(' ').slice(2).join(' '));
  }

  /** Forgets emails, log, idempotency keys, the rate window and queued faults; re-seeds the PRNG. Settings stay. */
  reset(): void {
    this.script = [];
    this.log = [];
    this.accepted = [];
    this.acceptedTotal = 0;
    this.sendTags.clear();
    this.duplicates = 0;
    this.idempotency.clear();
    this.window = [];
    this.random = seededRandom(this.seed);
    this.answerBeforeHanging = null;
    this.release();
  }

  /** reset(), and back to no faults, no rate limit and no processing delay: a clean slate between tests. */
  restoreDefaults(): void {
    this.reset();
    this.setFaults({ serverError: 0, dropBeforeAccept: 0, dropAfterAccept: 0 });
    this.setRateLimit(null);
    this.setProcessingDelay(0);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- request handling -------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = this.clock();
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const entry: RequestLogEntry = {
      id: this.nextRequestId++,
      method: req.method ?? 'GET',
      path,
      receivedAt,
      status: null,
      outcome: 'rejected',
      errorName: null,
      idempotencyKey: headerValue(req, 'idempotency-key'),
      batchValidation: headerValue(req, 'x-batch-validation'),
      emailCount: null,
      acceptedCount: 0,
    };
    this.log.push(entry);
    if (this.log.length > this.maxLogEntries) this.log.splice(0, this.log.length - this.maxLogEntries);

    const reply = (r: Reply, outcome: RequestOutcome = 'rejected'): void => {
      entry.status = r.status;
      entry.errorName = r.errorName;
      entry.outcome = outcome;
      send(res, { ...r, headers: { ...this.rateLimitHeaders(), ...r.headers } });
    };
    const drop = (outcome: 'dropped_before_accept' | 'dropped_after_accept'): void => {
      entry.status = null;
      entry.outcome = outcome;
      req.socket.destroy();
    };

    const raw = await readBody(req, this.maxBodyBytes);
    if (this.answerBeforeHanging !== null && this.answerBeforeHanging-- <= 0) {
      this.answerBeforeHanging = null;
      this.hanging = true;
    }
    if (this.hanging) {
      this.held.push({ entry, req });
      return;
    }
    if (raw === null) {
      return reply({ ...error(413, 'validation_error', `The request body exceeds ${this.maxBodyBytes} bytes.`), headers: { connection: 'close' } });
    }
    if (path !== '/emails' && path !== '/emails/batch') {
      return reply(error(404, 'not_found', 'The requested endpoint does not exist.'));
    }
    if (entry.method !== 'POST') {
      return reply(error(405, 'method_not_allowed', 'Method is not allowed for the requested path.'));
    }
    const auth = headerValue(req, 'authorization');
    const token = auth?.match(/^Bearer\s+(\S+)$/)?.[1];
    if (!token) return reply(error(401, 'missing_api_key', 'Missing API key in the authorization header.'));
    if (token !== this.apiKey) return reply(error(403, 'invalid_api_key', 'API key is invalid.'));

    const limited = this.admit(receivedAt);
    if (limited) return reply(limited);

    const scripted = this.script.shift();
    // Always draw three numbers so the fault sequence depends only on the seed and the request count.
    const [r1, r2, r3] = [this.random(), this.random(), this.random()] as [number, number, number];
    if (scripted?.kind === 'rate_limit') {
      return reply({
        ...error(429, 'rate_limit_exceeded', 'Too many requests. Please limit the number of requests per second.'),
        headers: { 'retry-after': String(scripted.retryAfterSeconds ?? 1) },
      });
    }
    if (scripted?.kind === 'quota') {
      const name = scripted.quota === 'daily' ? 'daily_quota_exceeded' : 'monthly_quota_exceeded';
      return reply({
        ...error(429, name, `You have exceeded your ${scripted.quota} email sending quota.`),
        ...(scripted.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(scripted.retryAfterSeconds) } } : {}),
      });
    }
    if (scripted ? scripted.kind === 'drop_before_accept' : r1 < this.faultRates.dropBeforeAccept) {
      return drop('dropped_before_accept');
    }
    if (scripted ? scripted.kind === 'server_error' : r2 < this.faultRates.serverError) {
      return reply(error(500, 'application_error', 'An unexpected error occurred.'));
    }
    const dropAfter = scripted ? scripted.kind === 'drop_after_accept' : r3 < this.faultRates.dropAfterAccept;

    const key = entry.idempotencyKey;
    if (key !== null && (key.length < 1 || key.length > 256)) {
      return reply(error(400, 'invalid_idempotency_key', 'Idempotency keys, if present, must have between 1 and 256 characters.'));
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply(error(422, 'validation_error', 'The request body is not valid JSON.'));
    }
    if (path === '/emails/batch') entry.emailCount = Array.isArray(body) ? body.length : null;
    else entry.emailCount = 1;

    const hash = createHash('sha256').update(raw).digest('hex');
    const storeKey = key === null ? null : `${entry.method} ${path} ${key}`;
    if (storeKey !== null) {
      this.pruneIdempotency();
      const known = this.idempotency.get(storeKey);
      if (known?.state === 'in_flight') {
        return reply(error(409, 'concurrent_idempotent_requests', 'There is another request in progress with the same idempotency key.'));
      }
      if (known?.state === 'done') {
        if (known.hash !== hash) {
          return reply(
            error(
              409,
              'invalid_idempotent_request',
              "This idempotency key has been used with this HTTP method and endpoint within the last 24 hours, but the request body was modified and doesn't match the original request.",
            ),
          );
        }
        if (dropAfter) return drop('dropped_after_accept');
        entry.status = known.status;
        entry.outcome = 'replayed';
        return sendRaw(res, known.status, known.body, this.rateLimitHeaders());
      }
      this.idempotency.set(storeKey, { state: 'in_flight', hash, storedAt: receivedAt });
    }

    let result: { reply: Reply; emails: AcceptedEmail[] };
    try {
      if (this.processingDelayMs > 0) await sleep(this.processingDelayMs);
      result = this.process(path, body, entry, key);
    } catch (err) {
      if (storeKey !== null) this.idempotency.delete(storeKey);
      throw err;
    }
    const ok = result.reply.status >= 200 && result.reply.status < 300;
    if (storeKey !== null) {
      this.idempotency.delete(storeKey);
      // Only processed requests are remembered; a rejected one may be fixed and retried under the same key.
      if (ok) this.idempotency.set(storeKey, { state: 'done', hash, status: result.reply.status, body: JSON.stringify(result.reply.body), storedAt: this.clock() });
    }
    if (ok) {
      this.count(result.emails);
      if (this.keepEmails) this.accepted.push(...result.emails);
      entry.acceptedCount = result.emails.length;
    }
    if (dropAfter) return drop('dropped_after_accept');
    reply(result.reply, ok ? 'accepted' : 'rejected');
  }

  private process(path: string, body: unknown, entry: RequestLogEntry, key: string | null): { reply: Reply; emails: AcceptedEmail[] } {
    const endpoint = path as AcceptedEmail['endpoint'];
    if (endpoint === '/emails') {
      const problem = validateEmail(body, false);
      if (problem) return { reply: error(422, 'validation_error', problem), emails: [] };
      if (this.acceptedTotal + 1 > this.maxStoredEmails) return { reply: error(507, 'application_error', 'Fake Resend is full.'), emails: [] };
      const email = this.toAccepted(body as Record<string, unknown>, entry, key, 0, endpoint);
      return { reply: { status: 200, body: { id: email.id }, errorName: null }, emails: [email] };
    }

    const mode = entry.batchValidation ?? 'strict';
    if (mode !== 'strict' && mode !== 'permissive') {
      return { reply: error(422, 'validation_error', 'The x-batch-validation header must be "strict" or "permissive".'), emails: [] };
    }
    if (!Array.isArray(body)) return { reply: error(422, 'validation_error', 'The batch must be a list of emails.'), emails: [] };
    if (body.length === 0) return { reply: error(422, 'validation_error', 'The batch must hold at least one email.'), emails: [] };
    if (body.length > MAX_BATCH) {
      return { reply: error(422, 'validation_error', `Too many emails in the batch: ${body.length}; the maximum is ${MAX_BATCH}.`), emails: [] };
    }
    const errors: { index: number; message: string }[] = [];
    for (const [index, item] of body.entries()) {
      const problem = validateEmail(item, true);
      if (problem) errors.push({ index, message: problem });
    }
    if (mode === 'strict' && errors.length > 0) {
      const first = errors[0] as { index: number; message: string };
      return { reply: error(422, 'validation_error', `emails[${first.index}]: ${first.message}`), emails: [] };
    }
    const rejected = new Set(errors.map((e) => e.index));
    if (this.acceptedTotal + body.length - rejected.size > this.maxStoredEmails) {
      return { reply: error(507, 'application_error', 'Fake Resend is full.'), emails: [] };
    }
    const emails: AcceptedEmail[] = [];
    for (const [index, item] of body.entries()) {
      if (!rejected.has(index)) emails.push(this.toAccepted(item as Record<string, unknown>, entry, key, index, endpoint));
    }
    const data = emails.map((e) => ({ id: e.id }));
    return { reply: { status: 200, body: mode === 'permissive' ? { data, errors } : { data }, errorName: null }, emails };
  }

  private toAccepted(item: Record<string, unknown>, entry: RequestLogEntry, key: string | null, index: number, endpoint: AcceptedEmail['endpoint']): AcceptedEmail {
    const n = this.nextEmailId++;
    return {
      id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
      requestId: entry.id,
      endpoint,
      idempotencyKey: key,
      index,
      from: item.from as string,
      to: typeof item.to === 'string' ? [item.to] : [...(item.to as string[])],
      subject: item.subject as string,
      html: typeof item.html === 'string' ? item.html : null,
      text: typeof item.text === 'string' ? item.text : null,
      headers: { ...((item.headers as Record<string, string> | undefined) ?? {}) },
      tags: ((item.tags as { name: string; value: string }[] | undefined) ?? []).map((t) => ({ name: t.name, value: t.value })),
      acceptedAt: this.clock(),
    };
  }

  private count(emails: AcceptedEmail[]): void {
    this.acceptedTotal += emails.length;
    for (const e of emails) {
      const tag = e.tags.find((t) => t.name === 'send')?.value;
      if (tag === undefined) continue;
      if (this.sendTags.has(tag)) this.duplicates += 1;
      else this.sendTags.add(tag);
    }
  }

  /** Sliding-window limiter: admits the request (and counts it) or answers 429. */
  private admit(now: number): Reply | null {
    if (this.rateLimit === null) return null;
    while (this.window.length > 0 && now - (this.window[0] as number) >= 1000) this.window.shift();
    if (this.window.length >= this.rateLimit) {
      const waitMs = (this.window[0] as number) + 1000 - now;
      return {
        ...error(429, 'rate_limit_exceeded', 'Too many requests. Please limit the number of requests per second.'),
        headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      };
    }
    this.window.push(now);
    return null;
  }

  private rateLimitHeaders(): Record<string, string> {
    if (this.rateLimit === null) return {};
    const now = this.clock();
    const live = this.window.filter((t) => now - t < 1000);
    const resetMs = live.length > 0 ? (live[0] as number) + 1000 - now : 0;
    return {
      'ratelimit-limit': String(this.rateLimit),
      'ratelimit-remaining': String(Math.max(0, this.rateLimit - live.length)),
      'ratelimit-reset': String(Math.max(1, Math.ceil(resetMs / 1000))),
    };
  }

  private pruneIdempotency(): void {
    const now = this.clock();
    for (const [k, v] of this.idempotency) {
      if (v.state === 'done' && now - v.storedAt >= this.ttlMs) this.idempotency.delete(k);
    }
    if (this.idempotency.size > this.maxIdempotencyKeys) {
      for (const [k, v] of this.idempotency) {
        if (this.idempotency.size <= this.maxIdempotencyKeys) break;
        if (v.state === 'done') this.idempotency.delete(k);
      }
    }
  }
}

/** Starts a fake Resend; `await fake.stop()` when done. */
export function startFakeResend(options: FakeResendOptions = {}): Promise<FakeResend> {
  return FakeResend.start(options);
}

// ---- validation (messages modelled on Resend's) ------------------------------

function validateEmail(value: unknown, inBatch: boolean): string | null {
  if (!isObject(value)) return 'Each email must be an object.';
  if (value.from === undefined || value.from === null || value.from === '') return 'The `from` field is missing.';
  if (typeof value.from !== 'string' || !isSender(value.from)) {
    return 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
  }
  if (value.to === undefined || value.to === null || value.to === '' || (Array.isArray(value.to) && value.to.length === 0)) {
    return 'The `to` field is missing.';
  }
  const to = typeof value.to === 'string' ? [value.to] : value.to;
  if (!Array.isArray(to) || to.length > MAX_RECIPIENTS || !to.every((a) => typeof a === 'string' && isSender(a))) {
    return `Invalid \`to\` field. Use up to ${MAX_RECIPIENTS} addresses in the \`email@example.com\` or \`Name <email@example.com>\` format.`;
  }
  for (const field of ['cc', 'bcc', 'reply_to'] as const) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string' && isSender(a))) return `Invalid \`${field}\` field.`;
  }
  if (value.subject === undefined || value.subject === null || value.subject === '') return 'The `subject` field is missing.';
  if (typeof value.subject !== 'string') return 'Invalid `subject` field.';
  const hasBody = typeof value.html === 'string' || typeof value.text === 'string';
  if (!hasBody && !isObject(value.template)) return 'Missing `html` or `text` field.';
  if (value.headers !== undefined && value.headers !== null) {
    if (!isObject(value.headers)) return 'Invalid `headers` field: it must be an object.';
    for (const [name, v] of Object.entries(value.headers)) {
      if (!HEADER_NAME.test(name) || typeof v !== 'string' || /[\r\n]/.test(v)) return `Invalid \`headers\` field: header ${JSON.stringify(name)}.`;
    }
  }
  if (value.tags !== undefined && value.tags !== null) {
    if (!Array.isArray(value.tags)) return 'Invalid `tags` field: it must be a list.';
    for (const tag of value.tags) {
      if (!isObject(tag) || typeof tag.name !== 'string' || typeof tag.value !== 'string' || !TAG_PART.test(tag.name) || !TAG_PART.test(tag.value)) {
        return 'Invalid `tags` field: names and values may only contain ASCII letters, numbers, underscores or dashes.';
      }
    }
  }
  if (inBatch && value.attachments !== undefined && value.attachments !== null) return 'Attachments are not supported in batch emails.';
  return null;
}

function isSender(value: string): boolean {
  const named = value.match(/^[^<>]*<([^<>]+)>\s*$/);
  return ADDRESS.test((named ? named[1] : value)?.trim() ?? '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- plumbing ------------------------------------------------------------------

function apiError(statusCode: number, name: string, message: string) {
  return { statusCode, name, message };
}

function error(status: number, name: string, message: string): Reply {
  return { status, body: apiError(status, name, message), errorName: name };
}

function send(res: ServerResponse, reply: Reply): void {
  sendRaw(res, reply.status, JSON.stringify(reply.body), reply.headers ?? {});
}

function sendRaw(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The body, or null if it grew past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

