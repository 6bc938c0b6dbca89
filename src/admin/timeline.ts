// One subscriber's story: the consent ledger, the send ledger and the
// provider's events merged into one list, newest first. Pure.
import type { LedgerEntry } from '../subscribers/consent-ledger';
import type { SubscriberEvent } from '../webhooks/subscriber-events';

export interface TimelineItem {
  at: string;
  kind: 'consent' | 'send' | 'provider';
  title: string;
  detail: string;
}

const EVENT_TITLE: Record<string, string> = {
  signup: 'Signed up',
  'confirmation-sent': 'Confirmation email sent',
  confirmed: 'Confirmed (double opt-in)',
  unsubscribed: 'Unsubscribed',
  'preferences-changed': 'Changed topics',
  paused: 'Paused',
  resumed: 'Resumed',
  bounced: 'Suppressed: bounced',
  complained: 'Suppressed: complaint',
  imported: 'Imported',
};

function describeLedger(e: LedgerEntry): string {
  const parts = [`via ${e.source}`];
  if (e.consentVersion) parts.push(`consent wording ${e.consentVersion}`);
  if (e.ip) parts.push(`IP ${e.ip}`);
  if (e.detail) for (const [k, v] of Object.entries(e.detail)) parts.push(`${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return parts.join(' · ');
}

export function buildTimeline(ledger: readonly LedgerEntry[], sends: readonly Record<string, unknown>[], events: readonly SubscriberEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...ledger.map((e) => ({ at: e.at, kind: 'consent' as const, title: EVENT_TITLE[e.event] ?? e.event, detail: describeLedger(e) })),
    ...sends.map((s) => ({
      at: String(s.at ?? ''),
      kind: 'send' as const,
      title: s.failed ? `Send failed: ${String(s.step)}` : `Sent: ${String(s.step)}`,
      detail: [s.template ? `template ${String(s.template)}` : '', s.batchId ? `batch ${String(s.batchId)}` : '', s.failed ? `reason: ${String(s.failed)}` : '']
        .filter(Boolean)
        .join(' · '),
    })),
    ...events.map((e) => ({
      at: e.at,
      kind: 'provider' as const,
      title: e.type.replace(/^email\./, '').replace(/_/g, ' '),
      detail: [e.sequence && e.step ? `${e.sequence}/${e.step}` : '', e.detail ?? '', e.emailId ? `email ${e.emailId}` : ''].filter(Boolean).join(' · '),
    })),
  ];
  return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
