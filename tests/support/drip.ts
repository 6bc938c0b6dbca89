// Helpers for the drip integration tests (tests/drip/): seeding confirmed
// subscribers straight through the store, a recording transport, the whole
// series in process against the fake Resend, and a bounded polling wait.
import { DEFAULT_TOPICS } from '../../src/content/topics';
import { ResendTransport } from '../../src/delivery/resend';
import type { BatchOptions, OutgoingEmail, SendOutcome, Transport } from '../../src/delivery/transport';
import type { Core } from '../../src/runtime/compose';
import { startWorkers } from '../../src/runtime/workers';
import { enrolFirstSequence } from '../../src/sequences/enrolment';
import type { Subscriber } from '../../src/subscribers/types';
import { createTestApp, type TestApp } from './app';
import { startFakeResend, type FakeResend } from './fake-resend';

export const SERIES = 'sciatica-series';
export const SERIES_STEPS = ['welcome', 'mechanisms', 'medication-free-relief', 'lasting-effects'] as const;

const META = { ip: '127.0.0.1', userAgent: 'vitest' };

/** Creates `count` confirmed, enrolled subscribers (due at once), `concurrency` at a time. */
export async function seedSubscribers(core: Core, count: number, opts: { label?: string; concurrency?: number; start?: number } = {}): Promise<Subscriber[]> {
  const label = opts.label ?? 'p';
  const out: Subscriber[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const n = (opts.start ?? 0) + i;
      const email = `${label}${n}@example.com`;
      const signed = await core.store.signup(
        {
          email,
          canonical: email,
          firstName: n % 3 === 0 ? null : `Pat${n}`,
          timeZone: 'Europe/London',
          topics: DEFAULT_TOPICS,
          consentVersion: core.config.consentTextVersion,
          consentText: 'test consent',
          form: 'test',
          meta: META,
        },
        0,
      );
      const enrolment = enrolFirstSequence({ ...signed.subscriber, status: 'active' }, Date.now());
      const result = await core.store.confirm(signed.subscriber.id, META, enrolment);
      if (result !== 'ok') throw new Error(`confirm ${email}: ${result}`);
      out[i] = (await core.store.get(signed.subscriber.id))!;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 50 }, worker));
  return out;
}

export interface RecordedEmail extends OutgoingEmail {
  idempotencyKey: string;
  step: string | undefined;
}

/** A transport that accepts everything and remembers it (the same key twice is recorded twice). */
export class RecordingTransport implements Transport {
  readonly name = 'outbox' as const;
  readonly maxBatchSize = 100;
  readonly sent: RecordedEmail[] = [];
  readonly calls: { key: string; size: number }[] = [];
  private n = 0;

  async sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]> {
    this.calls.push({ key: options.idempotencyKey, size: emails.length });
    for (const e of emails) {
      this.sent.push({ ...e, idempotencyKey: options.idempotencyKey, step: e.tags.find((t) => t.name === 'step')?.value });
    }
    return emails.map(() => ({ ok: true as const, providerId: `rec-${++this.n}` }));
  }

  to(address: string): RecordedEmail[] {
    return this.sent.filter((e) => e.to === address);
  }
}

/**
 * A test app that sends through a fresh fake Resend, with the drip scheduler
 * and a send worker in process (as `npm start` runs them). `close` stops all three.
 */
export async function startSeriesOnFake(label: string, env: Record<string, string>): Promise<{ fake: FakeResend; t: TestApp; close(): Promise<void> }> {
  const fake = await startFakeResend();
  const t = await createTestApp(label, env, { transport: new ResendTransport({ apiKey: fake.apiKey, baseUrl: fake.url }) });
  const workers = await startWorkers(t.core, { scheduler: true, sender: true });
  return {
    fake,
    t,
    async close() {
      await workers.close();
      await t.close();
      await fake.stop();
    },
  };
}

/** The step tags of what `fake` accepted for `address`, in the order it accepted them. */
export function acceptedSteps(fake: FakeResend, address: string): (string | undefined)[] {
  return fake
    .emails()
    .filter((e) => e.to.includes(address))
    .map((e) => e.tags.find((tag) => tag.name === 'step')?.value);
}

/** How many of `subs` have every step of the series in their send ledger. */
export async function finishedSeries(core: Core, subs: readonly Subscriber[]): Promise<number> {
  const ledgers = await Promise.all(subs.map((s) => core.store.sendLedger(s.id)));
  return ledgers.filter((l) => Object.keys(l).length === SERIES_STEPS.length).length;
}

/** Polls `check` until it returns true; throws with `describe()` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string | Promise<string> = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
