// Helpers for the newsletter tests: readers seeded through the store, the
// tick and the batch processor driven with an injected clock.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { TopicId } from '../../src/content/topics';
import type { Transport } from '../../src/delivery/transport';
import { runNewsletterTick, type NewsletterTickDeps } from '../../src/newsletters/scheduler';
import { processNewsletterBatch, type NewsletterSendDeps } from '../../src/newsletters/sender';
import type { Core } from '../../src/runtime/compose';
import type { Subscriber } from '../../src/subscribers/types';

const META = { ip: '127.0.0.1', userAgent: 'vitest' };
export const SAMPLE_ISSUE_FILE = 'newsletters/2026-12-sitting-with-sciatica.md';
export const sampleSource = () => readFileSync(SAMPLE_ISSUE_FILE, 'utf8');

export interface ReaderSpec {
  label: string;
  timeZone?: string | null;
  topics?: readonly TopicId[];
  /** Enrol in the series with the first step due at this instant. */
  seriesDueAt?: number;
}

/** Confirmed readers (not in the series unless asked), `concurrency` at a time. */
export async function seedReaders(core: Core, specs: ReaderSpec[], concurrency = 50): Promise<Subscriber[]> {
  const out: Subscriber[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= specs.length) return;
      const spec = specs[i]!;
      const email = `${spec.label}@example.com`;
      const signed = await core.store.signup(
        {
          email,
          canonical: email,
          firstName: i % 2 === 0 ? `Reader${i}` : null,
          timeZone: spec.timeZone ?? null,
          topics: spec.topics ?? ['newsletter'],
          consentVersion: core.config.consentTextVersion,
          consentText: 'test consent',
          form: 'test',
          meta: META,
        },
        0,
      );
      const first = spec.seriesDueAt !== undefined ? { sequence: 'sciatica-series', step: 'mechanisms', dueAt: spec.seriesDueAt } : null;
      const r = await core.store.confirm(signed.subscriber.id, META, first);
      if (r !== 'ok') throw new Error(`confirm ${email}: ${r}`);
      out[i] = (await core.store.get(signed.subscriber.id))!;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** The tick and the processor wired to a core, with enqueued batches collected instead of queued. */
export function newsletterHarness(core: Core, transport: Transport, overrides: Partial<NewsletterSendDeps> = {}, tickOverrides: Partial<NewsletterTickDeps> = {}) {
  const logger = pino({ level: 'silent' });
  const queue: string[] = [];
  const tickDeps: NewsletterTickDeps = {
    store: core.newsletterStore,
    redis: core.redis,
    subscriberIndexKey: core.keys.canonicalIndex,
    subscriberKey: (id) => core.keys.subscriber(id),
    clinicTimeZone: core.config.clinic.timeZone,
    enqueue: async (id) => void (queue.includes(id) || queue.push(id)),
    jobState: async (id) => (queue.includes(id) ? { state: 'live' } : { state: 'missing' }),
    queued: async () => queue.length,
    logger,
    ...tickOverrides,
  };
  const sendDeps: NewsletterSendDeps = {
    store: core.newsletterStore,
    subscribers: core.store,
    redis: core.redis,
    keys: core.keys,
    transport,
    renderContext: core.renderContext,
    from: core.config.emailFrom,
    duringSeries: core.config.newsletter.duringSeries,
    windowMs: core.config.drip.intervalMs,
    logger,
    metrics: core.metrics,
    ...overrides,
  };
  return {
    queue,
    tick: (now: number) => runNewsletterTick(tickDeps, now),
    /** Processes queued batches (all, or the first `limit`) at `now`. */
    async drain(now: number, limit = Infinity) {
      let n = 0;
      while (queue.length > 0 && n < limit) {
        await processNewsletterBatch(queue.shift()!, sendDeps, now);
        n += 1;
      }
      return n;
    },
  };
}
