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

export function parseLedger(raw: string[]): LedgerEntry[] {
  return raw.map((line) => JSON.parse(line) as LedgerEntry);
}
