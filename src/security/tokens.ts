// Signed, purpose-bound links. A token names its purpose, the subscriber and a
// digest of the subscriber's address, so it cannot be replayed for another
// purpose or another person, and it is HMAC-SHA256 signed with APP_SECRET.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * confirm: the double opt-in link (expires).
 * manage: unsubscribe and preferences (never expires: RFC 8058 links in old emails must keep working).
 */
export type TokenPurpose = 'confirm' | 'manage';

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: string;
  /** Digest of the canonical address the token was issued for. */
  addressDigest: string;
  /** Expiry in epoch milliseconds, or 0 for no expiry. */
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'wrong-purpose' | 'expired' };

const VERSION = 'v1';
const MAX_TOKEN_LENGTH = 512;

export class TokenSigner {
  private readonly key: Buffer;

  constructor(appSecret: string) {
    // A derived key, so the raw secret is never used for more than one thing.
    this.key = createHmac('sha256', appSecret).update('meridian/tokens/v1').digest();
  }

  /** Short, stable digest of a canonical address; binds a token to one person. */
  static addressDigest(canonicalEmail: string): string {
    return createHash('sha256').update(canonicalEmail).digest('base64url').slice(0, 16);
  }

  /** Deterministic for the same claims: a retried send must produce identical bytes. */
  sign(claims: TokenClaims): string {
    const body = [VERSION, claims.purpose, claims.subscriberId, claims.addressDigest, claims.expiresAt.toString(36)].join('.');
    return `${body}.${this.mac(body)}`;
  }

  verify(token: unknown, purpose: TokenPurpose, now: number = Date.now()): TokenCheck {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_.-]+$/.test(token)) {
      return { ok: false, reason: 'malformed' };
    }
    const parts = token.split('.');
    if (parts.length !== 6 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
    const [, tokenPurpose, subscriberId, addressDigest, expiry, mac] = parts as [string, string, string, string, string, string];
    const body = parts.slice(0, 5).join('.');
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'bad-signature' };
    }
    if (tokenPurpose !== purpose) return { ok: false, reason: 'wrong-purpose' };
    const expiresAt = parseInt(expiry, 36);
    if (!Number.isSafeInteger(expiresAt)) return { ok: false, reason: 'malformed' };
    if (expiresAt !== 0 && now > expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, claims: { purpose, subscriberId, addressDigest, expiresAt } };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** Builds the public links that carry tokens. One place, so emails and pages agree. */
export class Links {
  constructor(
    private readonly publicUrl: string,
    private readonly signer: TokenSigner,
    private readonly confirmTtlMs: number,
  ) {}

  confirmUrl(subscriberId: string, canonicalEmail: string, now: number = Date.now()): string {
    const token = this.signer.sign({
      purpose: 'confirm',
      subscriberId,
      addressDigest: TokenSigner.addressDigest(canonicalEmail),
      expiresAt: now + this.confirmTtlMs,
    });
    return `${this.publicUrl}/confirm/${token}`;
  }

  manageToken(subscriberId: string, canonicalEmail: string): string {
    return this.signer.sign({
      purpose: 'manage',
      subscriberId,
      addressDigest: TokenSigner.addressDigest(canonicalEmail),
      expiresAt: 0,
    });
  }

  unsubscribeUrl(subscriberId: string, canonicalEmail: string): string {
    return `${this.publicUrl}/unsubscribe/${this.manageToken(subscriberId, canonicalEmail)}`;
  }

  preferencesUrl(subscriberId: string, canonicalEmail: string): string {
    return `${this.publicUrl}/preferences/${this.manageToken(subscriberId, canonicalEmail)}`;
  }
}
