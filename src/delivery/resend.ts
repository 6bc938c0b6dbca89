// Delivery through the Resend batch API (POST /emails/batch), via the official SDK.
//
// - At most 100 emails a call; permissive batch validation, so one bad email
//   does not sink the other 99: its rejection comes back as a failed outcome.
// - The caller's idempotency key goes in the Idempotency-Key header, and the
//   request body is a pure function of the input, so a retried batch (same
//   key, same body) is answered from Resend's idempotency store instead of
//   being sent twice.
// - Failures of the whole call are thrown as TransportError subclasses
//   (errors.ts). The SDK never throws on API errors; it returns { error }.
import { Resend } from 'resend';
import type { Config } from '../config';
import { classifyResendError, PermanentBatchError } from './errors';
import type { BatchOptions, EmailTag, OutgoingEmail, SendOutcome, Transport } from './transport';
import { assertSafeEmail } from './transport';

/** Resend's rule for tag names and values. */
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;
const MAX_BATCH = 100;
const MAX_IDEMPOTENCY_KEY = 256;

/** One email as the SDK's batch.send takes it (camelCase; the SDK maps it to the API's fields). */
export interface ResendBatchItem {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  tags?: EmailTag[];
}

/** The part of the SDK this transport uses; a real `Resend` satisfies it. */
export interface ResendBatchClient {
  batch: {
    send(
      payload: ResendBatchItem[],
      options: { idempotencyKey: string; batchValidation: 'permissive'; signal?: AbortSignal },
    ): Promise<{
      data: { data: { id: string }[]; errors?: { index: number; message: string }[] } | null;
      error: { name?: string; statusCode?: number | null; message?: string } | null;
      headers: Record<string, string> | null;
    }>;
  };
}

export interface ResendTransportOptions {
  apiKey: string;
  /** API base URL; defaults to the SDK's (https://api.resend.com). Tests point it at a fake server. */
  baseUrl?: string;
  /**
   * A call with no answer after this long is aborted and reported as a network
   * error (TransientDeliveryError): retry with the same key. Default 30 s.
   */
  timeoutMs?: number;
  clock?: () => Date;
  /** A ready client instead of one built from apiKey/baseUrl. */
  client?: ResendBatchClient;
}

export class ResendTransport implements Transport {
  readonly name = 'resend' as const;
  readonly maxBatchSize = MAX_BATCH;
  private readonly client: ResendBatchClient;
  private readonly timeoutMs: number;
  private readonly clock: () => Date;

  constructor(options: ResendTransportOptions) {
    if (!options.client && !options.apiKey) {
      throw new Error('ResendTransport needs an API key (RESEND_API_KEY).');
    }
    this.client = options.client ?? sdkClient(options.apiKey, options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Builds the transport from config.resend; throws if no API key is configured. */
  static fromConfig(resend: Config['resend'], extra: Omit<ResendTransportOptions, 'apiKey' | 'baseUrl'> = {}): ResendTransport {
    if (!resend.apiKey) throw new Error('RESEND_API_KEY is not set: cannot deliver through Resend.');
    return new ResendTransport({ ...extra, apiKey: resend.apiKey, ...(resend.baseUrl ? { baseUrl: resend.baseUrl } : {}) });
  }

  async sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]> {
    if (emails.length > MAX_BATCH) {
      throw new PermanentBatchError(`A Resend batch holds at most ${MAX_BATCH} emails; got ${emails.length}. Split it before sending.`, {
        code: 'batch_too_large',
        statusCode: null,
        providerMessage: '',
      });
    }
    const key = options.idempotencyKey;
    if (typeof key !== 'string' || key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
      throw new PermanentBatchError(`Idempotency keys must have 1 to ${MAX_IDEMPOTENCY_KEY} characters.`, {
        code: 'invalid_idempotency_key',
        statusCode: null,
        providerMessage: '',
      });
    }

    const outcomes: (SendOutcome | undefined)[] = new Array(emails.length).fill(undefined);
    const payload: ResendBatchItem[] = [];
    /** payload position -> input position */
    const positions: number[] = [];
    for (const [index, email] of emails.entries()) {
      const problem = localProblem(email);
      if (problem) {
        outcomes[index] = { ok: false, reason: problem };
        continue;
      }
      payload.push(toBatchItem(email));
      positions.push(index);
    }
    if (payload.length === 0) return outcomes as SendOutcome[];

    const result = await this.client.batch.send(payload, {
      idempotencyKey: key,
      batchValidation: 'permissive',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (result.error) throw classifyResendError(result.error, result.headers, this.clock());

    const accepted = result.data?.data;
    const rejected = result.data?.errors ?? [];
    if (!Array.isArray(accepted) || !Array.isArray(rejected)) throw unexpected('the response has no data array');
    const rejections = new Map<number, string>();
    for (const entry of rejected) {
      const i = entry?.index;
      if (!Number.isInteger(i) || i < 0 || i >= payload.length || rejections.has(i)) {
        throw unexpected(`error entry with bad index ${JSON.stringify(i)}`);
      }
      rejections.set(i, String(entry.message ?? 'rejected'));
    }
    // Permissive mode: `data` lists the accepted emails in request order, `errors` the rejected ones by index.
    if (accepted.length !== payload.length - rejections.size) {
      throw unexpected(`${accepted.length} ids for ${payload.length - rejections.size} accepted emails`);
    }
    let next = 0;
    for (const [i, position] of positions.entries()) {
      const reason = rejections.get(i);
      if (reason !== undefined) {
        outcomes[position] = { ok: false, reason: `Resend rejected this email: ${reason}` };
        continue;
      }
      const id = accepted[next++]?.id;
      if (typeof id !== 'string' || id === '') throw unexpected('an accepted email has no id');
      outcomes[position] = { ok: true, providerId: id };
    }
    return outcomes as SendOutcome[];
  }
}

/** Checks done before anything leaves the process; a failure rejects this email only. */
function localProblem(email: OutgoingEmail): string | null {
  try {
    assertSafeEmail(email);
  } catch (err) {
    return (err as Error).message;
  }
  for (const tag of email.tags) {
    if (!TAG_PART.test(tag.name) || !TAG_PART.test(tag.value)) {
      return `Refusing email tag ${JSON.stringify(tag.name)}: names and values may hold only ASCII letters, digits, "_" and "-" (1-256 characters).`;
    }
  }
  return null;
}

/** Deterministic: the same email always gives the same object, with header names in a fixed order. */
function toBatchItem(email: OutgoingEmail): ResendBatchItem {
  const item: ResendBatchItem = {
    from: email.from,
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
  };
  const names = Object.keys(email.headers).sort();
  if (names.length > 0) item.headers = Object.fromEntries(names.map((n) => [n, email.headers[n] as string]));
  if (email.tags.length > 0) item.tags = email.tags.map((t) => ({ name: t.name, value: t.value }));
  return item;
}

function unexpected(what: string): PermanentBatchError {
  return new PermanentBatchError(
    `Unexpected answer from Resend (${what}). The batch may have been accepted: do not resend it under a new idempotency key; check the Resend logs.`,
    { code: 'unexpected_response', statusCode: 200, providerMessage: what },
  );
}

function sdkClient(apiKey: string, baseUrl: string | undefined): ResendBatchClient {
  // Typed assignment, no cast: the compiler checks the real SDK against the narrow interface above.
  const client: ResendBatchClient = new Resend(apiKey, baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : undefined);
  return client;
}
