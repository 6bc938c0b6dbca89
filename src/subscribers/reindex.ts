// Rebuilds the console's directory indexes (by status, by series step) and the
// pending index from the subscriber hashes, for subscribers written before
// those indexes existed (or restored from an older backup), and rewrites
// records written before the compact layout (record.ts, sub_upgrade). Walks the
// canonical index with HSCAN, a page at a time, so it never blocks Redis and
// holds one page in memory. Safe to run at any time and any number of times,
// next to live traffic: each page is one script, like every other change.
// The daily figures (stats:day) are not rebuilt: they count events as they
// happen, and the days before the console are not known.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connection';
import { SEQUENCES, SEQUENCE_IDS } from '../content/sequences';
import type { Keys } from '../redis/keys';
import { withDirectory } from './directory';
import { STATUSES } from './types';

const SCRIPT = withDirectory(readFileSync(new URL('./scripts/reindex.lua', import.meta.url), 'utf8'));
const PAGE = 500;
/**
 * Bump when the indexes or the record layout change shape, so the next start
 * runs this again. 2: the compact record (short field names, the send ledger
 * in the record, the consent ledger as one string).
 */
export const INDEX_VERSION = '2';

export interface ReindexResult {
  subscribers: number;
  added: number;
  removed: number;
  /** Records rewritten from the layout before the compact one. */
  upgraded: number;
}

export async function reindexDirectory(redis: RedisClient, keys: Keys, onPage?: (done: number) => void): Promise<ReindexResult> {
  const steps = JSON.stringify(SEQUENCE_IDS.flatMap((s) => SEQUENCES[s].steps.map((step) => `${s}/${step.id}`)));
  const statuses = JSON.stringify(STATUSES);
  const result: ReindexResult = { subscribers: 0, added: 0, removed: 0, upgraded: 0 };
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(keys.canonicalIndex, cursor, 'COUNT', PAGE);
    cursor = next;
    const ids = flat.filter((_, i) => i % 2 === 1);
    if (ids.length > 0) {
      const [added, removed, upgraded] = (await redis.eval(SCRIPT, 1, keys.pending, keys.prefix, statuses, steps, ...ids)) as [number, number, number];
      result.subscribers += ids.length;
      result.added += added;
      result.removed += removed;
      result.upgraded += upgraded;
      onPage?.(result.subscribers);
    }
  } while (cursor !== '0');
  await redis.set(keys.scoped('dir', 'indexed'), INDEX_VERSION);
  return result;
}

/**
 * At start, before the web server and the workers: rebuild once if this Redis
 * has never been indexed by this version (an installation from before the
 * console, or from before the compact record). Every script reads records in
 * the compact layout only, so this must finish before anything else touches
 * a subscriber. Returns null when nothing was needed (one GET).
 */
export async function ensureDirectoryIndexes(redis: RedisClient, keys: Keys): Promise<ReindexResult | null> {
  if ((await redis.get(keys.scoped('dir', 'indexed'))) === INDEX_VERSION) return null;
  return reindexDirectory(redis, keys);
}
