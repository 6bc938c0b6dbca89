// Answers already worked out. Building an Intl.DateTimeFormat costs tens of
// microseconds, and the send path asks once per recipient (the next step's
// window), mostly about the same few zones. Bounded: input is hostile.
const known = new Map<string, boolean>();
const KNOWN_MAX = 2000;

/** True for IANA zone names the runtime knows ("Europe/Berlin", "UTC"); false for offsets, abbreviations and junk. */
export function isValidTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  const cached = known.get(value);
  if (cached !== undefined) return cached;
  // Only IANA-shaped names: no raw offsets like "+02:00", which Intl also accepts.
  let valid = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(value);
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      valid = false;
    }
  }
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(value, valid);
  return valid;
}

/** A validated IANA time zone, or null when the browser sent nothing usable. */
export function normaliseTimeZone(value: unknown): string | null {
  if (!isValidTimeZone(value)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}
