// The signup load generator in a process of its own (started by
// signup-load.ts): autocannon POSTs fresh addresses to /api/subscribe and
// prints its result as one JSON line. Apart from the bench process, its
// latencies are not stretched by the bench's own heap and event loop, and its
// CPU can be read on its own (it shares the machine's cores like the rest).
import autocannon from 'autocannon';

export interface CannonRequest {
  url: string;
  connections: number;
  seconds: number;
  /** Addresses are `${label}${n}@example.com`, n counting from 0: unique per run. */
  label: string;
}

export interface CannonResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU this process used while autocannon ran (user + system). */
  cpuSeconds: number;
}

const request = JSON.parse(process.argv[2] ?? '{}') as CannonRequest;
let next = 0;
// The parent reads the other processes' CPU counters when this line arrives.
process.stdout.write('ready\n');
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: request.url,
  connections: request.connections,
  duration: request.seconds,
  requests: [
    {
      method: 'POST',
      path: '/api/subscribe',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `${request.label}${next++}@example.com`, consent: true, timeZone: 'Europe/London' }) }),
    },
  ],
});
const cpu = process.cpuUsage(cpu0);
const out: CannonResult = {
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds: result.duration,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  max: result.latency.max,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
