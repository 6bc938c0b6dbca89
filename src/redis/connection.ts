import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * One ioredis connection. maxRetriesPerRequest: null is what BullMQ workers
 * require, and it also makes web requests wait out a short Redis restart
 * instead of failing on the first dropped connection.
 */
export function connectRedis(url: string, logger?: Logger, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...extra,
  });
  let warned = false;
  redis.on('error', (err) => {
    // ioredis emits an error per failed reconnect; one line per outage is enough.
    if (!warned) logger?.warn({ err: err.message, url: redactUrl(url) }, 'redis connection error; retrying');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger?.info({ url: redactUrl(url) }, 'redis connection restored');
    warned = false;
  });
  return redis;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
