// Scale-out: the same N due subscribers sent by one `npm run worker` and then
// by three, each to the fake Resend child process, on one Redis. Reports both
// rates, duplicates, and what Redis did per email (commands, scripts, its own
// CPU time), which says where adding workers stops paying: at one Redis core.
import type { Redis } from 'ioredis';
import type { FakeResendChild } from './fake-resend-child';
import { describeLoad, perEmail, redisLoad, type RedisLoad } from './redis-load';
import { benchCore, benchEnv, leftovers, runSend, seedConfirmed, type SendRun } from './send';

export interface ScaleOutLine {
  run: SendRun;
  load: RedisLoad;
  left: { due: number; claimed: number };
  /** used_memory per subscriber after signup + confirmation, and after their first email (queue history included). */
  bytesPerSubscriber: { seeded: number; sent: number };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/** Seeds n due subscribers under a fresh prefix, sends them with `workers` processes, measures Redis around the send. */
export async function sendWith(redisUrl: string, redis: Redis, fake: FakeResendChild, workers: number, n: number, status: (msg: string) => void): Promise<ScaleOutLine> {
  const prefix = `bscale${workers}`;
  const env = benchEnv(redisUrl, prefix, fake, { WORKER_CONCURRENCY: '4' });
  const core = benchCore(redisUrl, env);
  try {
    status(`scale-out: seeding ${n.toLocaleString('en')} due subscribers for ${workers} worker(s)`);
    const empty = await usedMemory(redis);
    await seedConfirmed(core, n, `x${workers}-`);
    const seeded = await usedMemory(redis);
    await fake.reset();
    status(`scale-out: ${workers} × \`npm run worker\``);
    const before = await redisLoad(redis);
    const run = await runSend(fake, env, workers, n);
    const after = await redisLoad(redis);
    const left = await leftovers(redis, core);
    const sent = await usedMemory(redis);
    // The next line starts from an empty key space of its own (memory, and SCAN-free reads).
    await dropPrefix(redis, prefix);
    return { run, load: perEmail(before, after, n), left, bytesPerSubscriber: { seeded: (seeded - empty) / n, sent: (sent - empty) / n } };
  } finally {
    await core.close();
  }
}

async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export function scaleOutNotes(one: ScaleOutLine, three: ScaleOutLine): string[] {
  const line = (l: ScaleOutLine) =>
    `${l.run.workers} worker(s): ${l.run.emailsPerSecond.toFixed(0)} emails/s, duplicates ${l.run.duplicates}, left due ${l.left.due}, claimed ${l.left.claimed}; Redis: ${describeLoad(l.load)}`;
  const ceiling = (l: ScaleOutLine) => (l.load.cpuSeconds > 0 ? 1 / l.load.cpuSeconds : Infinity);
  return [
    `scale-out: ${line(one)}`,
    `scale-out: ${line(three)}`,
    `scale-out: Redis used_memory per subscriber ${one.bytesPerSubscriber.seeded.toFixed(0)} B after signup + confirmation, ${one.bytesPerSubscriber.sent.toFixed(0)} B after the first email (queue history included)`,
    `scale-out: one Redis core saturates at about ${ceiling(three).toFixed(0)} emails/s (1 / Redis CPU per email with 3 workers; ${ceiling(one).toFixed(0)} with 1)` +
      (three.run.problems.length ? `; worker warnings: ${three.run.problems.slice(0, 2).join(' | ')}` : ''),
  ];
}
