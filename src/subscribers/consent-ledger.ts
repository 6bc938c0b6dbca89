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
 * the subscriber hash counts the dropped ones in `consentLedgerDropped`.
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
 * The stored form of an entry: one per subscriber and event, so it is kept
 * small. Short keys, the time in ms, nulls left out, and the user agent by
 * digest: the same few browser strings would otherwise be stored again in
 * every entry. The words are stored once (Keys.userAgents, HSETNX) and put
 * back when the ledger is read; an erasure deletes the entries, and a user
 * agent alone, shared by everyone on that browser, names nobody.
 *   t at (ms)  e event  s source  ip  u user-agent digest
 *   v consentVersion  d consentDigest  w consentText (only if given)  x detail
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

export function userAgentDigest(userAgent: string): string {
  return createHash('sha256').update(userAgent, 'utf8').digest('hex').slice(0, 16);
}

/** The entry as stored, and the user agent to store once under its digest (null when there is none). */
export function encodeLedgerEntry(entry: LedgerEntry): { stored: string; userAgent: { digest: string; text: string } | null } {
  const t = Date.parse(entry.at);
  // Not an instant this module wrote: keep it exactly as given.
  if (!Number.isFinite(t) || new Date(t).toISOString() !== entry.at) return { stored: JSON.stringify(entry), userAgent: null };
  const s: StoredEntry = { t, e: entry.event, s: entry.source };
  if (entry.ip) s.ip = entry.ip;
  const userAgent = entry.userAgent ? { digest: userAgentDigest(entry.userAgent), text: entry.userAgent } : null;
  if (userAgent) s.u = userAgent.digest;
  if (entry.consentVersion !== undefined) s.v = entry.consentVersion;
  if (entry.consentDigest !== undefined) s.d = entry.consentDigest;
  if (entry.consentText !== undefined) s.w = entry.consentText;
  if (entry.detail !== undefined) s.x = entry.detail;
  return { stored: JSON.stringify(s), userAgent };
}

/**
 * One stored entry read back. Entries in the compact form name their user
 * agent by digest (the caller looks it up); older full JSON entries come back
 * as they were.
 */
export function decodeLedgerEntry(raw: string): { entry: LedgerEntry; userAgentDigest: string | null } {
  const v = JSON.parse(raw) as LedgerEntry | StoredEntry;
  if (!('t' in v) || typeof v.t !== 'number') return { entry: v as LedgerEntry, userAgentDigest: null };
  const entry: LedgerEntry = { at: new Date(v.t).toISOString(), event: v.e, source: v.s, ip: v.ip ?? null, userAgent: null };
  if (v.v !== undefined) entry.consentVersion = v.v;
  if (v.d !== undefined) entry.consentDigest = v.d;
  if (v.w !== undefined) entry.consentText = v.w;
  if (v.x !== undefined) entry.detail = v.x;
  return { entry, userAgentDigest: v.u ?? null };
}

/** Entries without their user agents looked up (see SubscriberStore.ledger for the full read). */
export function parseLedger(raw: string[]): LedgerEntry[] {
  return raw.map((line) => decodeLedgerEntry(line).entry);
}
