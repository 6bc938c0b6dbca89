// Admin passwords: scrypt hashes with a per-password salt, verified in
// constant time. The stored string names its parameters so they can be raised
// later without breaking existing accounts.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

// OWASP's scrypt baseline is N=2^17, r=8, p=1 (128 MiB per hash); the default
// cost 15 (N=2^15, 32 MiB) suits a small box. ADMIN_PASSWORD_COST raises it.
export const DEFAULT_PASSWORD_COST = 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAX_PASSWORD = 1024;
export const MIN_PASSWORD = 12;

export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_COST): Promise<string> {
  if (password.length < MIN_PASSWORD) throw new Error(`The password must have at least ${MIN_PASSWORD} characters.`);
  if (password.length > MAX_PASSWORD) throw new Error(`The password must have at most ${MAX_PASSWORD} characters.`);
  const salt = randomBytes(16);
  const N = 2 ** cost;
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 256 * N * R + 16 * 1024 * 1024 });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** False for a wrong password or a malformed hash; never throws on hostile input. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEYLEN) return false;
  // Over-long input is hashed as an empty string so the work (and the time) is the same.
  const candidate = password.length > MAX_PASSWORD ? '' : password;
  const key = await scrypt(candidate, salt, KEYLEN, { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 });
  return timingSafeEqual(key, expected) && candidate === password;
}

/** A hash of a random password: verified against when the account does not exist, so both take as long. */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(cost = DEFAULT_PASSWORD_COST): Promise<string> {
  let decoy = decoys.get(cost);
  if (!decoy) {
    decoy = hashPassword(randomBytes(24).toString('base64url'), cost);
    decoys.set(cost, decoy);
  }
  return decoy;
}

/** A password to print once: 20 characters from base64url, about 120 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
