// Signup under load: autocannon POSTs fresh addresses to /api/subscribe on a
// real `npm run web` while one `npm run worker` sends to N due subscribers on
// the same Redis. The signup limits are raised by configuration
// (SIGNUPS_PER_IP_PER_HOUR: every request comes from 127.0.0.1); nothing else
// differs from production.
import autocannon from 'autocannon';
import type { Redis } from 'ioredis';
import { freePort } from '../../src/runtime/redis-server';
import type { FakeResendChild } from './fake-resend-child';
import { groupCpuSeconds, startNpm, type BenchProcess } from './processes';
import { redisLoad } from './redis-load';
import { benchCore, benchEnv, seedConfirmed } from './send';

export interface Cannon {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** CPU the web process group used per answered signup, in ms, and Redis's, in µs. */
  webCpuMsPerSignup: number;
  redisCpuUsPerSignup: number;
}

export interface SignupLoad extends Cannon {
  /** The same right after, with the worker stopped (the web process and Redis alone): how much the send costs signup. */
  alone: Cannon;
  /** Emails the fake accepted from the send while autocannon ran (the send really was running). */
  sentDuring: number;
  sendTotal: number;
  /** The send had finished by the end of the measurement (part of it ran without the send). */
  sendFinished: boolean;
  connections: number;
}

async function cannon(port: number, web: BenchProcess, redis: Redis, connections: number, seconds: number, label: string): Promise<Cannon> {
  let next = 0;
  const cpu0 = groupCpuSeconds(web.pid);
  const redis0 = await redisLoad(redis);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/subscribe',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `${label}${next++}@example.com`, consent: true, timeZone: 'Europe/London' }) }),
      },
    ],
  });
  const cpu = groupCpuSeconds(web.pid) - cpu0;
  const redisCpu = (await redisLoad(redis)).cpuSeconds - redis0.cpuSeconds;
  return {
    webCpuMsPerSignup: (cpu * 1000) / Math.max(1, result['2xx']),
    redisCpuUsPerSignup: (redisCpu * 1e6) / Math.max(1, result['2xx']),
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
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
    status(`signup under load: autocannon, ${connections} connections, ${seconds} s, while the send runs (${sentBefore.toLocaleString('en')} sent so far)`);
    const loaded = await cannon(port, web, redis, connections, seconds, 'load');
    const sentAfter = (await fake.stats()).accepted;
    await worker.stop();
    status(`signup alone: autocannon, ${connections} connections, ${seconds / 2} s, the worker stopped`);
    const alone = await cannon(port, web, redis, connections, seconds / 2, 'alone');
    return {
      ...loaded,
      alone,
      sentDuring: sentAfter - sentBefore,
      sendTotal: n,
      sendFinished: sentAfter >= n,
      connections,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await core.close();
  }
}
