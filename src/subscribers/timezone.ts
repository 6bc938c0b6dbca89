/** True for IANA zone names the runtime knows ("Europe/Berlin", "UTC"); false for offsets, abbreviations and junk. */
export function isValidTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  // Only IANA-shaped names: no raw offsets like "+02:00", which Intl also accepts.
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A validated IANA time zone, or null when the browser sent nothing usable. */
export function normaliseTimeZone(value: unknown): string | null {
  if (!isValidTimeZone(value)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}
