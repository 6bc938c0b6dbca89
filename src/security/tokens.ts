// Signed, purpose-bound links. A token names its purpose, the subscriber and a
// digest of the subscriber's address, so it cannot be replayed for another
// purpose or another person, and it is HMAC-SHA256 signed with APP_SECRET.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * confirm: the double opt-in link (CONFIRM_TOKEN_TTL).
 * manage: unsubscribe and preferences (MANAGE_TOKEN_TTL). An expired manage
 * link still unsubscribes (RFC 8058 links in old emails must keep working),
 * but no longer shows the address or changes preferences; see README.
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
  /** Genuine but past its time: the claims are given so an unsubscribe can still be honoured. */
  | { ok: false; reason: 'expired'; claims: TokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'wrong-purpose' };

const VERSION = 'v1';

/** MANAGE_TOKEN_TTL's default: half a year of old emails keep their preference links. */
export const DEFAULT_MANAGE_TTL_MS = 180 * 86_400_000;
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
    const claims: TokenClaims = { purpose, subscriberId, addressDigest, expiresAt };
    // 0 marks links from before manage links expired: treated as expired, so they still unsubscribe and nothing more.
    if (expiresAt === 0 || now > expiresAt) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

const WEEK_MS = 7 * 86_400_000;

/** Builds the public links that carry tokens. One place, so emails and pages agree. */
export class Links {
  constructor(
    private readonly publicUrl: string,
    private readonly signer: TokenSigner,
    private readonly confirmTtlMs: number,
    private readonly manageTtlMs: number = DEFAULT_MANAGE_TTL_MS,
    private readonly clock: () => number = Date.now,
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

  /**
   * The expiry counts from the start of the UTC week the link is made in, not
   * from the millisecond: every render within a week gives the same bytes, so
   * a retried batch is byte-identical under its Idempotency-Key.
   */
  manageToken(subscriberId: string, canonicalEmail: string, now: number = this.clock()): string {
    return this.signer.sign({
      purpose: 'manage',
      subscriberId,
      addressDigest: TokenSigner.addressDigest(canonicalEmail),
      expiresAt: Math.floor(now / WEEK_MS) * WEEK_MS + this.manageTtlMs,
    });
  }

  unsubscribeUrl(subscriberId: string, canonicalEmail: string, now?: number): string {
    return `${this.publicUrl}/unsubscribe/${this.manageToken(subscriberId, canonicalEmail, now)}`;
  }

  preferencesUrl(subscriberId: string, canonicalEmail: string, now?: number): string {
    return `${this.publicUrl}/preferences/${this.manageToken(subscriberId, canonicalEmail, now)}`;
  }

  /** Both manage links from one signed token: an email carries both, and a batch signs 100 of them. */
  manageUrls(subscriberId: string, canonicalEmail: string, now?: number): { unsubscribeUrl: string; preferencesUrl: string } {
    const token = this.manageToken(subscriberId, canonicalEmail, now);
    return { unsubscribeUrl: `${this.publicUrl}/unsubscribe/${token}`, preferencesUrl: `${this.publicUrl}/preferences/${token}` };
  }
}
