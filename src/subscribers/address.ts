import { z } from 'zod';

const MAX_LENGTH = 254; // RFC 5321 path limit

const emailSchema = z.email({ pattern: z.regexes.html5Email });

export type AddressCheck = { ok: true; email: string; canonical: string } | { ok: false; message: string };

/** Validates an address as typed into a form and derives its canonical duplicate-detection key. */
export function checkAddress(input: unknown): AddressCheck {
  if (typeof input !== 'string') return { ok: false, message: 'Please enter your email address.' };
  const email = input.trim();
  if (email.length === 0) return { ok: false, message: 'Please enter your email address.' };
  if (email.length > MAX_LENGTH) return { ok: false, message: 'That email address is too long.' };
  // CR/LF or other controls would let a value break out of a mail header.
  if (/[\u0000-\u001f\u007f]/.test(email)) return { ok: false, message: 'That email address contains characters that are not allowed.' };
  if (!emailSchema.safeParse(email).success) return { ok: false, message: 'That does not look like an email address. Please check it.' };
  const [local = '', domain = ''] = splitAt(email);
  if (local.length > 64 || !domain.includes('.')) return { ok: false, message: 'That does not look like an email address. Please check it.' };
  return { ok: true, email, canonical: canonicalAddress(email) };
}

/**
 * Trimmed and lower-cased; for Gmail also without dots and "+tag" in the local
 * part, because Gmail delivers all of those to one mailbox.
 */
export function canonicalAddress(email: string): string {
  const [rawLocal = '', rawDomain = ''] = splitAt(email.trim().toLowerCase());
  let local = rawLocal;
  let domain = rawDomain;
  if (domain === 'gmail.com' || domain === 'googlemail.com') {
    domain = 'gmail.com';
    local = local.split('+')[0]!.replaceAll('.', '');
  }
  return `${local}@${domain}`;
}

function splitAt(email: string): [string, string] {
  const at = email.lastIndexOf('@');
  return [email.slice(0, at), email.slice(at + 1)];
}
