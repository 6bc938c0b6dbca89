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
import { DEFAULT_SIGNUP_LIMITS } from '../../src/subscribers/signup-limits';
import { testRedisUrl, uniquePrefix } from './redis';

export interface TestApp {
  core: Core;
  app: FastifyInstance;
  config: Config;
  outbox: OutboxTransport;
  outboxDir: string;
  close(): Promise<void>;
}

export async function createTestApp(
  label: string,
  env: Record<string, string> = {},
  options: Partial<Omit<ComposeOptions, 'redisUrl' | 'logger'>> = {},
): Promise<TestApp> {
  const outboxDir = mkdtempSync(join(tmpdir(), `meridian-outbox-${label}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'https://clinic.example',
    REDIS_PREFIX: uniquePrefix(label),
    OUTBOX_DIR: outboxDir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const outbox = new OutboxTransport(outboxDir);
  const core = compose(config, {
    redisUrl: testRedisUrl(),
    logger: pino({ level: 'silent' }),
    transport: outbox,
    metrics: new Metrics(false),
    signupLimits: { ...DEFAULT_SIGNUP_LIMITS, perIpPerHour: 1000 },
    ...options,
  });
  const app = await createWebApp(core);
  await app.ready();
  return {
    core,
    app,
    config,
    outbox,
    outboxDir,
    close: async () => {
      await app.close();
      await core.close();
    },
  };
}
