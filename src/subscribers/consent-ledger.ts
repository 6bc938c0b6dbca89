// The consent ledger: an append-only record per subscriber of every consent
// event, kept as the proof of consent GDPR Art. 7(1) asks for.

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
  consentText?: string;
  detail?: Record<string, string | number | boolean | string[] | null>;
}

const MAX_UA = 512;

/** Builds one entry; pure, so what is recorded is unit-tested. */
export function ledgerEntry(
  event: LedgerEvent,
  at: number,
  source: string,
  meta: RequestMeta,
  extra: Pick<LedgerEntry, 'consentVersion' | 'consentText' | 'detail'> = {},
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
