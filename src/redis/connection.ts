import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** A single Redis or a Redis Cluster: every store, script and queue works on either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server's URL, or a cluster's seed nodes (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { cluster: ClusterTarget };

export interface ClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * One ioredis connection (a Cluster client for a cluster). maxRetriesPerRequest:
 * null is what BullMQ workers require, and it also makes web requests wait out a
 * short Redis restart instead of failing on the first dropped connection.
 */
export function connectRedis(target: RedisTarget | string, logger?: Logger, extra: RedisOptions = {}): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...extra,
  };
  const where = describeTarget(t);
  const redis: RedisClient =
    'url' in t
      ? new Redis(t.url, options)
      : new Cluster(t.cluster.nodes, {
          redisOptions: {
            ...options,
            ...(t.cluster.username ? { username: t.cluster.username } : {}),
            ...(t.cluster.password ? { password: t.cluster.password } : {}),
            ...(t.cluster.tls ? { tls: {} } : {}),
          },
          enableReadyCheck: true,
          clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
          // Managed clusters with TLS announce host names their certificates are
          // issued for; resolving them to IPs first would fail the TLS check.
          ...(t.cluster.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
        });
  let warned = false;
  redis.on('error', (err: Error) => {
    // ioredis emits an error per failed reconnect; one line per outage is enough.
    if (!warned) logger?.warn({ err: err.message, redis: where }, 'redis connection error; retrying');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger?.info({ redis: where }, 'redis connection restored');
    warned = false;
  });
  return redis;
}

/** For logs: the URL without its password, or the cluster's seed nodes. */
export function describeTarget(target: RedisTarget): string {
  if ('url' in target) return redactUrl(target.url);
  return `cluster ${target.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/**
 * SCAN over every key matching `pattern`. On a cluster each master holds a part
 * of the key space, so each is scanned (a plain SCAN would ask one random node).
 */
export async function scanKeys(redis: RedisClient, pattern: string, count = 500): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      out.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return out;
}
