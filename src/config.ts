// The one place that reads the environment. Everything else receives a Config.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { CONSENT_WORDINGS } from './content/consent';
import type { ClusterTarget } from './redis/connection';
import { parseDuration } from './scheduling/duration';
import { isValidTimeZone } from './subscribers/timezone';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const duration = (name: string) =>
  z.string().transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${name}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

const url = (name: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), `${name} must be an absolute http(s) URL`);

/** scheme://host[:port], optionally with a trailing "/", nothing more. */
function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const u = new URL(value);
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value.replace(/\/$/, '');
}

/** https, or http on the local machine (a production build tried out locally). */
function isHttpsOrLocal(value: string): boolean {
  const u = new URL(value);
  if (u.protocol === 'https:') return true;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Unset: 127.0.0.1 outside production (the dev outbox shows every token), 0.0.0.0 in production.
  HOST: z.string().min(1).optional(),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  METRICS_TOKEN: z
    .string()
    .min(24, 'METRICS_TOKEN must be at least 24 characters (try: openssl rand -hex 24)')
    .regex(/^[\x21-\x7e]+$/, 'METRICS_TOKEN may hold printable ASCII only (it travels in an Authorization header)')
    .optional(),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'REDIS_URL must start with redis:// or rediss://')
    .optional(),
  // Seed nodes of a Redis Cluster: host:port or redis(s)://[user:password@]host:port, comma-separated.
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseClusterNodes(value);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'REDIS_PREFIX may hold letters, digits, _ and - only (BullMQ forbids ":")')
    .default('meridian'),
  APP_SECRET: z.string().min(32, 'APP_SECRET must be at least 32 characters (try: openssl rand -hex 32)').optional(),
  SECRET_FILE: z.string().default('.data/app-secret'),
  EMAIL_FROM: z.string().min(3).optional(),
  CLINIC_NAME: z.string().min(1).max(80).default('Meridian Acupuncture Clinic'),
  CLINIC_POSTAL_ADDRESS: z.string().min(1).max(200).default('12 Harbour Street, Springfield 01234'),
  CLINIC_BOOKING_URL: url('CLINIC_BOOKING_URL').optional(),
  CLINIC_TIMEZONE: z
    .string()
    .refine(isValidTimeZone, 'CLINIC_TIMEZONE must be an IANA time zone such as Europe/London')
    .default('Europe/London'),
  CONSENT_TEXT_VERSION: z
    .string()
    .refine(
      (v) => CONSENT_WORDINGS.some((w) => w.version === v),
      `CONSENT_TEXT_VERSION must be one of the published wordings: ${CONSENT_WORDINGS.map((w) => w.version).join(', ')} (src/content/consent.ts)`,
    )
    .default('2026-11'),
  CONFIRM_TOKEN_TTL: duration('CONFIRM_TOKEN_TTL').prefault('3d'),
  MANAGE_TOKEN_TTL: duration('MANAGE_TOKEN_TTL').prefault('180d'),
  PENDING_RETENTION: duration('PENDING_RETENTION').prefault('30d'),
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: url('RESEND_BASE_URL').optional(),
  RESEND_WEBHOOK_SECRET: z
    .string()
    .refine(
      isWebhookSecret,
      'RESEND_WEBHOOK_SECRET must be the signing secret Resend shows for your webhook: "whsec_" followed by base64 (24 to 64 bytes). Copy it again from the Resend dashboard (Webhooks → your endpoint → Signing secret).',
    )
    .optional(),
  RESEND_RATE_LIMIT: z.coerce.number().positive().max(1000).default(2),
  RESEND_JITTER_BUDGET_MS: z.coerce.number().int().min(0).max(5000).default(250),
  OUTBOX_DIR: z.string().default('.outbox'),
  OUTBOX_IN_PRODUCTION: z
    .enum(['true', 'false', '1', '0'], { message: 'OUTBOX_IN_PRODUCTION must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((o) => o === '*' || isOrigin(o)), 'CORS_ORIGINS is a comma-separated list of origins such as https://clinic.example')
    // Browsers send Origin without a trailing slash; compare like with like.
    .transform((list) => list.map((o) => (o === '*' ? o : new URL(o).origin))),
  // Defaults are DEFAULT_SIGNUP_LIMITS (src/subscribers/signup-limits.ts).
  SIGNUPS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(30),
  SIGNUPS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000_000).default(6),
  DRIP_INTERVAL: duration('DRIP_INTERVAL').prefault('7d'),
  SEND_WINDOW_WEEKDAY: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(WEEKDAYS, { message: `SEND_WINDOW_WEEKDAY must be one of ${WEEKDAYS.join(', ')}` }))
    .default('tuesday'),
  SEND_WINDOW_HOUR: z.coerce.number().int().min(0).max(23).default(9),
  MISSED_SEND_GRACE: duration('MISSED_SEND_GRACE').prefault('12h'),
  NEWSLETTER_DURING_SERIES: z.enum(['skip', 'send'], { message: 'NEWSLETTER_DURING_SERIES must be skip or send' }).default('skip'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  SCHEDULER_TICK: duration('SCHEDULER_TICK').prefault('1s'),
  SEND_MAX_CLAIMED_BATCHES: z.coerce.number().int().min(1).max(10_000).default(64),
  JOB_LOCK_DURATION: duration('JOB_LOCK_DURATION').prefault('30s'),
  ADMIN_SESSION_TTL: duration('ADMIN_SESSION_TTL').prefault('8h'),
  ADMIN_PASSWORD_COST: z.coerce.number().int().min(10).max(20).default(15),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Standard Webhooks secrets (what Resend issues through Svix): "whsec_" and
 * base64 of 24 to 64 random bytes. Anything else would start fine and then
 * fail every webhook, so bounces would silently never be processed.
 */
export function isWebhookSecret(value: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!m || m[1]!.length % 4 !== 0) return false;
  const bytes = Buffer.from(m[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

const CLUSTER_HELP = 'REDIS_CLUSTER_NODES is a comma-separated list of seed nodes, host:port or redis[s]://[user:password@]host:port (e.g. 10.0.0.1:6379,10.0.0.2:6379)';

/** The cluster's seed nodes (credentials and TLS from the first URL that has them), or what is wrong. */
export function parseClusterNodes(raw: string): ClusterTarget | string {
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return `${CLUSTER_HELP}; it is empty.`;
  const target: ClusterTarget = { nodes: [], tls: false };
  const schemes = new Set<string>();
  for (const entry of entries) {
    const asUrl = /^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`;
    const u = URL.canParse(asUrl) ? new URL(asUrl) : null;
    const port = u ? Number(u.port || '6379') : NaN;
    if (!u || !u.hostname || (u.pathname !== '' && u.pathname !== '/') || u.search || !Number.isInteger(port) || port < 1 || port > 65535) {
      return `${CLUSTER_HELP}; not understood: ${entry.replace(/\/\/[^@/]*@/, '//***@').slice(0, 80)}.`;
    }
    schemes.add(u.protocol);
    target.nodes.push({ host: u.hostname.replace(/^\[|\]$/g, ''), port });
    if (u.password && !target.password) {
      target.password = decodeURIComponent(u.password);
      if (u.username) target.username = decodeURIComponent(u.username);
    }
  }
  if (schemes.size > 1) return `${CLUSTER_HELP}; mix of redis:// and rediss:// (all nodes use TLS or none do).`;
  target.tls = schemes.has('rediss:');
  return target;
}

/** Every setting's name, for the test that checks README, .env.example and docker-compose.yml against them. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

export type Weekday = (typeof WEEKDAYS)[number];

/** false, a number of proxy hops, or the proxies' addresses: never "trust every X-Forwarded-For entry". */
export type TrustProxy = false | number | string[];

const TRUST_PROXY_HELP =
  'TRUST_PROXY takes false, the number of reverse proxies in front of Meridian (usually 1), or a comma-separated list of their addresses or CIDR ranges (e.g. 10.0.0.0/8,loopback)';

/** The parsed setting, or a message saying what is wrong with it. */
export function parseTrustProxy(raw: string): TrustProxy | string {
  const value = raw.trim().toLowerCase();
  if (value === 'false' || value === '0') return false;
  if (value === 'true') {
    return `TRUST_PROXY=true would take the client IP from the first X-Forwarded-For entry, which the client chooses. ${TRUST_PROXY_HELP}.`;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= 10 ? hops : `${TRUST_PROXY_HELP}; ${value} hops is not plausible.`;
  }
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((entry) => !isProxyAddress(entry));
  if (list.length === 0 || bad.length > 0) return `${TRUST_PROXY_HELP}; not understood: ${bad.join(', ') || raw}.`;
  return list;
}

function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Which X-Forwarded-For hops to believe (rate limits and the consent ledger need the client IP). */
  trustProxy: TrustProxy;
  /** Bearer token for GET /metrics; without it only loopback may read metrics (outside tests). */
  metricsToken: string | undefined;
  publicUrl: string;
  redisUrl: string | undefined;
  /** A Redis Cluster's seed nodes (REDIS_CLUSTER_NODES); when set, REDIS_URL is ignored. */
  redisCluster: ClusterTarget | undefined;
  /** REDIS_PREFIX as written (it names the deployment; workers and tools pass it on). */
  redisPrefix: string;
  /**
   * What every key starts with, Meridian's own and BullMQ's. On a cluster the prefix is a
   * hash tag ({meridian}), so every key of a queue and every key a script touches is in one slot.
   */
  redisKeyPrefix: string;
  appSecret: string;
  emailFrom: string;
  clinic: {
    name: string;
    postalAddress: string;
    bookingUrl: string;
    timeZone: string;
  };
  consentTextVersion: string;
  confirmTokenTtlMs: number;
  /** How long unsubscribe/preferences links show the address and change preferences (they always unsubscribe). */
  manageTokenTtlMs: number;
  /** Pending (never confirmed) subscribers are erased this long after their last confirmation email. */
  pendingRetentionMs: number;
  resend: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    webhookSecret: string | undefined;
    rateLimitPerSecond: number;
    /** How late a request may reach Resend after its pacer grant and still count in the right second (delivery/pacer.ts). */
    jitterBudgetMs: number;
  };
  outboxDir: string;
  corsOrigins: string[];
  /** Abuse limits on signups (every web process shares them through Redis). */
  signupLimits: { perIpPerHour: number; perAddressPerHour: number };
  drip: {
    intervalMs: number;
    windowWeekday: Weekday;
    windowHour: number;
    missedSendGraceMs: number;
  };
  newsletter: {
    /** skip: a reader with a series email in the same send window does not also get the newsletter. */
    duringSeries: 'skip' | 'send';
  };
  workerConcurrency: number;
  /** How often the scheduler claims due subscribers. */
  schedulerTickMs: number;
  /** Backpressure: batches claimed but not yet completed, at most (the claim loop waits for room). */
  maxClaimedBatches: number;
  /** How long a worker holds a send job before others may take it over (stalled-job detection). */
  jobLockMs: number;
  admin: {
    /** How long a console session lasts without activity (the cookie's and the Redis record's expiry). */
    sessionTtlMs: number;
    /** log2 of scrypt's N for admin password hashes. */
    passwordCost: number;
  };
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee README.md, "Configuration".`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates settings once. `cwd` anchors relative paths (outbox, secret file). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // Empty strings in .env files mean "unset", not "empty value".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join('.');
        return i.message.startsWith(key) ? i.message : `${key}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    // Report both at once: fixing one to be told about the other is slow.
    const missing: string[] = [];
    if (!e.PUBLIC_URL) missing.push('PUBLIC_URL is required in production: links in emails must point at your public site.');
    if (e.ADMIN_PASSWORD_COST < 14) missing.push('ADMIN_PASSWORD_COST below 14 is for tests only; use 14 or more in production (default 15).');
    if (!e.APP_SECRET) missing.push('APP_SECRET is required in production (at least 32 characters; try: openssl rand -hex 32).');
    if (e.PUBLIC_URL && !isHttpsOrLocal(e.PUBLIC_URL)) {
      // Mail providers only honour one-click unsubscribe (RFC 8058) on https links.
      missing.push(`PUBLIC_URL must start with https:// in production (got ${new URL(e.PUBLIC_URL).origin}); only localhost may use http.`);
    }
    if (!e.RESEND_API_KEY && !e.OUTBOX_IN_PRODUCTION) {
      // Without a key mail goes to .eml files that nobody reads in production
      // (/outbox is hidden there): every reader would silently get nothing.
      missing.push(
        'RESEND_API_KEY is required in production: without it emails are only written to OUTBOX_DIR and nobody receives them. Set OUTBOX_IN_PRODUCTION=true if that is really what you want (a staging copy).',
      );
    }
    if (missing.length > 0) throw new ConfigError(missing);
  }
  const appSecret = e.APP_SECRET ?? developmentSecret(e.NODE_ENV, resolve(cwd, e.SECRET_FILE));
  const brand = brandSettings(e);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    publicUrl: brand.publicUrl,
    // A cluster wins: docker-compose always sets REDIS_URL to its own one-node Redis.
    redisUrl: e.REDIS_CLUSTER_NODES ? undefined : e.REDIS_URL,
    redisCluster: e.REDIS_CLUSTER_NODES,
    redisPrefix: e.REDIS_PREFIX,
    redisKeyPrefix: e.REDIS_CLUSTER_NODES ? `{${e.REDIS_PREFIX}}` : e.REDIS_PREFIX,
    appSecret,
    // The clinic's name as the sender's name unless EMAIL_FROM says otherwise.
    emailFrom: e.EMAIL_FROM ?? `${e.CLINIC_NAME} <hello@clinic.example>`,
    clinic: {
      name: brand.clinicName,
      postalAddress: brand.postalAddress,
      bookingUrl: brand.bookingUrl,
      timeZone: e.CLINIC_TIMEZONE,
    },
    consentTextVersion: e.CONSENT_TEXT_VERSION,
    confirmTokenTtlMs: e.CONFIRM_TOKEN_TTL,
    manageTokenTtlMs: e.MANAGE_TOKEN_TTL,
    pendingRetentionMs: e.PENDING_RETENTION,
    resend: {
      apiKey: e.RESEND_API_KEY,
      baseUrl: e.RESEND_BASE_URL,
      webhookSecret: e.RESEND_WEBHOOK_SECRET,
      rateLimitPerSecond: e.RESEND_RATE_LIMIT,
      jitterBudgetMs: e.RESEND_JITTER_BUDGET_MS,
    },
    outboxDir: resolve(cwd, e.OUTBOX_DIR),
    corsOrigins: e.CORS_ORIGINS,
    signupLimits: { perIpPerHour: e.SIGNUPS_PER_IP_PER_HOUR, perAddressPerHour: e.SIGNUPS_PER_ADDRESS_PER_HOUR },
    drip: {
      intervalMs: e.DRIP_INTERVAL,
      windowWeekday: e.SEND_WINDOW_WEEKDAY,
      windowHour: e.SEND_WINDOW_HOUR,
      missedSendGraceMs: e.MISSED_SEND_GRACE,
    },
    newsletter: { duringSeries: e.NEWSLETTER_DURING_SERIES },
    workerConcurrency: e.WORKER_CONCURRENCY,
    schedulerTickMs: e.SCHEDULER_TICK,
    maxClaimedBatches: e.SEND_MAX_CLAIMED_BATCHES,
    jobLockMs: e.JOB_LOCK_DURATION,
    admin: { sessionTtlMs: e.ADMIN_SESSION_TTL, passwordCost: e.ADMIN_PASSWORD_COST },
    logLevel: e.LOG_LEVEL,
  };
}

