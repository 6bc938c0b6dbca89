// The consent ledger: an append-only record per subscriber of every consent
// event, kept as the proof of consent GDPR Art. 7(1) asks for.
import { createHash } from 'node:crypto';

export const LEDGER_EVENTS = [
  'signup', // consent given on a form (wording version, form, ip, user agent)
  'confirmation-sent', // a double opt-in email went out
  'confirmed', // the person pressed the confirm button
  'unsubscribed',
  'preferences-changed',
  'paused',
  'resumed',
  'bounced',
  'complained',
  'imported', // came in from a list import; its source names where consent was recorded
] as const;
export type LedgerEvent = (typeof LEDGER_EVENTS)[number];

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface LedgerEntry {
  at: string; // ISO 8601, UTC
  event: LedgerEvent;
  /** Where it happened: a form id, "one-click", "preferences-page", "webhook", "cli" ... */
  source: string;
  ip: string | null;
  userAgent: string | null;
  consentVersion?: string;
  /**
   * The wording's digest (sha256, first 16 hex digits). The words themselves
   * are stored once per version and digest (Keys.consentWordings) and put
   * back into the entry when it is read, so an export shows the exact words.
   */
  consentDigest?: string;
  consentText?: string;
  detail?: Record<string, string | number | boolean | string[] | null>;
}

const MAX_UA = 512;

/**
 * Entries kept per subscriber. Past it, the first entry (the original consent,
 * with its wording) is always kept, and the oldest of the others is dropped;
 * the subscriber hash counts the dropped ones in `consentLedgerDropped`
 * (consent_append in scripts/record.lua).
 * Normal use writes a handful of entries; only a pause/resume or preference
 * loop over years reaches it.
 */
export const CONSENT_LEDGER_MAX = 50;

export function consentDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** The field under which a wording is stored once: version and digest, so a published wording can never change under a ledger entry. */
export function consentWordingField(version: string, digest: string): string {
  return `${version}#${digest}`;
}

/** Builds one entry; pure, so what is recorded is unit-tested. */
export function ledgerEntry(
  event: LedgerEvent,
  at: number,
  source: string,
  meta: RequestMeta,
  extra: Pick<LedgerEntry, 'consentVersion' | 'consentDigest' | 'consentText' | 'detail'> = {},
): LedgerEntry {
  return {
    at: new Date(at).toISOString(),
    event,
    source,
    ip: meta.ip,
    userAgent: meta.userAgent ? meta.userAgent.slice(0, MAX_UA) : null,
    ...extra,
  };
}

/**
 * The stored form: the ledger is one string per subscriber, one entry a line,
 * kept small because there is one per subscriber and memory is the limit of
 * one Redis. An entry is its fields in a fixed order, separated by tabs,
 * empty ones at the end left off:
 *   time (ms, base 36)  event (one letter, LEDGER_EVENT_CODES)  source  ip
 *   user-agent digest  consentVersion  consentDigest  detail (JSON)
 *   consentText (only if given)
 * The digests are stored as their 8 bytes in base64url (11 characters) and
 * read back as the 16 hex digits everything else names them by. A tab, line
 * break or backslash inside a field is escaped (\t \n \r \\).
 * The user agent is stored by digest: the same few browser strings would
 * otherwise be stored again in every entry. The words are stored once
 * (Keys.userAgents, HSETNX) and put back when the ledger is read; an erasure
 * deletes the entries, and a user agent alone, shared by everyone on that
 * browser, names nobody. Entries written before, JSON objects (with short
 * keys t e s ip u v d w x, or the full LedgerEntry), still read: a line that
 * starts with "{" is JSON, one in this form starts with the time.
 */
interface StoredEntry {
  t: number;
  e: LedgerEvent;
  s: string;
  ip?: string;
  u?: string;
  v?: string;
  d?: string;
  w?: string;
  x?: LedgerEntry['detail'];
}

/** Each event's letter in the stored form; stored letters never change (pinned by tests/subscribers/compact-ledgers.test.ts). */
export const LEDGER_EVENT_CODES: Readonly<Record<LedgerEvent, string>> = {
  signup: 's',
  'confirmation-sent': 'm',
  confirmed: 'c',
  unsubscribed: 'u',
  'preferences-changed': 't',
  paused: 'p',
  resumed: 'r',
  bounced: 'b',
  complained: 'k',
  imported: 'i',
};
const EVENT_BY_CODE = new Map<string, LedgerEvent>(Object.entries(LEDGER_EVENT_CODES).map(([event, code]) => [code, event as LedgerEvent]));

