// The exactly-once fault runs (tests/drip/exactly-once.test.ts,
// tests/drip/cluster.test.ts, tests/newsletters/exactly-once.test.ts): a real
// worker process, SIGKILLed and restarted mid-send, against a fake Resend
// that fails, drops and throttles requests; then a count of what the fake
// accepted, per reader and email.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './drip';
import { startFakeResend, type AcceptedEmail, type FakeResend } from './fake-resend';
import { seededRandom } from './random';
import { workerEnv, workerProcess, type WorkerProcess } from './worker-process';

/** A fake Resend that answers 10% of requests with 500 and drops 5% of connections after accepting. */
export function startFaultyResend(seed: number): Promise<FakeResend> {
  return startFakeResend({ seed, faults: { serverError: 0.1, dropAfterAccept: 0.05 }, maxLogEntries: 100_000 });
}

/**
 * A worker process (not started) on `app`'s Redis, sending to `fake`: ticks
 * every 200 ms, four jobs at a time, and a 3 s job lock, so a killed worker's
 * jobs are taken over within seconds. Its log goes to a fresh temporary file.
 */
export function crashableWorker(app: Parameters<typeof workerEnv>[0], fake: FakeResend, settings: Record<string, string>): WorkerProcess {
  const logFile = join(mkdtempSync(join(tmpdir(), 'meridian-crash-')), 'worker.log');
  return workerProcess(workerEnv(app, fake, { SCHEDULER_TICK: '200ms', JOB_LOCK_DURATION: '3s', WORKER_CONCURRENCY: '4', ...settings }), logFile);
}

/** SIGKILL (in-flight jobs stay locked until the lock runs out), a pause, then a fresh process. */
export async function killAndRestart(worker: WorkerProcess, pauseMs: number): Promise<void> {
  await worker.kill();
  await sleep(pauseMs);
  await worker.start();
}

export interface CrashScript {
  worker: WorkerProcess;
  fake: FakeResend;
  /** Every run with the same seed kills and throttles at the same moments. */
  seed: number;
  /** How many readers are done; checked twice a second, since it may read thousands of ledgers. */
  done: () => Promise<number>;
  /** The run ends when `done()` reaches this. */
  total: number;
  /** SIGKILLs, each followed by a restart, 1.5 s plus up to `killSpreadMs` apart (the first as long after the start). */
  kills: number;
  killSpreadMs: number;
  /** Bursts of two to four 429 answers, 2 to 5 s apart (the first 1 to 4 s after the start). */
  rateLimitBursts: number;
  /** Only a hang waits this long. */
  timeoutMs: number;
}

/**
 * Kills and restarts the worker and throws bursts of 429 at it, at seeded
 * random moments, until every reader is done. Returns how many kills and
 * bursts happened (all of them, unless the run finished first).
 */
export async function killAndRestartUntilDone(s: CrashScript): Promise<{ kills: number; bursts: number }> {
  const random = seededRandom(s.seed);
  let kills = 0;
  let bursts = 0;
  let nextKillAt = Date.now() + 1500 + random() * s.killSpreadMs;
  let nextBurstAt = Date.now() + 1000 + random() * 3000;
  const deadline = Date.now() + s.timeoutMs;
  let done = 0;
  let nextCheckAt = 0;
  for (;;) {
    // Not on every turn: this process also hosts the fake, whose clock the rate check reads.
    if (Date.now() >= nextCheckAt) {
      done = await s.done();
      if (done === s.total) return { kills, bursts };
      nextCheckAt = Date.now() + 500;
    }
    if (Date.now() > deadline) throw new Error(`only ${done}/${s.total} done in time (worker log: ${s.worker.logFile})`);
    if (kills < s.kills && Date.now() >= nextKillAt) {
      await killAndRestart(s.worker, 200 + random() * 800);
      kills += 1;
      nextKillAt = Date.now() + 1500 + random() * s.killSpreadMs;
    }
    if (bursts < s.rateLimitBursts && Date.now() >= nextBurstAt) {
      s.fake.injectRateLimitBurst(2 + Math.floor(random() * 3), 1);
      bursts += 1;
      nextBurstAt = Date.now() + 2000 + random() * 3000;
    }
    await sleep(100);
  }
}

/** One email (a series step or a newsletter issue, by its `step` tag) to one reader. */
export const delivery = (address: string, step: string) => `${address} ${step}`;

/**
 * What the fake accepted more than once (with how often), and which of
 * `expected` deliveries it never accepted.
 */
export function tallyDeliveries(emails: readonly AcceptedEmail[], expected: Iterable<string>): { duplicates: [string, number][]; missing: string[] } {
  const accepted = new Map<string, number>();
  for (const e of emails) {
    const step = e.tags.find((tag) => tag.name === 'step')?.value ?? '?';
    for (const to of e.to) accepted.set(delivery(to, step), (accepted.get(delivery(to, step)) ?? 0) + 1);
  }
  const duplicates = [...accepted].filter(([, n]) => n > 1);
  const missing = [...expected].filter((d) => !accepted.has(d));
  return { duplicates, missing };
}
