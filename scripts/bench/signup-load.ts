// Signup under load: autocannon POSTs fresh addresses to /api/subscribe on a
// real `npm run web` while one `npm run worker` sends to N due subscribers on
// the same Redis. The signup limits are raised by configuration
// (SIGNUPS_PER_IP_PER_HOUR: every request comes from 127.0.0.1); nothing else
// differs from production.
//
// How it measures (ARCHITECTURE.md, "Signup under load"): autocannon runs in a
// process of its own (autocannon-process.ts), closed loop, 50 connections.
// Each run is preceded by a warm-up of WARMUP_SECONDS at the same settings
// that is not counted (the web process starts cold: JIT, first connections);
// the measured run's answers/s and latency percentiles cover every request of
// that run. Around the measured run the bench reads the CPU time of every
// process that takes part (web, worker, Redis, the fake Resend, autocannon
// itself) and of the whole machine, so other work on a shared machine shows.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { freePort } from '../../src/runtime/redis-server';
import type { CannonRequest, CannonResult } from './autocannon-process';
import type { FakeResendChild } from './fake-resend-child';
import { groupCpuSeconds, machineBusySeconds, pidCpuSeconds, startNpm, type BenchProcess } from './processes';
import { redisLoad } from './redis-load';
import { benchCore, benchEnv, seedConfirmed } from './send';

export const WARMUP_SECONDS = 3;

/** CPU seconds each taking part used during a measured run. */
export interface CpuShare {
  web: number;
  redis: number;
  autocannon: number;
  /** The worker's process group; 0 when it was stopped. */
  worker: number;
  fake: number;
  /** Everything else the machine ran meanwhile (other work on a shared machine, npm and tsx parents, the kernel's share). */
  other: number;
}

export interface Cannon {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** CPU the web process group used per answered signup, in ms, and Redis's and autocannon's, in µs. */
  webCpuMsPerSignup: number;
  redisCpuUsPerSignup: number;
  autocannonCpuUsPerSignup: number;
  cpu: CpuShare;
  /** Emails the fake accepted during the measured run. */
  sent: number;
}

export interface SignupLoad extends Cannon {
  /** The same right after, with the worker stopped (the web process and Redis alone): how much the send costs signup. */
  alone: Cannon;
  /** Emails the fake accepted from the send during the measured run (the send really was running). */
  sentDuring: number;
  sendTotal: number;
  /** The send had finished by the end of the measurement (part of it ran without the send). */
  sendFinished: boolean;
  connections: number;
}

/** Runs autocannon-process.ts; `onReady` is called when it starts loading. */
function runCannon(request: CannonRequest, onReady: () => void | Promise<void>): Promise<CannonResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./autocannon-process.ts', import.meta.url)), JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let result: CannonResult | null = null;
    const pending: Promise<void>[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'ready') pending.push(Promise.resolve(onReady()));
        else if (line.startsWith('{')) result = JSON.parse(line) as CannonResult;
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      Promise.all(pending).then(() => {
        if (result && code === 0) resolve(result);
        else reject(new Error(`autocannon process exited with ${code} without a result`));
      }, reject);
    });
  });
}

interface Counters {
  web: number;
  redis: number;
  worker: number;
  fake: number;
  /** Emails the fake has accepted. */
  sent: number;
  machine: number;
}

async function cannon(
  port: number,
  procs: { web: BenchProcess; worker: BenchProcess | null; fake: FakeResendChild },
  redis: Redis,
  connections: number,
  seconds: number,
  label: string,
): Promise<Cannon> {
  const url = `http://127.0.0.1:${port}`;
  await runCannon({ url, connections, seconds: WARMUP_SECONDS, label: `${label}-warm` }, () => undefined);
  const read = async (): Promise<Counters> => ({
    web: groupCpuSeconds(procs.web.pid),
    redis: (await redisLoad(redis)).cpuSeconds,
    worker: procs.worker ? groupCpuSeconds(procs.worker.pid) : 0,
    fake: pidCpuSeconds(procs.fake.pid),
    sent: (await procs.fake.stats()).accepted,
    machine: machineBusySeconds(),
  });
  let before: Counters | null = null;
  const result = await runCannon({ url, connections, seconds, label }, async () => {
    before = await read();
  });
  const after = await read();
  const b = before as Counters | null;
  if (!b) throw new Error('autocannon finished without saying it had started');
  const cpu: CpuShare = {
    web: after.web - b.web,
    redis: after.redis - b.redis,
    autocannon: result.cpuSeconds,
    worker: after.worker - b.worker,
    fake: after.fake - b.fake,
    other: 0,
  };
  cpu.other = Math.max(0, after.machine - b.machine - (cpu.web + cpu.redis + cpu.autocannon + cpu.worker + cpu.fake));
  const answered = Math.max(1, result.ok);
  return {
    webCpuMsPerSignup: (cpu.web * 1000) / answered,
    redisCpuUsPerSignup: (cpu.redis * 1e6) / answered,
    autocannonCpuUsPerSignup: (cpu.autocannon * 1e6) / answered,
    cpu,
    sent: after.sent - b.sent,
    requestsPerSecond: result.ok / result.seconds,
    p50: result.p50,
    p90: result.p90,
    p99: result.p99,
    max: result.max,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.seconds,
  };
}

export async function signupUnderLoad(
  redisUrl: string,
  redis: Redis,
  fake: FakeResendChild,
  n: number,
  status: (msg: string) => void,
  options: { seconds?: number; connections?: number } = {},
): Promise<SignupLoad> {
  const seconds = options.seconds ?? 20;
  const connections = options.connections ?? 50;
  const prefix = 'bload';
  const port = await freePort();
  const env = benchEnv(redisUrl, prefix, fake, {
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_CONCURRENCY: '4',
    SIGNUPS_PER_IP_PER_HOUR: '1000000000',
  });
  const core = benchCore(redisUrl, env);
  const procs: BenchProcess[] = [];
  try {
    status(`signup under load: seeding ${n.toLocaleString('en')} due subscribers`);
    await seedConfirmed(core, n, 'l-');
    await fake.reset();
    status('signup under load: `npm run web` and one `npm run worker`');
    const web = await startNpm('web', env, 'Meridian is running');
    procs.push(web);
    const worker = await startNpm('worker', env, 'workers started');
    procs.push(worker);
    // Measure once the send is in full swing, not while it warms up.
    for (let i = 0; i < 1200 && (await fake.stats()).accepted < Math.min(2000, n / 10); i++) await new Promise((r) => setTimeout(r, 100));
    const sentBefore = (await fake.stats()).accepted;
    status(
      `signup under load: autocannon, ${connections} connections, ${WARMUP_SECONDS} s warm-up then ${seconds} s measured, while the send runs (${sentBefore.toLocaleString('en')} sent so far)`,
    );
    const loaded = await cannon(port, { web, worker, fake }, redis, connections, seconds, 'load');
    const sendFinished = (await fake.stats()).accepted >= n;
    await worker.stop();
    status(`signup alone: autocannon, ${connections} connections, ${WARMUP_SECONDS} s warm-up then ${seconds / 2} s measured, the worker stopped`);
    const alone = await cannon(port, { web, worker: null, fake }, redis, connections, seconds / 2, 'alone');
    return {
      ...loaded,
      alone,
      sentDuring: loaded.sent,
      sendTotal: n,
      sendFinished,
      connections,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await core.close();
  }
}
