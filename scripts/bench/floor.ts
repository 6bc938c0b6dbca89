// The floor every send line is compared with: the same emails, rendered and
// serialised beforehand, POSTed to the same fake by a bare loop with a fixed
// number of requests in flight. Nothing a pipeline does can beat it on this
// machine; a line's ratio says how much of it the pipeline keeps.
// Reusable: pass any prepared batches (drip step, newsletter issue).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { OutgoingEmail } from '../../src/delivery/transport';
import type { FakeResendChild } from './fake-resend-child';
import { pidCpuSeconds } from './processes';

export interface FloorResult {
  emails: number;
  requests: number;
  ms: number;
  emailsPerSecond: number;
  /** CPU seconds used meanwhile by the loop's own process and by the fake. */
  cpu: { loop: number; fake: number };
}

/** One request body exactly as the Resend SDK sends POST /emails/batch (snake_case API fields). */
export function batchBody(emails: OutgoingEmail[]): string {
  return JSON.stringify(
    emails.map((e) => ({
      from: e.from,
      to: e.to,
      subject: e.subject,
      html: e.html,
      text: e.text,
      headers: Object.fromEntries(Object.keys(e.headers).sort().map((n) => [n, e.headers[n]])),
      tags: e.tags,
    })),
  );
}

/**
 * POSTs `totalRequests` requests, cycling through `bodies` (pre-built, so the
 * loop does no rendering and no serialising), `inFlight` at a time, each under
 * a fresh Idempotency-Key. Throws on any non-2xx answer.
 */
export async function measureFloor(fake: FakeResendChild, bodies: { body: string; emails: number }[], totalRequests: number, inFlight = 4): Promise<FloorResult> {
  if (bodies.length === 0) throw new Error('measureFloor needs at least one prepared batch');
  let next = 0;
  let emails = 0;
  const post = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= totalRequests) return;
      const b = bodies[i % bodies.length]!;
      const res = await fetch(`${fake.url}/emails/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fake.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `floor-${randomUUID()}`,
          'x-batch-validation': 'permissive',
        },
        body: b.body,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`floor: the fake answered ${res.status}: ${text.slice(0, 200)}`);
      emails += b.emails;
    }
  };
  const t0 = performance.now();
  const loop0 = process.cpuUsage();
  const fake0 = pidCpuSeconds(fake.pid);
  await Promise.all(Array.from({ length: inFlight }, post));
  const ms = performance.now() - t0;
  const loop = process.cpuUsage(loop0);
  const cpu = { loop: (loop.user + loop.system) / 1e6, fake: pidCpuSeconds(fake.pid) - fake0 };
  return { emails, requests: totalRequests, ms, emailsPerSecond: (emails / ms) * 1000, cpu };
}

/** Two floor runs (before and after the pipeline under test) as one: the machine's load moves between phases. */
export function bracketed(before: FloorResult, after: FloorResult): FloorResult {
  const ms = before.ms + after.ms;
  return {
    emails: before.emails + after.emails,
    requests: before.requests + after.requests,
    ms,
    emailsPerSecond: ((before.emails + after.emails) / ms) * 1000,
    cpu: { loop: before.cpu.loop + after.cpu.loop, fake: before.cpu.fake + after.cpu.fake },
  };
}
