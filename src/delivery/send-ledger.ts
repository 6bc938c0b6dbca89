// The send ledger's compact entries. One hash per subscriber, one field per
// send: "sequence/step" for a drip step, "newsletter/<issue id>" for an issue
// (sendLedgerField). The value is a few bytes, not a JSON object, because
// there is one per subscriber and send and memory is the limit of one Redis:
//   s<seconds since the epoch, base 36>            sent (accepted by the provider)
//   f<seconds since the epoch, base 36>|<reason>   rejected; reason cut to 120 chars
// The provider's id and the batch id are not kept: webhooks find the send by
// its `send` tag, and a batch is gone once complete.

export type SendOutcomeKind = 'sent' | 'failed';

export interface SendRecord {
  at: string;
  outcome: SendOutcomeKind;
  failed?: string;
}

const MAX_REASON = 120;

export function sendLedgerField(kind: string, id: string): string {
  return `${kind}/${id}`;
}

export function encodeSendRecord(atMs: number, outcome: SendOutcomeKind, reason?: string): string {
  const at = Math.floor(atMs / 1000).toString(36);
  if (outcome === 'sent') return `s${at}`;
  return `f${at}|${(reason ?? 'rejected').replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON)}`;
}

/** Reads an entry; entries written before the compact format (JSON objects) are returned as they were. */
export function decodeSendRecord(value: string): Record<string, unknown> {
  const m = /^([sf])([0-9a-z]+)(?:\|(.*))?$/s.exec(value);
  if (m) {
    const at = new Date(parseInt(m[2]!, 36) * 1000).toISOString();
    return m[1] === 's' ? { at, outcome: 'sent' } : { at, outcome: 'failed', failed: m[3] ?? '' };
  }
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { value: parsed };
  } catch {
    return { value };
  }
}
