import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The suite's own throwaway Redis (see global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test file shares, so files can run in parallel on one server. */
export function uniquePrefix(label: string): string {
  return `t${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}${randomBytes(4).toString('hex')}`;
}

export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}
