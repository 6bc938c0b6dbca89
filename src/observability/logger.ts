import pino, { type Logger } from 'pino';

/** Structured JSON logs, one object per line, with personal data redacted. */
export function createLogger(level: string, base: Record<string, string> = {}): Logger {
  return pino({
    level,
    base: { service: 'meridian', ...base },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'email', '*.email'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
