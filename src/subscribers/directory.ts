// The subscriber directory, read side: counts by status and series step, the
// daily consent figures, and cursor-paginated lists that cost O(log n + page)
// however many subscribers there are. The write side is scripts/directory.lua,
// run inside every script that changes a subscriber.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connection';
import type { TopicId } from '../content/topics';
import type { Keys } from '../redis/keys';
import { LEDGER_EVENT_CODES } from './consent-ledger';
import { withRecord } from './record';
import type { SubscriberStore } from './store';
import { STATUSES, type Subscriber, type SubscriberStatus } from './types';

// dir_count reads the event of a stored ledger entry by its letter (consent-ledger.ts).
const EVENT_NAMES = `local LEDGER_EVENT_NAMES = { ${Object.entries(LEDGER_EVENT_CODES)
  .map(([event, code]) => `${code} = '${event}'`)
  .join(', ')} }`;
const LIBRARY = `${EVENT_NAMES}\n${readFileSync(new URL('./scripts/directory.lua', import.meta.url), 'utf8')}`;

/** A store script with the record layout (record.ts) and the directory functions (dir_state, dir_sync, dir_count) in front. */
export function withDirectory(lua: string): string {
  return withRecord(`${LIBRARY}\n${lua}`);
}

export const DAY_EVENTS = ['signup', 'confirmed', 'unsubscribed', 'bounced', 'complained'] as const;
export type DayEvent = (typeof DAY_EVENTS)[number];
export type DayFigures = Record<DayEvent, number>;

export interface ListFilter {
  status?: SubscriberStatus;
  topic?: TopicId;
  /** "sequence/step" */
  step?: string;
}

export interface ListPage {
  rows: Subscriber[];
  /** Pass back to get the next page; null at the end. */
  next: string | null;
  /** Entries looked at for this page (a rare topic filter may need more than one page's worth). */
  scanned: number;
}

interface Entry {
  id: string;
  score: number;
}

/** Newest first: higher score first, then higher id (Redis's reverse order). */
const before = (a: Entry, b: Entry) => (a.score !== b.score ? b.score - a.score : a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function encodeCursor(e: Entry): string {
  return `${e.score}.${e.id}`;
}

export function decodeCursor(cursor: string | undefined): Entry | null {
  if (!cursor) return null;
  const m = /^(\d{1,16})\.([A-Za-z0-9-]{1,64})$/.exec(cursor);
  return m ? { score: Number(m[1]), id: m[2]! } : null;
}

export class Directory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly store: SubscriberStore,
  ) {}

  statusKey(status: SubscriberStatus): string {
    return this.keys.scoped('dir', 'status', status);
  }

  stepKey(sequenceStep: string): string {
    return this.keys.scoped('dir', 'step', sequenceStep);
  }

  dayKey(day: string): string {
    return this.keys.scoped('stats', 'day', day);
  }

  async statusCounts(): Promise<Record<SubscriberStatus, number>> {
    const pipeline = this.redis.pipeline();
    for (const s of STATUSES) pipeline.zcard(this.statusKey(s));
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(STATUSES.map((s, i) => [s, Number(results[i]?.[1] ?? 0)])) as Record<SubscriberStatus, number>;
  }

  /** How many subscribers wait at each "sequence/step". */
  async stepCounts(steps: readonly string[]): Promise<Record<string, number>> {
    if (steps.length === 0) return {};
    const pipeline = this.redis.pipeline();
    for (const s of steps) pipeline.zcard(this.stepKey(s));
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(steps.map((s, i) => [s, Number(results[i]?.[1] ?? 0)]));
  }

  /** Consent events per UTC day (YYYY-MM-DD), zeros where nothing happened. */
  async daily(days: readonly string[]): Promise<Record<string, DayFigures>> {
    const pipeline = this.redis.pipeline();
    for (const d of days) pipeline.hgetall(this.dayKey(d));
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      days.map((d, i) => {
        const h = (results[i]?.[1] ?? {}) as Record<string, string>;
        return [d, Object.fromEntries(DAY_EVENTS.map((e) => [e, Number(h[e] ?? 0)])) as DayFigures];
      }),
    );
  }

  /**
   * One page, newest first. The source is the most selective index (step, else
   * status, else every status merged); a topic filter is applied while reading,
   * looking at no more than `maxScan` entries per page, so a page may come back
   * short with a cursor to go on from.
   */
  async list(filter: ListFilter, cursor: string | undefined, limit = 50, maxScan = 2000): Promise<ListPage> {
    const sources = filter.step ? [this.stepKey(filter.step)] : filter.status ? [this.statusKey(filter.status)] : STATUSES.map((s) => this.statusKey(s));
    let position = decodeCursor(cursor);
    const rows: Subscriber[] = [];
    let scanned = 0;
    let exhausted = false;
    while (rows.length < limit && scanned < maxScan) {
      const want = Math.min(Math.max(limit - rows.length, 50), maxScan - scanned);
      const chunk = await this.mergedAfter(sources, position, want);
      if (chunk.length === 0) {
        exhausted = true;
        break;
      }
      const subscribers = await this.store.getMany(chunk.map((e) => e.id));
      let consumedAll = true;
      for (let i = 0; i < chunk.length; i++) {
        position = chunk[i]!;
        scanned++;
        const s = subscribers[i];
        if (!s || (filter.status && s.status !== filter.status) || (filter.topic && !s.topics.includes(filter.topic))) continue;
        rows.push(s);
        if (rows.length === limit) {
          consumedAll = i === chunk.length - 1;
          break;
        }
      }
      if (consumedAll && chunk.length < want) {
        exhausted = true;
        break;
      }
    }
    return { rows, next: exhausted || !position ? null : encodeCursor(position), scanned };
  }

  /** The next `n` entries after `cursor` across the given sets, in newest-first order. */
  private async mergedAfter(keys: readonly string[], cursor: Entry | null, n: number): Promise<Entry[]> {
    const pages = await Promise.all(keys.map((k) => this.after(k, cursor, n)));
    return pages.flat().sort(before).slice(0, n);
  }

  private async after(key: string, cursor: Entry | null, n: number): Promise<Entry[]> {
    let raw: string[];
    if (!cursor) {
      raw = await this.redis.zrevrange(key, 0, n - 1, 'WITHSCORES');
    } else {
      const rank = await this.redis.zrevrank(key, cursor.id);
      const score = rank === null ? null : await this.redis.zscore(key, cursor.id);
      if (rank !== null && Number(score) === cursor.score) {
        raw = await this.redis.zrevrange(key, rank + 1, rank + n, 'WITHSCORES');
      } else {
        // The cursor's subscriber left this set (or was never in it): start
        // below its score, after the members that tie with it and sort above it.
        const tied = await this.redis.zrangebyscore(key, cursor.score, cursor.score);
        const skip = tied.filter((id) => id > cursor.id).length;
        raw = (await this.redis.call('ZRANGE', key, String(cursor.score), '-inf', 'BYSCORE', 'REV', 'LIMIT', String(skip), String(n), 'WITHSCORES')) as string[];
        raw = dropEqual(raw, cursor);
      }
    }
    const out: Entry[] = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, score: Number(raw[i + 1]) });
    return out;
  }
}

/** The cursor entry itself never comes back. */
function dropEqual(raw: string[], cursor: Entry): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!(raw[i] === cursor.id && Number(raw[i + 1]) === cursor.score)) out.push(raw[i]!, raw[i + 1]!);
  return out;
}
