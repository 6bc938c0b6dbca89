// Resend webhooks: signature verification and what each event means for
// Meridian. No I/O here; the HTTP layer answers 401 when verification fails and
// de-duplicates deliveries by webhookId (Resend reuses the svix-id when it
// redelivers a message, so a replay carries an id already seen).
//
// Resend signs through Svix (Standard Webhooks): headers svix-id,
// svix-timestamp, svix-signature; HMAC-SHA256 over "<id>.<timestamp>.<raw body>".
import { Resend } from 'resend';

/** The SDK piece used for verification; a `Resend` instance satisfies it. */
export interface ResendWebhookVerifier {
  webhooks: {
    verify(options: { payload: string; headers: { id: string; timestamp: string; signature: string }; webhookSecret: string }): unknown;
  };
}

/**
 * A verifier when no API key is configured: webhooks.verify() is pure (the
 * key is never used for it), but the SDK constructor insists on one.
 */
export function createWebhookVerifier(apiKey?: string): ResendWebhookVerifier {
  return new Resend(apiKey || 're_webhook_verification_only');
}

export type IncomingHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyResendWebhookInput {
  /** The body exactly as received; never a re-serialised JSON object. */
  rawBody: string | Uint8Array;
  headers: IncomingHeaders;
  /** RESEND_WEBHOOK_SECRET ("whsec_..."). */
  secret: string;
  now: Date;
  /** How far svix-timestamp may be from `now`. Default 5 minutes (the Svix/Standard Webhooks tolerance). */
  toleranceMs?: number;
}

export type WebhookRejection =
  /** A signature header is missing. */
  | 'unsigned'
  /** Signed too long ago (or too far in the future): possibly a captured request replayed. */
  | 'stale'
  /** The signature does not match the body and secret, or the headers are malformed. */
  | 'forged'
  /** Correctly signed but not a JSON event object. */
  | 'malformed';

export type VerifyResendWebhookResult =
  | { ok: true; webhookId: string; timestamp: Date; event: ResendEvent }
  | { ok: false; reason: WebhookRejection; message: string };

/** The envelope every Resend webhook shares; `data` depends on `type`. */
export interface ResendEvent {
  type: string;
  created_at?: string;
  data: Record<string, unknown>;
}

const DEFAULT_TOLERANCE_MS = 5 * 60 * 1000;
const SECRET = /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/;

/**
 * Verifies a delivery with the SDK's resend.webhooks.verify(). Throws only on
 * misconfiguration (missing or malformed secret), which is a server error, not
 * the sender's fault.
 *
 * Note: the SDK also checks the timestamp against the wall clock (±5 min);
 * `now` is checked first, so tests can pin time, but a `now` far from the real
 * clock still fails in the SDK and is then reported as stale.
 */
export function verifyResendWebhook(verifier: ResendWebhookVerifier, input: VerifyResendWebhookInput): VerifyResendWebhookResult {
  if (!input.secret || !SECRET.test(input.secret)) {
    throw new Error('RESEND_WEBHOOK_SECRET is missing or malformed (expected "whsec_" followed by base64).');
  }
  const id = pickHeader(input.headers, 'svix-id', 'webhook-id');
  const timestamp = pickHeader(input.headers, 'svix-timestamp', 'webhook-timestamp');
  const signature = pickHeader(input.headers, 'svix-signature', 'webhook-signature');
  if (id === undefined || timestamp === undefined || signature === undefined) {
    return { ok: false, reason: 'unsigned', message: 'Missing svix-id, svix-timestamp or svix-signature header.' };
  }
  if (id === null || timestamp === null || signature === null || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'forged', message: 'Malformed signature headers.' };
  }
  const signedAt = new Date(Number(timestamp) * 1000);
  const tolerance = input.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > tolerance) {
    return { ok: false, reason: 'stale', message: `Webhook signed at ${signedAt.toISOString()}, outside the ${tolerance} ms tolerance.` };
  }

  const payload = typeof input.rawBody === 'string' ? input.rawBody : Buffer.from(input.rawBody).toString('utf8');
  let parsed: unknown;
  try {
    parsed = verifier.webhooks.verify({ payload, headers: { id, timestamp, signature }, webhookSecret: input.secret });
  } catch (err) {
    const e = err as Error;
    if (e instanceof SyntaxError) return { ok: false, reason: 'malformed', message: 'Signed body is not JSON.' };
    if (e?.name === 'WebhookVerificationError') {
      if (/timestamp/i.test(e.message)) return { ok: false, reason: 'stale', message: e.message };
      return { ok: false, reason: 'forged', message: e.message };
    }
    throw err;
  }
  if (!isRecord(parsed) || typeof parsed.type !== 'string' || !isRecord(parsed.data)) {
    return { ok: false, reason: 'malformed', message: 'Signed body is not a Resend event ({ type, data }).' };
  }
  return { ok: true, webhookId: id, timestamp: signedAt, event: parsed as unknown as ResendEvent };
}

// ---- interpretation ------------------------------------------------------------