/** Who the clinic is, as every email shows it (the same shape as the renderer's Brand). */
export interface BrandSettings {
  clinicName: string;
  postalAddress: string;
  bookingUrl: string;
  /** Without a trailing slash. */
  publicUrl: string;
}

const BRAND_KEYS = { PORT: true, PUBLIC_URL: true, CLINIC_NAME: true, CLINIC_POSTAL_ADDRESS: true, CLINIC_BOOKING_URL: true } as const;

function brandSettings(e: Pick<z.infer<typeof schema>, keyof typeof BRAND_KEYS>): BrandSettings {
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    clinicName: e.CLINIC_NAME,
    postalAddress: e.CLINIC_POSTAL_ADDRESS,
    bookingUrl: e.CLINIC_BOOKING_URL ?? `${publicUrl}/book`,
    publicUrl,
  };
}

/** The brand of a loaded config (what the app's emails and the console's template previews use). */
export function emailBrand(config: Pick<Config, 'clinic' | 'publicUrl'>): BrandSettings {
  return {
    clinicName: config.clinic.name,
    postalAddress: config.clinic.postalAddress,
    bookingUrl: config.clinic.bookingUrl,
    publicUrl: config.publicUrl,
  };
}

/**
 * The brand settings alone, for the React Email preview server, which runs no
 * Meridian entrypoint: `dir`/.env under the real environment (which wins, as
 * with loadEnvFile), validated by the same schema. Reads only: process.env is
 * not changed and no secret is generated, so templates can call it on import.
 */
