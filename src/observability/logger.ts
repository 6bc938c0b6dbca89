import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  /** Readable coloured lines instead of JSON (see prettyLogs). */
  pretty?: boolean;
}

/**
 * Readable lines only for a person watching a terminal in development; JSON
 * everywhere else (production, pipes, files, log shippers), so nothing that
 * parses the logs ever sees the pretty form.
 */
export function prettyLogs(env: string, stdoutIsTty: boolean | undefined): boolean {
  return env === 'development' && stdoutIsTty === true;
}

/** Structured JSON logs, one object per line, with personal data redacted. */
export function createLogger(level: string, base: Record<string, string> = {}, options: LoggerOptions = {}): Logger {
  const settings = {
    level,
    base: { service: 'meridian', ...base },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'email', '*.email'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!options.pretty) return pino(settings);
  // pino's own pretty printer as a synchronous stream: redaction still applies
  // before formatting, and no worker thread is needed.
  return pino(settings, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', sync: true }));
}
