// How `npm start` gets a Redis: an embedded redis-server with AOF, or a clear
// message when none can be started.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAnswers, resolveRedis, startRedisServer } from '../../src/runtime/redis-server';
import { testRedisUrl } from '../support/redis';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'meridian-redis-rt-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('embedded redis-server', () => {
  it('starts with AOF on, keeps data across a restart in the same folder, and stops', async () => {
    const dataDir = tmp();
    const first = await startRedisServer({ dataDir, appendOnly: true });
    const client = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await client.set('kept', 'yes');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    client.disconnect();
    await first.stop();
    expect(await redisAnswers('127.0.0.1', first.port, 200)).toBe(false);
    expect(readdirSync(dataDir).some((f) => f.startsWith('appendonly'))).toBe(true);

    const second = await startRedisServer({ dataDir, appendOnly: true, port: first.port });
    const again = new Redis(second.url, { maxRetriesPerRequest: 1 });
    expect(await again.get('kept')).toBe('yes');
    again.disconnect();
    await second.stop();
  });

  it('says how to get Redis when redis-server cannot be run', async () => {
    const error = await startRedisServer({ dataDir: tmp(), appendOnly: true, binary: '/nonexistent/redis-server' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/apt-get install redis-server/);
    expect((error as Error).message).toMatch(/REDIS_URL/);
  });

  it('uses REDIS_URL as given without probing or starting anything', async () => {
    const dataDir = join(tmp(), 'never-created');
    const resolved = await resolveRedis(testRedisUrl(), dataDir, () => undefined);
    expect(resolved).toEqual({ url: testRedisUrl(), embedded: null });
    expect(existsSync(dataDir)).toBe(false);
  });
});