export function loadBrandSettings(dir: string, env: NodeJS.ProcessEnv = process.env): BrandSettings {
  let fromFile: NodeJS.Dict<string> = {};
  try {
    fromFile = parseEnv(readFileSync(resolve(dir, '.env'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError([`${resolve(dir, '.env')} could not be read: ${(err as Error).message}`]);
  }
  const merged = Object.fromEntries(
    Object.entries({ ...fromFile, ...env }).filter(([k, v]) => k in BRAND_KEYS && v !== undefined && v !== ''),
  );
  const parsed = schema.pick(BRAND_KEYS).safeParse(merged);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return brandSettings(parsed.data);
}

// In development a secret is generated once and kept in a git-ignored file, so
// links in already-sent emails keep working across restarts.
function developmentSecret(env: string, file: string): string {
  if (env === 'production') {
    throw new ConfigError(['APP_SECRET is required in production (at least 32 characters; try: openssl rand -hex 32).']);
  }
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Reads a .env file into process.env (Node's own parser). Variables already in
 * the environment win over the file, so a deployment's real settings are never
 * overridden by a stray file. A missing file is fine.
 */
export function loadEnvFile(file = '.env'): boolean {
  try {
    process.loadEnvFile(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConfigError([`${file} could not be read: ${(err as Error).message}`]);
  }
}

/** For entrypoints: loads .env, then the config, or a clear message and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit(): Config {
  try {
    loadEnvFile(resolve('.env'));
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
}
