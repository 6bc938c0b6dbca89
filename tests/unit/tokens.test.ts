import { describe, expect, it } from 'vitest';
import { Links, TokenSigner, type TokenClaims } from '../../src/security/tokens';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const NOW = Date.UTC(2026, 10, 25);
const signer = new TokenSigner(SECRET);
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  purpose: 'confirm',
  subscriberId: '0b8a3c1e-1f5e-4b7e-9a51-3f2b6f1d2c4e',
  addressDigest: TokenSigner.addressDigest('pat@example.com'),
  expiresAt: NOW + 60_000,
  ...over,
});

/** Replaces part `index` (0 version .. 5 mac) of a token. */
const swapPart = (token: string, index: number, value: string) => {
  const parts = token.split('.');
  parts[index] = value;
  return parts.join('.');
};

describe('TokenSigner', () => {
  it('signs deterministically and verifies its own tokens', () => {
    const t = signer.sign(claims());
    expect(signer.sign(claims())).toBe(t);
    expect(t.split('.')).toHaveLength(6);
    expect(signer.verify(t, 'confirm', NOW)).toEqual({ ok: true, claims: claims() });
  });

  it('rejects a token signed with another secret (forgery)', () => {
    const forged = new TokenSigner('another-secret-another-secret-another').sign(claims());
    expect(signer.verify(forged, 'confirm', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('expires tokens, naming the claims of a genuine expired one; expiresAt 0 (old manage links) counts as expired', () => {
    const t = signer.sign(claims());
    expect(signer.verify(t, 'confirm', NOW + 60_000).ok).toBe(true);
    expect(signer.verify(t, 'confirm', NOW + 60_001)).toEqual({ ok: false, reason: 'expired', claims: claims() });
    const legacy = signer.sign(claims({ purpose: 'manage', expiresAt: 0 }));
    expect(signer.verify(legacy, 'manage', NOW)).toEqual({ ok: false, reason: 'expired', claims: claims({ purpose: 'manage', expiresAt: 0 }) });
  });

  it('rejects the wrong purpose in both directions', () => {
    expect(signer.verify(signer.sign(claims({ purpose: 'manage', expiresAt: 0 })), 'confirm', NOW)).toEqual({ ok: false, reason: 'wrong-purpose' });
    expect(signer.verify(signer.sign(claims()), 'manage', NOW)).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('carries the subscriber and address digest, so another subscriber is told apart', () => {
    const mine = signer.verify(signer.sign(claims()), 'confirm', NOW);
    const theirs = signer.verify(signer.sign(claims({ addressDigest: TokenSigner.addressDigest('eve@example.com') })), 'confirm', NOW);
    expect(mine.ok && theirs.ok).toBe(true);
    if (mine.ok && theirs.ok) expect(mine.claims.addressDigest).not.toBe(theirs.claims.addressDigest);
    expect(TokenSigner.addressDigest('pat@example.com')).toBe(TokenSigner.addressDigest('pat@example.com'));
    expect(TokenSigner.addressDigest('pat@example.com')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it.each([
    [1, 'manage'],
    [2, '11111111-1f5e-4b7e-9a51-3f2b6f1d2c4e'],
    [3, TokenSigner.addressDigest('eve@example.com')],
    [4, (NOW + 10 * 86_400_000).toString(36)],
    [5, 'A'.repeat(43)],
  ])('rejects tampering with part %i', (index, value) => {
    const t = swapPart(signer.sign(claims()), index, value);
    expect(signer.verify(t, 'confirm', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a flipped signature character and a truncated signature', () => {
    const t = signer.sign(claims());
    const last = t.at(-1) === 'A' ? 'B' : 'A';
    expect(signer.verify(t.slice(0, -1) + last, 'confirm', NOW).ok).toBe(false);
    expect(signer.verify(t.slice(0, -2), 'confirm', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    undefined, null, 42, {}, ['x'], '', 'garbage', 'v1.confirm.a.b.c', 'v2.confirm.a.b.c.d', 'v1.confirm.a.b.c.d.e',
    'v1.confirm.a b.c.d.e', 'v1.confirm.<script>.c.d.e', `v1.${'a'.repeat(600)}.b.c.d.e`, 'v1.confirm.a.b.c.d\r\n',
  ])('rejects malformed input %j without throwing', (input) => {
    expect(signer.verify(input, 'confirm', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('Links', () => {
  const links = new Links('https://clinic.example', signer, 3 * 86_400_000);

  it('builds confirm links that expire after the TTL', () => {
    const url = links.confirmUrl('id-1', 'pat@example.com', NOW);
    expect(url).toMatch(/^https:\/\/clinic\.example\/confirm\/v1\.confirm\.id-1\./);
    const token = url.split('/').pop()!;
    const ok = signer.verify(token, 'confirm', NOW + 3 * 86_400_000);
    expect(ok.ok && ok.claims.expiresAt).toBe(NOW + 3 * 86_400_000);
    expect(signer.verify(token, 'confirm', NOW + 3 * 86_400_000 + 1)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('builds manage links shared by unsubscribe and preferences that expire MANAGE_TOKEN_TTL after their week', () => {
    const WEEK = 7 * 86_400_000;
    const ttl = 180 * 86_400_000;
    const at = NOW + 3 * 3_600_000;
    const u = links.unsubscribeUrl('id-1', 'pat@example.com', at);
    const p = links.preferencesUrl('id-1', 'pat@example.com', at);
    expect(u.split('/').pop()).toBe(p.split('/').pop());
    expect(u.startsWith('https://clinic.example/unsubscribe/')).toBe(true);
    const expiresAt = Math.floor(at / WEEK) * WEEK + ttl;
    const check = signer.verify(u.split('/').pop(), 'manage', expiresAt);
    expect(check.ok && check.claims).toEqual({ purpose: 'manage', subscriberId: 'id-1', addressDigest: TokenSigner.addressDigest('pat@example.com'), expiresAt });
    expect(signer.verify(u.split('/').pop(), 'manage', expiresAt + 1)).toMatchObject({ ok: false, reason: 'expired' });
    // Any render within the same week gives the same bytes (a retried batch stays byte-identical).
    const weekStart = Math.floor(at / WEEK) * WEEK;
    expect(links.unsubscribeUrl('id-1', 'pat@example.com', weekStart)).toBe(u);
    expect(links.unsubscribeUrl('id-1', 'pat@example.com', weekStart + WEEK - 1)).toBe(u);
    expect(links.unsubscribeUrl('id-1', 'pat@example.com', weekStart + WEEK)).not.toBe(u);
  });

  it('manageUrls signs once and gives exactly the two separate links (emails built either way are byte-identical)', () => {
    const at = NOW + 5 * 3_600_000;
    expect(links.manageUrls('id-2', 'sam@example.com', at)).toEqual({
      unsubscribeUrl: links.unsubscribeUrl('id-2', 'sam@example.com', at),
      preferencesUrl: links.preferencesUrl('id-2', 'sam@example.com', at),
    });
    expect(links.manageUrls('id-2', 'sam@example.com', at).unsubscribeUrl).not.toBe(links.unsubscribeUrl('id-3', 'sam@example.com', at));
  });
});