export type CountMetric =
  | 'sent'
  | 'delivered'
  | 'delivery_delayed'
  | 'opened'
  | 'clicked'
  | 'bounced_transient'
  | 'bounced_undetermined'
  | 'failed'
  /** Resend refused to send because the address is on its own suppression list. */
  | 'provider_suppressed';

/** The tags Meridian puts on every email: where it belongs, never who it went to. */
export interface MeridianTags {
  sequence: string | null;
  step: string | null;
  /** Send-ledger id. */
  sendId: string | null;
}

export type ResendEventInterpretation =
  /**
   * sendId null: the email carried no send tag (older email, a test send,
   * another tool on the account); `to` then names the recipients, to be found
   * by their canonical address.
   */
  | ({ kind: 'suppress'; reason: 'bounced' | 'complained'; sendId: string | null; to?: string[]; emailId: string | null } & Omit<MeridianTags, 'sendId'>)
  | ({ kind: 'count'; metric: CountMetric; emailId: string | null } & MeridianTags)
  | { kind: 'ignore'; why: string };

const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * What a (verified) Resend event means: suppress the subscriber behind a send
 * (permanent bounce, complaint), count a metric, or ignore. The subscriber
 * is found through the `send` tag; only a bounce or complaint without one
 * falls back to the recipient address.
 */
export function interpretResendEvent(event: unknown): ResendEventInterpretation {
  if (!isRecord(event) || typeof event.type !== 'string' || !isRecord(event.data)) {
    return { kind: 'ignore', why: 'not a Resend event' };
  }
  const data = event.data;
  const tags = readTags(data.tags);
  const emailId = typeof data.email_id === 'string' && data.email_id !== '' ? data.email_id : null;
  const count = (metric: CountMetric): ResendEventInterpretation => ({ kind: 'count', metric, emailId, ...tags });
  const suppress = (reason: 'bounced' | 'complained'): ResendEventInterpretation => {
    if (tags.sendId !== null) return { kind: 'suppress', reason, sendId: tags.sendId, emailId, sequence: tags.sequence, step: tags.step };
    // A hard bounce or a complaint is about the address, whoever sent the email.
    const to = recipients(data.to);
    if (to.length === 0) return { kind: 'ignore', why: `${event.type} without a send tag or a recipient address` };
    return { kind: 'suppress', reason, sendId: null, to, emailId, sequence: tags.sequence, step: tags.step };
  };

  switch (event.type) {
    case 'email.sent':
      return count('sent');
    case 'email.delivered':
      return count('delivered');
    case 'email.delivery_delayed':
      return count('delivery_delayed');
    case 'email.opened':
      return count('opened');
    case 'email.clicked':
      return count('clicked');
    case 'email.failed':
      return count('failed');
    case 'email.suppressed':
      return count('provider_suppressed');
    case 'email.complained':
      return suppress('complained');
    case 'email.bounced': {
      const type = isRecord(data.bounce) && typeof data.bounce.type === 'string' ? data.bounce.type.toLowerCase() : '';
      if (type === 'permanent') return suppress('bounced');
      // Resend documents Transient (its webhook page also shows "Temporary"); Undetermined is neither.
      if (type === 'transient' || type === 'temporary') return count('bounced_transient');
      return count('bounced_undetermined');
    }
    default:
      return { kind: 'ignore', why: `event type ${event.type} is not used` };
  }
}

/**
 * Resend documents data.tags as an object ({ "send": "abc" }); the send API
 * takes a list of { name, value }, so accept that shape too. Values that break
 * Resend's tag rule (letters, digits, _ and -) are treated as absent.
 */
export function readTags(raw: unknown): MeridianTags {
  const map = new Map<string, string>();
  if (Array.isArray(raw)) {
    for (const t of raw) {
      if (isRecord(t) && typeof t.name === 'string' && typeof t.value === 'string') map.set(t.name, t.value);
    }
  } else if (isRecord(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') map.set(k, v);
  }
  const get = (name: string): string | null => {
    const v = map.get(name);
    return v !== undefined && TAG_VALUE.test(v) ? v : null;
  };
  return { sequence: get('sequence'), step: get('step'), sendId: get('send') };
}

/** data.to as Resend sends it (a list of addresses, or one), "Name <addr>" reduced to the address. */
function recipients(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const v of list.slice(0, 50)) {
    if (typeof v !== 'string' || v.length > 1000) continue;
    const named = /<([^<>]+)>\s*$/.exec(v);
    out.push((named ? named[1]! : v).trim());
  }
  return out.filter((a) => a !== '');
}

/** undefined: absent; null: present but unusable (several values). */
function pickHeader(headers: IncomingHeaders, ...names: string[]): string | null | undefined {
  for (const name of names) {
    let v: string | string[] | null | undefined;
    if (typeof Headers !== 'undefined' && headers instanceof Headers) {
      v = headers.get(name);
    } else {
      const record = headers as Record<string, string | string[] | undefined>;
      v = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
    }
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length === 1 && v[0]) return v[0];
      return null;
    }
    return v;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
