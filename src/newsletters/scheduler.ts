// The newsletter tick: starts issues whose time has come, streams their
// audience in pages into send batches (each reader's batch timed for their own
// local hour), enqueues the batches that are due, sweeps batches whose job went
// missing and marks finished issues sent. A plain function of its
// dependencies and `now`; src/runtime/workers.ts only wires it.
//
// Memory: one page of readers at a time (PAGE_SIZE), never the audience.
// Backpressure: nothing is enqueued while the send queue already holds
// MAX_QUEUED batches; the scan waits where it is (its cursor is in Redis).
import type { RedisClient } from '../redis/connection';
import type { Logger } from 'pino';
import { BATCH_SIZE } from '../drip/scheduler';
import { F } from '../subscribers/record';
import { inAudience, readerSendAt } from './audience';
import type { IssueRecord, NewsletterStore } from './store';

/** Readers read per page (HSCAN's COUNT is a hint; pages are cut to about this). */
export const PAGE_SIZE = 1000;
/** Queued-but-unsent batches above which the tick stops adding more. */
export const MAX_QUEUED = 200;

export interface NewsletterTickDeps {
  store: NewsletterStore;
  redis: RedisClient;
  /** The hash of every subscriber id (the canonical index): the audience is scanned from it. */
  subscriberIndexKey: string;
  subscriberKey: (id: string) => string;
  clinicTimeZone: string;
  /** Adds the send job of a batch; job id = batch id, so adding twice is harmless. */
  enqueue: (batchId: string) => Promise<void>;
  /** Where a batch's send job is: gone, still queued or running or retrying, or failed for good (BullMQ gave up). */
  jobState: (batchId: string) => Promise<BatchJobState>;
  /** Batches waiting in the send queue right now (all kinds). */
  queued: () => Promise<number>;
  logger: Logger;
  /** Pages one tick may read at most (the rest wait for the next tick). */
  maxPagesPerTick?: number;
  sweepAfterMs?: number;
}

export type BatchJobState = { state: 'missing' } | { state: 'live' } | { state: 'failed'; reason: string };

export interface NewsletterTickResult {
  started: string[];
  pages: number;
  readers: number;
  enqueued: number;
  swept: number;
  finished: string[];
}

export async function runNewsletterTick(deps: NewsletterTickDeps, now: number): Promise<NewsletterTickResult> {
  const result: NewsletterTickResult = { started: [], pages: 0, readers: 0, enqueued: 0, swept: 0, finished: [] };
  const room = async () => MAX_QUEUED - (await deps.queued());

  // Batches whose local hour has come, across all issues.
  let space = await room();
  if (space > 0) {
    for (const batchId of await deps.store.promote(now, space)) {
      await deps.enqueue(batchId);
      result.enqueued += 1;
    }
  }

  for (const id of await deps.store.activeIds()) {
    let issue = await deps.store.get(id);
    if (!issue || (issue.state !== 'scheduled' && issue.state !== 'sending')) {
      await deps.store.deactivate(id);
      continue;
    }
    if (issue.state === 'scheduled') {
      if (issue.startAt === null || issue.startAt > now) continue;
      const started = await deps.store.start(id, now);
      if (started.outcome !== 'ok') continue;
      result.started.push(id);
      deps.logger.info({ issue: id, generation: issue.generation }, 'newsletter issue started sending');
      issue = (await deps.store.get(id))!;
    }
    result.swept += await sweep(deps, issue, now);
    let pages = 0;
    while (!issue.fanoutDone && pages < (deps.maxPagesPerTick ?? 20)) {
      space = await room();
      if (space <= 0) break;
      const page = await readPage(deps, issue, now);
      pages += 1;
      result.pages += 1;
      if (!page) break; // another tick moved the cursor: it carries on
      result.readers += page.readers;
      for (const batchId of page.due) await deps.enqueue(batchId);
      result.enqueued += page.due.length;
      issue = { ...issue, cursor: page.cursor, fanoutDone: page.done };
    }
    if (issue.fanoutDone && (await deps.store.liveCount(id)) === 0) {
      const finished = await deps.store.finish(id, now);
      if (finished.outcome === 'ok') {
        result.finished.push(id);
        const done = await deps.store.get(id);
        deps.logger.info({ issue: id, progress: done?.progress }, 'newsletter issue sent');
      }
    }
  }
  if (result.enqueued > 0 || result.started.length > 0) deps.logger.debug(result, 'newsletter tick');
  return result;
}

