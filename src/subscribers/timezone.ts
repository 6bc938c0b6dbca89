// Answers already worked out. Building an Intl.DateTimeFormat costs tens of
// microseconds (over 100 on a busy core), and both the send path (the next
// step's window, once per recipient) and every signup ask, mostly about the
// same few zones. Bounded: input is hostile.
// Value: the runtime's own spelling of the zone ("europe/berlin" -> "Europe/Berlin"), or null when invalid.
const known = new Map<string, string | null>();
const KNOWN_MAX = 2000;

function resolveZone(value: string): string | null {
  const cached = known.get(value);
  if (cached !== undefined) return cached;
  let resolved: string | null = null;
  // Only IANA-shaped names: no raw offsets like "+02:00", which Intl also accepts.
  if (/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(value)) {
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      resolved = null;
    }
  }
  if (known.size >= KNOWN_MAX) known.clear();
  known.set(value, resolved);
  return resolved;
}

/** True for IANA zone names the runtime knows ("Europe/Berlin", "UTC"); false for offsets, abbreviations and junk. */
export function isValidTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  return resolveZone(value) !== null;
}

/** A validated IANA time zone, or null when the browser sent nothing usable. */
export function normaliseTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return null;
  return resolveZone(value);
}
