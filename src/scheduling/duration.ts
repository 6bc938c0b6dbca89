import ms from 'ms';

const FORMAT = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i;

/** Parses "5s", "10m", "12h", "7d", "2w" into milliseconds; rejects anything else. */
export function parseDuration(value: string): number {
  const trimmed = value.trim();
  if (!FORMAT.test(trimmed)) {
    throw new Error(`"${value}" is not a duration; use a number and a unit: ms, s, m, h, d or w (e.g. 5s, 10m, 7d)`);
  }
  const result = ms(trimmed as ms.StringValue);
  if (!Number.isFinite(result) || result <= 0) {
    throw new Error(`"${value}" must be a positive duration`);
  }
  return result;
}
