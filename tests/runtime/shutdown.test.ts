// Graceful shutdown: SIGTERM finishes in-flight work and exits 0; a second
// signal exits at once; the worker process really behaves so.
import { spawn } from 'node:child_process';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onShutdown } from '../../src/runtime/shutdown';
import { testRedisUrl, uniquePrefix } from '../support/redis';

describe('onShutdown', () => {
  afterEach(() => {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    vi.restoreAllMocks();
  });

  it('waits for close() on the first signal and exits at once on the second', async () => {
    const exits: number[] = [];
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      exits.push(code);
    }) as never);
    let finish!: () => void;
    const closing = new Promise<void>((r) => (finish = r));
    process.removeAllListeners('SIGTERM'); // the test runner's own handlers are not under test
    onShutdown(pino({ level: 'silent' }), () => closing, 60_000);
    process.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([]); // still finishing in-flight work
    process.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([130]);
    finish();
    await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([130, 0]);
  });

  it('exits non-zero when close() outlives the deadline', async () => {
    const exits: number[] = [];
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      exits.push(code);
    }) as never);
    onShutdown(pino({ level: 'silent' }), () => new Promise(() => undefined), 30);
    process.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setTimeout(r, 80));
    expect(exits).toEqual([1]);
  });
});

describe('worker process', () => {
  it('starts, then on SIGTERM closes its queues and Redis and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: uniquePrefix('shutdown'),
        APP_SECRET: 'x'.repeat(40),
        OUTBOX_DIR: '/tmp/meridian-shutdown-outbox',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!out.includes('workers started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('workers started');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shut down cleanly');
  }, 60_000);

  it('refuses to start without REDIS_URL, saying so', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts'], {
      env: { ...process.env, REDIS_URL: '', NODE_ENV: 'test', APP_SECRET: 'x'.repeat(40) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(78);
    expect(err).toMatch(/REDIS_URL is required/);
  }, 30_000);

  it('rejects a bad --only value', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts', '--only', 'everything'], {
      env: { ...process.env, REDIS_URL: testRedisUrl(), NODE_ENV: 'test', APP_SECRET: 'x'.repeat(40) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(64);
    expect(err).toMatch(/--only must be/);
  }, 30_000);
});
