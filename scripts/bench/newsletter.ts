// The newsletter send line: N readers with the newsletter topic (not in the
// series, so none is skipped), one issue sent at once by a real `npm run
// worker`; its floor POSTs the same issue's emails, pre-built, by a bare loop.
// The worker's heap is read from its own log lines: the ready line and each
// "newsletter batch completed" line carry `heapUsed`.
import { readFileSync } from 'node:fs';
import type { PlannedRecipient } from '../../src/drip/store';
import { newsletterEmails, personaliserFor } from '../../src/newsletters/sender';
import type { Core } from '../../src/runtime/compose';
import { consentWording } from '../../src/content/consent';
import { batchBody } from './floor';
import { markInstalled } from './send';

export const BENCH_ISSUE = 'bench-issue';
export const BENCH_ISSUE_FILE = 'newsletters/2026-12-sitting-with-sciatica.md';

const META = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' };

/** Confirmed readers with only the newsletter topic, through the real signup and confirm scripts. */
export async function seedNewsletterReaders(core: Core, count: number, label: string, concurrency = 100): Promise<PlannedRecipient[]> {
  await markInstalled(core);
  const wording = consentWording(core.config.consentTextVersion, core.config.clinic.name);
  const zones = ['Europe/London', 'America/New_York', 'Asia/Tokyo', null];
  const names = ['Maria', 'José', 'Zoë', null, 'Siobhán', 'Łukasz', null, 'Anne-Marie'];
  const out: PlannedRecipient[] = new Array(count);
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const email = `${label}${i}@example.com`;
      const firstName = names[i % names.length]!;
      const timeZone = zones[i % zones.length]!;
      const signed = await core.store.signup(
        { email, canonical: email, firstName, timeZone, topics: ['newsletter'], consentVersion: wording.version, consentText: wording.text, form: 'signup', meta: META },
        0,
      );
      const result = await core.store.confirm(signed.subscriber.id, META, null);
      if (result !== 'ok') throw new Error(`seeding ${email}: confirm answered ${result}`);
      out[i] = { id: signed.subscriber.id, email, canonical: email, firstName, timeZone };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return out;
}

/** Saves the sample issue as BENCH_ISSUE (a draft: scheduling it is the caller's move). */
export async function saveBenchIssue(core: Core): Promise<void> {
  await core.newsletters.save(BENCH_ISSUE, readFileSync(BENCH_ISSUE_FILE, 'utf8'), BENCH_ISSUE_FILE);
}

/** The issue's emails for `recipients`, personalised exactly as the sender does, serialised as request bodies of 100. */
export async function prebuiltIssue(core: Core, recipients: PlannedRecipient[]): Promise<{ body: string; emails: number }[]> {
  const issue = await core.newsletterStore.get(BENCH_ISSUE);
  if (!issue) throw new Error(`save ${BENCH_ISSUE} first`);
  const personalise = await personaliserFor(issue, core.renderContext);
  const bodies: { body: string; emails: number }[] = [];
  for (let i = 0; i < recipients.length; i += 100) {
    const chunk = recipients.slice(i, i + 100);
    bodies.push({ body: batchBody(newsletterEmails(chunk, issue.id, personalise, core.config.emailFrom)), emails: chunk.length });
  }
  return bodies;
}

/** Consecutive batch lines over which the heap's floor is taken: longer than V8's collection cycle in this send (about 20 batches). */
export const HEAP_WINDOW = 30;

/**
 * Heap figures a worker logged: at ready, and on each batch line. A send makes
 * several MB of short-lived strings per batch (bodies, rendered HTML), which
 * V8 leaves in the old generation until its next full collection, so the
 * heap saws between its live size and that plus garbage. What the send keeps
 * is the floor of the saw: the lowest heap over every HEAP_WINDOW consecutive
 * batches. `retained` is the highest such floor; if the live heap grew during
 * the send, the floors rise with it.
 */
export class HeapWatch {
  atReady: number | null = null;
  readonly samples: number[] = [];
  readonly onLine = (line: string): void => {
    if (!line.includes('"heapUsed"')) return;
    let entry: { msg?: string; heapUsed?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.heapUsed !== 'number') return;
    if (entry.msg === 'workers started') this.atReady = entry.heapUsed;
    else if (entry.msg === 'newsletter batch completed') this.samples.push(entry.heapUsed);
  };

  get peak(): number {
    return Math.max(0, ...this.samples);
  }

  get retained(): number {
    const n = this.samples.length;
    if (n <= HEAP_WINDOW) return Math.min(...this.samples);
    let highest = 0;
    for (let i = 0; i + HEAP_WINDOW <= n; i++) highest = Math.max(highest, Math.min(...this.samples.slice(i, i + HEAP_WINDOW)));
    return highest;
  }
}
