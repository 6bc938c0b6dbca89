// The seam between Meridian and whatever delivers mail. Real implementations:
// delivery/resend.ts (the Resend API) and delivery/outbox.ts (.eml files).

export interface EmailTag {
  /** ASCII letters, digits, _ and - only (Resend's rule). Never an address. */
  name: string;
  value: string;
}

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>;
  tags: EmailTag[];
}

/** A rendered email, addressed and tagged: what every sender hands a transport. */
export function addressed(rendered: Pick<OutgoingEmail, 'subject' | 'html' | 'text' | 'headers'>, from: string, to: string, tags: EmailTag[]): OutgoingEmail {
  return { from, to, subject: rendered.subject, html: rendered.html, text: rendered.text, headers: rendered.headers, tags };
}

/** What happened to one email of a batch. */
export type SendOutcome =
  | { ok: true; providerId: string }
  | { ok: false; reason: string };

export interface BatchOptions {
  /** The same key for a retried batch; the provider drops the duplicate. */
  idempotencyKey: string;
}

export interface Transport {
  readonly name: 'resend' | 'outbox';
  /** The most emails one sendBatch call may carry. */
  readonly maxBatchSize: number;
  /**
   * Sends a batch. Per-email rejections come back as outcomes in input order;
   * failures of the whole call are thrown as TransportError subclasses
   * (delivery/errors.ts) so the caller can decide to retry, wait or stop.
   */
  sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]>;
}

/** Headers a caller may never set through data: they would let content rewrite the envelope. */
const FORBIDDEN_HEADER = /^(from|to|cc|bcc|subject|reply-to|sender|return-path|content-.*|mime-version)$/i;

/** Refuses header names or values that could inject new headers (CR/LF) or override the envelope. */
export function assertSafeHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]{1,76}$/.test(name) || FORBIDDEN_HEADER.test(name)) {
      throw new Error(`Refusing email header name ${JSON.stringify(name)}: only custom headers made of letters, digits and "-" are allowed.`);
    }
    if (/[\r\n\u0000]/.test(value)) {
      throw new Error(`Refusing email header ${name}: its value contains a line break, which would inject headers.`);
    }
  }
}

export function assertSafeEmail(email: OutgoingEmail): void {
  for (const [field, value] of [['from', email.from], ['to', email.to], ['subject', email.subject]] as const) {
    if (/[\r\n\u0000]/.test(value)) {
      throw new Error(`Refusing email: the ${field} field contains a line break, which would inject headers.`);
    }
  }
  assertSafeHeaders(email.headers);
}
