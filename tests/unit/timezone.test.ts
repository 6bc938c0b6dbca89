import { describe, expect, it } from 'vitest';
import { isValidTimeZone, normaliseTimeZone } from '../../src/subscribers/timezone';

describe('time zones', () => {
  it.each(['Europe/London', 'America/Argentina/Buenos_Aires', 'UTC', 'Asia/Kolkata', 'Etc/GMT+5'])('accepts %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
    expect(normaliseTimeZone(tz)).toBeTypeOf('string');
  });

  it.each([
    '', '+02:00', '-0500', 'GMT+2 ', 'Europe/Nowhere', 'Mars/Olympus_Mons', '../../etc/passwd', 'Europe/London\r\nX: y',
    '<script>', 'a'.repeat(65), null, undefined, 42, {}, ['Europe/London'],
  ])('rejects %j (normalised to null)', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
    expect(normaliseTimeZone(tz)).toBeNull();
  });

  it('normalises case to the canonical IANA name', () => {
    expect(normaliseTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(normaliseTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
  });
});