/** Reads about PAGE_SIZE readers from the cursor, groups them by send time into batches and records them. */
async function readPage(deps: NewsletterTickDeps, issue: IssueRecord, now: number): Promise<{ due: string[]; readers: number; cursor: string; done: boolean } | null> {
  const timing = { date: issue.date ?? '', hour: issue.hour ?? 0, sendNow: issue.sendNow };
  let cursor = issue.cursor;
  const ids: string[] = [];
  do {
    const [next, flat] = await deps.redis.hscan(deps.subscriberIndexKey, cursor, 'COUNT', PAGE_SIZE);
    cursor = next;
    // HSCAN returns [field, value, …]: canonical address, subscriber id.
    for (let i = 1; i < flat.length; i += 2) ids.push(flat[i]!);
  } while (cursor !== '0' && ids.length < PAGE_SIZE);

  const pipeline = deps.redis.pipeline();
  for (const sid of ids) pipeline.hmget(deps.subscriberKey(sid), F.status, F.topics, F.timeZone);
  const rows = (await pipeline.exec()) ?? [];
  const byTime = new Map<number, string[]>();
  const zoneTimes = new Map<string, number>();
  let readers = 0;
  for (const [i, [err, row]] of rows.entries()) {
    if (err) throw err;
    const [status, topics, timeZone] = row as (string | null)[];
    if (!inAudience(status ?? null, topics ?? null)) continue;
    const zone = timeZone || '';
    let at = zoneTimes.get(zone);
    if (at === undefined) {
      at = readerSendAt(timing, zone || null, deps.clinicTimeZone, now);
      // Zones whose hour has passed get it at once.
      if (at < now) at = now;
      zoneTimes.set(zone, at);
    }
    const group = byTime.get(at) ?? [];
    group.push(ids[i]!);
    byTime.set(at, group);
    readers += 1;
  }
  const batches: { id: string; sendAt: number; members: string[] }[] = [];
  for (const [sendAt, members] of byTime) {
    for (let i = 0; i < members.length; i += BATCH_SIZE) {
      batches.push({ id: await deps.store.nextBatchId(issue.id), sendAt, members: members.slice(i, i + BATCH_SIZE) });
    }
  }
  const done = cursor === '0';
  const due = await deps.store.recordPage(issue, issue.cursor, cursor, done, batches, now);
  if (due === null) return null;
  return { due, readers, cursor, done };
}

/**
 * Re-enqueues live batches whose job is missing (a crash between recording and
 * enqueueing, or a lost job), and releases those whose job failed for good.
 */
async function sweep(deps: NewsletterTickDeps, issue: IssueRecord, now: number): Promise<number> {
  let swept = 0;
  for (const batchId of await deps.store.liveBatches(issue.id, now - (deps.sweepAfterMs ?? 30_000))) {
    if (await deps.store.isPending(batchId)) continue;
    const job = await deps.jobState(batchId);
    if (job.state === 'live') continue;
    const batch = await deps.store.loadBatch(batchId);
    if (!batch) {
      await deps.store.forgetLive(issue.id, batchId);
      continue;
    }
    if (job.state === 'failed') {
      // The worker that saw the final failure releases the batch; this covers a crash before it could.
      const failed = await deps.store.giveUp(batch, job.reason, now);
      deps.logger.error({ issue: issue.id, batchId, failed, reason: job.reason }, 'newsletter batch had failed for good: its readers are counted failed and released');
      continue;
    }
    await deps.enqueue(batchId);
    swept += 1;
    deps.logger.warn({ issue: issue.id, batchId }, 'newsletter batch had no job: re-enqueued');
  }
  return swept;
}

