// The memory line: N subscribers taken through the whole drip series with the
// real scripts and the real BullMQ send queue and worker (in this process),
// then Redis's bytes per subscriber, everything included: subscriber hash,
// consent ledger, send ledger, indexes and the queue's history. The provider
// is an in-process transport that accepts every email: what it answers does
// not change what Redis holds, and rendering 13 KB bodies over loopback for
// the whole series would take the bench half an hour on a shared machine.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../src/config';
import { consentWording } from '../../src/content/consent';
import { DEFAULT_TOPICS } from '../../src/content/topics';
import type { SendOutcome, Transport } from '../../src/delivery/transport';
import { ruleFromConfig, runTick, type TickDeps } from '../../src/drip/scheduler';
import { DripStore } from '../../src/drip/store';
import { SEND_PRIORITY } from '../../src/delivery/priority';
import { compose, type Core } from '../../src/runtime/compose';
import { DRIP_JOB, startWorkers } from '../../src/runtime/workers';
import { enrolFirstSequence } from '../../src/sequences/enrolment';

const META = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' };

class AcceptingTransport implements Transport {
  readonly name = 'resend' as const;
  readonly maxBatchSize = 100;
  sent = 0;
  private next = 0;
  async sendBatch(emails: { to: string }[]): Promise<SendOutcome[]> {
    this.sent += emails.length;
    return emails.map(() => ({ ok: true as const, providerId: `p${this.next++}` }));
  }
}

export interface SeriesMemory {
  subscribers: number;
  emails: number;
  bytesPerSubscriber: number;
  /** MEMORY USAGE per key kind, bytes per subscriber (shared keys divided by N). */
  breakdown: { kind: string; keys: number; bytesPerSubscriber: number }[];
  seedMs: number;
  seriesMs: number;
}

async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!m) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}

/** What kind of key this is, for the breakdown (the id part replaced). */
function kindOf(prefix: string, key: string): string {
  const rest = key.slice(prefix.length + 1);
  return rest
    .replace(/^(sub|consent|sends|events):.*/, '$1:<id>')
    .replace(/^send:(\d+|[^:]+-[^:]+)$/, 'send:<job>')
    .replace(/^stats:day:.*/, 'stats:day:<day>')
    .replace(/^dir:step:.*/, 'dir:step:<step>');
}

export async function measureSeriesMemory(redisUrl: string, redis: Redis, n: number, prefix: string): Promise<SeriesMemory> {
  const config = loadConfig({
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    APP_SECRET: 'bench-app-secret-'.padEnd(64, 'x'),
    PUBLIC_URL: 'https://clinic.example',
    RESEND_API_KEY: 're_bench_unused',
    RESEND_RATE_LIMIT: '1000',
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: '4',
  });
  const transport = new AcceptingTransport();
  const core: Core = compose(config, { redisUrl, logger: pino({ level: 'silent' }), transport });
  await redis.call('MEMORY', 'PURGE').catch(() => undefined);
  const before = await usedMemory(redis);
  const wording = consentWording(config.consentTextVersion, config.clinic.name);
  const names = ['Maria', 'José', 'Zoë', null, 'Siobhán', 'Łukasz', null, 'Anne-Marie'];
  let t0 = Date.now();
  let next = 0;
  const seedOne = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const email = `reader.${i}@example.com`;
      const signed = await core.store.signup(
        { email, canonical: email, firstName: names[i % names.length]!, timeZone: 'Europe/London', topics: DEFAULT_TOPICS, consentVersion: wording.version, consentText: wording.text, form: 'signup-page', meta: META },
        0,
      );
      await core.store.confirmationSent(signed.subscriber.id, true);
      const result = await core.store.confirm(signed.subscriber.id, META, enrolFirstSequence({ ...signed.subscriber, status: 'active' }, Date.now()));
      if (result !== 'ok') throw new Error(`seeding ${email}: confirm answered ${result}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, seedOne));
  const seedMs = Date.now() - t0;

  // The real send queue and worker; the tick is driven here with a moved
  // clock (each later step is due a week on, in its send window).
  const workers = await startWorkers(core, { scheduler: false, sender: true });
  const drip = new DripStore(core.redis, core.keys);
  const deps: TickDeps = {
    drip,
    subscribers: core.store,
    rule: ruleFromConfig(config),
    logger: core.logger,
    enqueue: async (ids) => {
      await workers.sendQueue.addBulk(ids.map((batchId) => ({ name: DRIP_JOB, data: { batchId }, opts: { jobId: batchId, priority: SEND_PRIORITY.drip } })));
    },
    jobExists: async () => true,
    maxClaimedBatches: config.maxClaimedBatches,
  };
  t0 = Date.now();
  try {
    for (let guard = 0; guard < 100_000; guard++) {
      const first = await redis.zrange(core.keys.due, 0, 0, 'WITHSCORES');
      const claimed = await redis.zcard(core.keys.claimedBatches);
      if (first.length === 0) {
        if (claimed === 0) break;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      // Claim as of the earliest due entry (or now, when it is already due).
      const now = Math.max(Date.now(), Number(first[1]));
      const r = await runTick(deps, now);
      if (r.batches === 0) await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await workers.close();
  }
  const seriesMs = Date.now() - t0;
  await redis.call('MEMORY', 'PURGE').catch(() => undefined);
  const bytes = (await usedMemory(redis)) - before;

  // Where the bytes go: MEMORY USAGE of every key under the prefix, by kind.
  const byKind = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = c;
    const pipeline = redis.pipeline();
    for (const k of keys) pipeline.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const sizes = (await pipeline.exec()) ?? [];
    keys.forEach((k, i) => {
      const kind = kindOf(prefix, k);
      const e = byKind.get(kind) ?? { keys: 0, bytes: 0 };
      e.keys += 1;
      e.bytes += Number(sizes[i]?.[1] ?? 0);
      byKind.set(kind, e);
    });
  } while (cursor !== '0');
  await core.close();
  const breakdown = [...byKind.entries()]
    .map(([kind, e]) => ({ kind, keys: e.keys, bytesPerSubscriber: e.bytes / n }))
    .sort((a, b) => b.bytesPerSubscriber - a.bytesPerSubscriber);
  return { subscribers: n, emails: transport.sent, bytesPerSubscriber: bytes / n, breakdown, seedMs, seriesMs };
}
