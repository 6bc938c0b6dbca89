// Signs webhook payloads the way Resend does (it delivers through Svix, which
// implements Standard Webhooks): HMAC-SHA256 over "<id>.<timestamp>.<body>"
// with the base64-decoded secret (after its "whsec_" prefix), sent as
// "v1,<base64 signature>" in svix-signature. Written with node:crypto on
// purpose, so tests check the SDK's verifier against an independent signer.
import { createHmac, randomBytes } from 'node:crypto';

export interface SignedWebhook {
  body: string;
  headers: { 'svix-id': string; 'svix-timestamp': string; 'svix-signature': string };
}

export interface SignWebhookOptions {
  /** Defaults to a fresh msg_... id. Resend reuses the id when it redelivers the same message. */
  id?: string;
  /** When it was signed; defaults to now. */
  timestamp?: Date;
}

/** A secret in Resend's format: "whsec_" + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function signatureFor(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Serialises `payload` (unless it already is a string) and signs it. */
export function signWebhook(payload: unknown, secret: string, options: SignWebhookOptions = {}): SignedWebhook {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`;
  const seconds = Math.floor((options.timestamp ?? new Date()).getTime() / 1000);
  return {
    body,
    headers: { 'svix-id': id, 'svix-timestamp': String(seconds), 'svix-signature': signatureFor(secret, id, seconds, body) },
  };
}
