import { describe, expect, it } from 'vitest';
import { base62, newSubscriberId } from '../../src/subscribers/store';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The plain definition: the 128-bit number in base 62, 22 digits. */
function reference(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = DIGITS[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

describe('subscriber ids', () => {
  it('write 128 bits in base 62 exactly', () => {
    expect(base62(new Uint8Array(16))).toBe('0'.repeat(22));
    expect(base62(new Uint8Array(16).fill(0xff))).toBe(reference(new Uint8Array(16).fill(0xff)));
    expect(base62(Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 61 : 0)))).toBe(`${'0'.repeat(21)}z`);
    expect(base62(Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 62 : 0)))).toBe(`${'0'.repeat(20)}10`);
    // Many more, from a fixed sequence, against the BigInt definition.
    let x = 12345;
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 16 }, () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x >>> 16 & 0xff;
      });
      expect(base62(bytes)).toBe(reference(bytes));
    }
  });

  it('are 22 letters and digits, and do not repeat', () => {
    const ids = Array.from({ length: 5000 }, () => newSubscriberId());
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
