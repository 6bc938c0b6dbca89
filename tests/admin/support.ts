// The console under test: a full Meridian app on the suite's Redis with a log
// that tests can read, plus sign-in helpers that go through the real form.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { AdminAccounts } from '../../src/admin/accounts';
import { SESSION_COOKIE } from '../../src/admin/console';
import { loadConfig } from '../../src/config';
import { OutboxTransport } from '../../src/delivery/outbox';
import { Metrics } from '../../src/observability/metrics';
import { compose, type Core } from '../../src/runtime/compose';
import { createWebApp } from '../../src/runtime/web';
import { DEFAULT_SIGNUP_LIMITS } from '../../src/subscribers/signup-limits';
import { testRedisUrl, uniquePrefix } from '../support/redis';

export const ADMIN = { email: 'marketer@clinic.example', password: 'correct horse battery staple' };

export interface ConsoleApp {
  core: Core;
  app: FastifyInstance;
  accounts: AdminAccounts;
  outboxDir: string;
  /** Every log line written so far, raw JSON. */
  log: string[];
  close(): Promise<void>;
}

export async function createConsoleApp(label: string, env: Record<string, string> = {}, withAccount = true): Promise<ConsoleApp> {
  const outboxDir = mkdtempSync(join(tmpdir(), `meridian-console-${label}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    PUBLIC_URL: 'http://clinic.test',
    REDIS_PREFIX: uniquePrefix(label),
    OUTBOX_DIR: outboxDir,
    LOG_LEVEL: 'info',
    // Cheap hashes keep the suite fast; production refuses a cost below 14.
    ADMIN_PASSWORD_COST: '10',
    ...env,
  });
  const log: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, cb) {
        log.push(String(chunk));
        cb();
      },
    }),
  );
  const core = compose(config, {
    redisUrl: testRedisUrl(),
    logger,
    transport: new OutboxTransport(outboxDir),
    metrics: new Metrics(false),
    signupLimits: { ...DEFAULT_SIGNUP_LIMITS, perIpPerHour: 1000 },
  });
  const accounts = new AdminAccounts(core.redis, core.keys, core.config.admin.passwordCost);
  if (withAccount) await accounts.add(ADMIN.email, ADMIN.password);
  const app = await createWebApp(core);
  await app.ready();
  return {
    core,
    app,
    accounts,
    outboxDir,
    log,
    close: async () => {
      await app.close();
      await core.close();
    },
  };
}

/** name=value pairs from a response's Set-Cookie headers, merged into a Cookie header. */
export function cookieHeader(res: LightMyRequestResponse, previous = ''): string {
  const jar = new Map(previous.split('; ').filter(Boolean).map((p) => p.split('=', 2) as [string, string]));
  for (const c of res.cookies as { name: string; value: string }[]) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html) ?? /name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

export interface Session {
  cookie: string;
  /** A valid CSRF token for this session. */
  csrf: string;
}

/** Opens the sign-in form, posts it, and returns the session cookie and a fresh token. */
export async function signIn(app: FastifyInstance, email = ADMIN.email, password = ADMIN.password, headers: Record<string, string> = {}): Promise<Session> {
  const form = await app.inject({ method: 'GET', url: '/admin/login', headers: { accept: 'text/html', ...headers } });
  let cookie = cookieHeader(form);
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie, ...headers },
    payload: new URLSearchParams({ _csrf: csrfFrom(form.body), email, password }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  cookie = cookieHeader(res, cookie);
  if (!cookie.includes(`${SESSION_COOKIE}=`)) throw new Error('no session cookie after sign-in');
  const page = await app.inject({ method: 'GET', url: '/admin', headers: { accept: 'text/html', cookie, ...headers } });
  return { cookie: cookieHeader(page, cookie), csrf: csrfFrom(page.body) };
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
