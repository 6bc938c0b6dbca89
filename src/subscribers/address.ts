import { domainToASCII } from 'node:url';
import { z } from 'zod';

const MAX_LENGTH = 254; // RFC 5321 path limit

const emailSchema = z.email({ pattern: z.regexes.html5Email });

/** RFC 5322 dot-atom: atext runs joined by single dots, none at either end. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export type AddressCheck = { ok: true; email: string; canonical: string } | { ok: false; message: string };

const NOT_AN_ADDRESS = 'That does not look like an email address. Please check it.';

/**
 * Validates an address as typed into a form and derives its canonical
 * duplicate-detection key. An internationalised domain (bücher.example) is
 * kept in its punycode form (xn--bcher-kva.example), which every mail system
 * accepts; the local part must be a plain dot-atom, because a quoted one
 * ("a..b"@) is what mail headers would otherwise have to carry.
 */
export function checkAddress(input: unknown): AddressCheck {
  if (typeof input !== 'string') return { ok: false, message: 'Please enter your email address.' };
  const typed = input.trim();
  if (typed.length === 0) return { ok: false, message: 'Please enter your email address.' };
  if (typed.length > MAX_LENGTH) return { ok: false, message: 'That email address is too long.' };
  // CR/LF or other controls would let a value break out of a mail header.
  if (/[\u0000-\u001f\u007f]/.test(typed)) return { ok: false, message: 'That email address contains characters that are not allowed.' };
  const at = typed.lastIndexOf('@');
  if (at <= 0 || at === typed.length - 1) return { ok: false, message: NOT_AN_ADDRESS };
  const local = typed.slice(0, at);
  const rawDomain = typed.slice(at + 1);
  if (!DOT_ATOM.test(local)) {
    return {
      ok: false,
      message: /^[\x21-\x7e]+$/.test(local)
        ? NOT_AN_ADDRESS
        : 'That email address contains characters that are not allowed before the @ (latin letters, digits and . _ + - are fine).',
    };
  }
  if (local.length > 64) return { ok: false, message: NOT_AN_ADDRESS };
  const domain = /^[\x21-\x7e]+$/.test(rawDomain) ? rawDomain : domainToASCII(rawDomain);
  if (domain === '' || !domain.includes('.')) return { ok: false, message: NOT_AN_ADDRESS };
  const email = `${local}@${domain}`;
  if (email.length > MAX_LENGTH) return { ok: false, message: 'That email address is too long.' };
  if (!emailSchema.safeParse(email).success) return { ok: false, message: NOT_AN_ADDRESS };
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
