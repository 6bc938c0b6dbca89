// Who may read GET /metrics. Counters such as emails_sent_total{template="confirm"}
// tell whether a signup was new, so outside tests they need METRICS_TOKEN as a
// bearer token, or a direct connection from this machine (a local scraper).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export type MetricsAccess = 'allowed' | 'no-credentials' | 'bad-token';

export function metricsAccess(request: FastifyRequest, config: Pick<Config, 'env' | 'metricsToken'>): MetricsAccess {
  if (config.env === 'test') return 'allowed';
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return config.metricsToken !== undefined && match && sameSecret(match[1]!, config.metricsToken) ? 'allowed' : 'bad-token';
  }
  return isDirectLoopback(request) ? 'allowed' : 'no-credentials';
}

/**
 * The socket itself comes from this machine and no proxy stands in between: a
 * reverse proxy on the same host also connects from 127.0.0.1, but it says so
 * with X-Forwarded-For / Forwarded.
 */
function isDirectLoopback(request: FastifyRequest): boolean {
  const h = request.headers;
  if (h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined) return false;
  return LOOPBACK.has(request.socket.remoteAddress ?? '');
}

/** Constant time whatever the lengths: compares digests, never the strings. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
