// Builds a full Meridian core + web app on the suite's throwaway Redis, with
// its own key prefix and outbox folder, so test files never share state.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { OutboxTransport } from '../../src/delivery/outbox';
import { Metrics } from '../../src/observability/metrics';
import { compose, type ComposeOptions, type Core } from '../../src/runtime/compose';
import { createWebApp } from '../../src/runtime/web';
import { startWorkers, type WorkerSet } from '../../src/runtime/workers';
import { DEFAULT_SIGNUP_LIMITS } from '../../src/subscribers/signup-limits';
import { testRedisUrl, uniquePrefix } from './redis';

export interface TestApp {
  core: Core;
  app: FastifyInstance;
  config: Config;
  outbox: OutboxTransport;
  outboxDir: string;
  /** The in-process send worker (confirmation jobs and any batch on the queue), unless `sender: false`. */
  workers: WorkerSet | null;
  /** Resolves once the send queue has nothing waiting, running or scheduled for a retry. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<ComposeOptions, 'redisUrl' | 'logger'>> {
  /**
   * Run a send worker in process, as `npm start` does (default true), so
   * signups get their confirmation email. Turn it off when the test runs its
   * own workers on another transport, or none.
   */
  sender?: boolean;
}

export async function createTestApp(
  label: string,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const { sender = true, ...composeOptions } = options;
  const outboxDir = mkdtempSync(join(tmpdir(), `meridian-outbox-${label}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'https://clinic.example',
    REDIS_PREFIX: uniquePrefix(label),
    OUTBOX_DIR: outboxDir,
    LOG_LEVEL: 'silent',
    // BullMQ spaces send-job starts by 1000 / RESEND_RATE_LIMIT ms; at the
    // default of 2 each signup's confirmation job would wait half a second.
    RESEND_RATE_LIMIT: '100',
    ...env,
  });
  const outbox = new OutboxTransport(outboxDir);
  const core = compose(config, {
    redisUrl: testRedisUrl(),
    logger: pino({ level: 'silent' }),
    transport: outbox,
    metrics: new Metrics(false),
    signupLimits: { ...DEFAULT_SIGNUP_LIMITS, perIpPerHour: 1000 },
    ...composeOptions,
  });
  const app = await createWebApp(core);
  await app.ready();
  const workers = sender ? await startWorkers(core, { scheduler: false, sender: true }) : null;
  const settle = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await core.sendQueue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'waiting-children');
      if (Object.values(counts).every((n) => n === 0)) return;
      if (Date.now() > deadline) throw new Error(`send queue still busy after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    core,
    app,
    config,
    outbox,
    outboxDir,
    workers,
    settle,
    close: async () => {
      await workers?.close();
      await app.close();
      await core.close();
    },
  };
}
