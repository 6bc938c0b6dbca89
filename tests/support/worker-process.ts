// Runs `workers/index.ts` (what `npm run worker` starts) as a child process,
// so tests can SIGKILL it at any moment and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testRedisUrl } from './redis';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 120_000;

export interface WorkerProcess {
  readonly starts: number;
  /** Every start's stdout and stderr, appended. */
  readonly logFile: string;
  start(): Promise<void>;
  /** SIGKILL: no shutdown hooks, in-flight jobs are left active with their locks. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  running(): boolean;
}

/**
 * What a worker process needs to share a test app's Redis, prefix and secrets
 * and send to a fake Resend; `settings` adds or overrides the rest (with
 * REDIS_CLUSTER_NODES, the app's cluster stands for the suite's Redis).
 */
export function workerEnv(
  app: { config: { redisPrefix: string; appSecret: string; publicUrl: string } },
  fake: { apiKey: string; url: string },
  settings: Record<string, string>,
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ...(settings.REDIS_CLUSTER_NODES ? {} : { REDIS_URL: testRedisUrl() }),
    REDIS_PREFIX: app.config.redisPrefix,
    APP_SECRET: app.config.appSecret,
    PUBLIC_URL: app.config.publicUrl,
    RESEND_API_KEY: fake.apiKey,
    RESEND_BASE_URL: fake.url,
    LOG_LEVEL: 'info',
    ...settings,
  };
}

export function workerProcess(env: Record<string, string>, logFile: string): WorkerProcess {
  let child: ChildProcess | null = null;
  let starts = 0;
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));
  return {
    get starts() {
      return starts;
    },
    logFile,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async start() {
      starts += 1;
      const c = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      log.write(`\n=== start #${starts} pid ${c.pid} at ${new Date().toISOString()}\n`);
      c.stdout!.pipe(log, { end: false });
      c.stderr!.pipe(log, { end: false });
      child = c;
      // Ready when it logs "workers started" (or fail if it exits first).
      await new Promise<void>((resolve, reject) => {
        // Generous: tsx compiles the app on every start, which takes tens of
        // seconds on two cores busy with other test files. Only a hang waits this long.
        const timer = setTimeout(() => reject(new Error(`worker did not start within ${START_TIMEOUT_MS / 1000} s (see ${logFile})`)), START_TIMEOUT_MS);
        const onData = (chunk: Buffer) => {
          if (chunk.toString().includes('workers started')) {
            clearTimeout(timer);
            c.stdout!.off('data', onData);
            resolve();
          }
        };
        c.stdout!.on('data', onData);
        c.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`worker exited with ${code} before starting (see ${logFile})`));
        });
      });
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      log.write(`\n=== SIGKILL pid ${c.pid} at ${new Date().toISOString()}\n`);
      c.kill('SIGKILL');
      await exited(c);
    },
    async stop(graceMs = 10_000) {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
        await exited(c);
        clearTimeout(timer);
      }
      child = null;
      await new Promise<void>((r) => log.end(() => r()));
    },
  };
}