const compactDigest = (hex: string) => (/^[0-9a-f]{16}$/.test(hex) ? Buffer.from(hex, 'hex').toString('base64url') : hex);
const hexDigest = (stored: string) => (/^[A-Za-z0-9_-]{11}$/.test(stored) ? Buffer.from(stored, 'base64url').toString('hex') : stored);

export function userAgentDigest(userAgent: string): string {
  return createHash('sha256').update(userAgent, 'utf8').digest('hex').slice(0, 16);
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };
const escapeField = (v: string) => v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
const unescapeField = (v: string) => v.replace(/\\([\\tnr])/g, (_, c: string) => UNESCAPES[c]!);

/** The entry as stored (one line), and the user agent to store once under its digest (null when there is none). */
export function encodeLedgerEntry(entry: LedgerEntry): { stored: string; userAgent: { digest: string; text: string } | null } {
  const t = Date.parse(entry.at);
  // Not an instant this module wrote: keep it exactly as given.
  if (!Number.isFinite(t) || t < 0 || new Date(t).toISOString() !== entry.at) return { stored: JSON.stringify(entry), userAgent: null };
  const userAgent = entry.userAgent ? { digest: userAgentDigest(entry.userAgent), text: entry.userAgent } : null;
  const fields = [
    t.toString(36),
    LEDGER_EVENT_CODES[entry.event] ?? entry.event,
    entry.source,
    entry.ip ?? '',
    userAgent ? compactDigest(userAgent.digest) : '',
    entry.consentVersion ?? '',
    entry.consentDigest === undefined ? '' : compactDigest(entry.consentDigest),
    entry.detail === undefined ? '' : JSON.stringify(entry.detail),
    entry.consentText ?? '',
  ].map(escapeField);
  while (fields.at(-1) === '') fields.pop();
  return { stored: fields.join('\t'), userAgent };
}

/**
 * One stored entry read back. Entries name their user agent by digest (the
 * caller looks it up); full JSON entries from before come back as they were.
 */
export function decodeLedgerEntry(raw: string): { entry: LedgerEntry; userAgentDigest: string | null } {
  if (raw.startsWith('{')) return decodeJsonEntry(raw);
  const [t = '', event = '', source = '', ip = '', ua = '', version = '', digest = '', detail = '', text = ''] = raw.split('\t').map(unescapeField);
  const entry: LedgerEntry = { at: new Date(parseInt(t, 36)).toISOString(), event: EVENT_BY_CODE.get(event) ?? (event as LedgerEvent), source, ip: ip || null, userAgent: null };
  if (version) entry.consentVersion = version;
  if (digest) entry.consentDigest = hexDigest(digest);
  if (detail) entry.detail = JSON.parse(detail) as LedgerEntry['detail'];
  if (text) entry.consentText = text;
  return { entry, userAgentDigest: ua ? hexDigest(ua) : null };
}

function decodeJsonEntry(raw: string): { entry: LedgerEntry; userAgentDigest: string | null } {
  const v = JSON.parse(raw) as LedgerEntry | StoredEntry;
  if (!('t' in v) || typeof v.t !== 'number') return { entry: v as LedgerEntry, userAgentDigest: null };
  const entry: LedgerEntry = { at: new Date(v.t).toISOString(), event: v.e, source: v.s, ip: v.ip ?? null, userAgent: null };
  if (v.v !== undefined) entry.consentVersion = v.v;
  if (v.d !== undefined) entry.consentDigest = v.d;
  if (v.w !== undefined) entry.consentText = v.w;
  if (v.x !== undefined) entry.detail = v.x;
  return { entry, userAgentDigest: v.u ?? null };
}

/** The stored ledger (one entry a line) as its entries; null (no ledger) is none. */
export function splitLedger(stored: string | null): string[] {
  if (!stored) return [];
  return stored.split('\n').filter((line) => line !== '');
}

/** Entries without their user agents looked up (see SubscriberStore.ledger for the full read). */
export function parseLedger(raw: string[]): LedgerEntry[] {
  return raw.map((line) => decodeLedgerEntry(line).entry);
}
