import { describe, expect, it } from 'vitest';
import { canonicalAddress, checkAddress } from '../../src/subscribers/address';

describe('checkAddress', () => {
  it('accepts and trims a normal address, keeping the typed form', () => {
    expect(checkAddress('  Pat.Doe+news@Example.COM ')).toEqual({ ok: true, email: 'Pat.Doe+news@Example.COM', canonical: 'pat.doe+news@example.com' });
  });

  it.each([
    [undefined, 'Please enter your email address.'],
    [42, 'Please enter your email address.'],
    [['a@b.co'], 'Please enter your email address.'],
    ['', 'Please enter your email address.'],
    ['   ', 'Please enter your email address.'],
  ])('refuses missing or non-string input %j', (input, message) => {
    expect(checkAddress(input)).toEqual({ ok: false, message });
  });

  it.each(['plainaddress', 'a@b', '@example.com', 'pat@', 'pat@@example.com', 'pat doe@example.com', 'pat@exa mple.com', '<pat@example.com>', 'pat@example.com, eve@example.com'])(
    'refuses malformed %j',
    (input) => {
      const r = checkAddress(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/does not look like an email address|not allowed/);
    },
  );

  it.each(['pat@example.com\r\nBcc: eve@example.com', 'pat@example.com\nX: y', 'pat\r@example.com', 'pat@exam\u0000ple.com', 'pat@example.com\u007f'])(
    'refuses control characters (header injection) in %j',
    (input) => {
      expect(checkAddress(input)).toEqual({ ok: false, message: 'That email address contains characters that are not allowed.' });
    },
  );

  it('refuses over-long addresses and local parts', () => {
    expect(checkAddress(`${'a'.repeat(250)}@example.com`)).toEqual({ ok: false, message: 'That email address is too long.' });
    expect(checkAddress(`${'a'.repeat(65)}@example.com`).ok).toBe(false);
    expect(checkAddress(`${'a'.repeat(64)}@example.com`).ok).toBe(true);
  });
});

describe('canonicalAddress', () => {
  it.each([
    ['Pat@Example.com', 'pat@example.com'],
    ['  pat@example.com  ', 'pat@example.com'],
    ['pat.doe+tag@example.com', 'pat.doe+tag@example.com'], // only Gmail ignores dots and tags
    ['Pat.Doe+News@Gmail.com', 'patdoe@gmail.com'],
    ['p.a.t.doe@googlemail.com', 'patdoe@gmail.com'],
    ['patdoe+a+b@gmail.com', 'patdoe@gmail.com'],
    ['PATDOE@GOOGLEMAIL.COM', 'patdoe@gmail.com'],
  ])('%j -> %j', (input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it('maps Gmail variants to one key and keeps other domains apart', () => {
    const keys = new Set(['pat.doe@gmail.com', 'patdoe+x@googlemail.com', 'PatDoe@Gmail.com'].map(canonicalAddress));
    expect([...keys]).toEqual(['patdoe@gmail.com']);
    expect(canonicalAddress('patdoe@example.com')).not.toBe(canonicalAddress('pat.doe@example.com'));
  });
});
