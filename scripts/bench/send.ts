// The end-to-end send lines: N confirmed subscribers due at once, sent by
// real `npm run worker` processes to the fake Resend child process, timed from
// the first worker being ready to the fake having accepted the Nth email.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { DEFAULT_TOPICS } from '../../src/content/topics';
import { consentWording } from '../../src/content/consent';
import { dripEmails } from '../../src/drip/sender';
import type { PlannedRecipient } from '../../src/drip/store';
import { createPersonaliser } from '../../src/render/render';
import { compose, type Core } from '../../src/runtime/compose';
import { ensureDirectoryIndexes } from '../../src/subscribers/reindex';
import { enrolFirstSequence, findSequence } from '../../src/sequences/enrolment';
import type { TemplateId } from '../../src/render/templates';
import type { FakeResendChild } from './fake-resend-child';
import { waitForAccepted } from './fake-resend-child';
import { batchBody } from './floor';
import { groupCpuSeconds, pidCpuSeconds, startNpm, type BenchProcess } from './processes';

export const BENCH_SECRET = 'bench-app-secret-'.padEnd(64, 'x');
export const BENCH_PUBLIC_URL = 'https://clinic.example';

/** The environment a bench worker or web server runs with: production settings, limits raised by configuration. */
export function benchEnv(redisUrl: string, prefix: string, fake: FakeResendChild, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    APP_SECRET: BENCH_SECRET,
    PUBLIC_URL: BENCH_PUBLIC_URL,
    RESEND_API_KEY: fake.apiKey,
    RESEND_BASE_URL: fake.url,
    RESEND_RATE_LIMIT: '1000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export function benchCore(redisUrl: string, env: Record<string, string>): Core {
  const config: Config = loadConfig(env);
  return compose(config, { redisUrl, logger: pino({ level: 'silent' }) });
}

const META = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' };

/** Signs up and confirms `count` subscribers through the store (the real Lua scripts), all due at once. */
/**
 * What the first `npm start` or `npm run worker` on an empty Redis leaves: the
 * record-layout marker, so the bench's workers find a current installation, as
 * in production, instead of each checking every seeded record at start.
 */
export async function markInstalled(core: Core): Promise<void> {
  const checked = await ensureDirectoryIndexes(core.redis, core.keys);
  if (checked && checked.subscribers > 0) throw new Error(`bench prefix ${core.keys.prefix} already held ${checked.subscribers} subscribers; use a fresh prefix`);
}

export async function seedConfirmed(core: Core, count: number, label: string, concurrency = 100): Promise<PlannedRecipient[]> {
  await markInstalled(core);
  const wording = consentWording(core.config.consentTextVersion, core.config.clinic.name);
  const out: PlannedRecipient[] = new Array(count);
  let next = 0;
  const names = ['Maria', 'José', 'Zoë', null, 'Siobhán', 'Łukasz', null, 'Anne-Marie'];
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const email = `${label}${i}@example.com`;
      const firstName = names[i % names.length]!;
      const signed = await core.store.signup(
        {
          email,
          canonical: email,
          firstName,
          timeZone: 'Europe/London',
          topics: DEFAULT_TOPICS,
          consentVersion: wording.version,
          consentText: wording.text,
          form: 'signup',
          meta: META,
        },
        0,
      );
      const enrolment = enrolFirstSequence({ ...signed.subscriber, status: 'active' }, Date.now());
      const result = await core.store.confirm(signed.subscriber.id, META, enrolment);
      if (result !== 'ok') throw new Error(`seeding ${email}: confirm answered ${result}`);
      out[i] = { id: signed.subscriber.id, email, canonical: email, firstName, timeZone: 'Europe/London' };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return out;
}

/** The first step's emails for `recipients`, pre-rendered and serialised as request bodies of 100. */
export async function prebuiltFirstStep(core: Core, recipients: PlannedRecipient[]): Promise<{ body: string; emails: number }[]> {
  const sequence = findSequence('sciatica-series');
  const step = sequence?.steps[0];
  if (!sequence || !step) throw new Error('the sciatica series has no first step');
  const personalise = await createPersonaliser(step.template as TemplateId, core.renderContext);
  const bodies: { body: string; emails: number }[] = [];
  for (let i = 0; i < recipients.length; i += 100) {
    const chunk = recipients.slice(i, i + 100);
    bodies.push({ body: batchBody(dripEmails(chunk, sequence.id, step.id, personalise, core.config.emailFrom)), emails: chunk.length });
  }
  return bodies;
}

export interface SendRun {
  workers: number;
  emails: number;
  ms: number;
  emailsPerSecond: number;
  duplicates: number;
  problems: string[];
  /** CPU seconds from the workers being ready to the last acceptance: the workers (all processes of their groups) and the fake. */
  cpu: { workers: number; fake: number };
}

/** Starts `workers` worker processes, waits for `target` accepted emails, stops them. The fake must be reset first. */
export async function runSend(
  fake: FakeResendChild,
  env: Record<string, string>,
  workers: number,
  target: number,
  timeoutMs = 15 * 60_000,
  onLine?: (line: string) => void,
): Promise<SendRun> {
  const procs: BenchProcess[] = [];
  try {
    const started = await Promise.all(Array.from({ length: workers }, () => startNpm('worker', env, 'workers started', 60_000, onLine)));
    procs.push(...started);
    const t0 = Math.min(...started.map((p) => p.readyAt));
    const workerCpu = () => started.reduce((sum, p) => sum + groupCpuSeconds(p.pid), 0);
    const cpu0 = { workers: workerCpu(), fake: pidCpuSeconds(fake.pid) };
    const t1 = await waitForAccepted(fake, target, timeoutMs);
    const cpu = { workers: workerCpu() - cpu0.workers, fake: pidCpuSeconds(fake.pid) - cpu0.fake };
    // Let in-flight completions land, then count duplicates.
    await new Promise((r) => setTimeout(r, 500));
    const { accepted, duplicates } = await fake.stats();
    const ms = t1 - t0;
    return { workers, emails: accepted, ms, emailsPerSecond: (target / ms) * 1000, duplicates, problems: procs.flatMap((p) => p.problems), cpu };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** CPU milliseconds per 100 emails (one batch), for the notes. */
export function cpuPerBatch(seconds: number, emails: number): string {
  return `${((seconds * 1000 * 100) / emails).toFixed(1)} ms`;
}

/** Redis keys left over after a send: due entries still due, claimed batches. */
export async function leftovers(redis: Redis, core: Core): Promise<{ due: number; claimed: number }> {
  const [due, claimed] = await Promise.all([redis.zcount(core.keys.due, '-inf', Date.now()), redis.zcard(core.keys.claimedBatches)]);
  return { due, claimed };
}
