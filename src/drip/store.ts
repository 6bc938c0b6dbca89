// The drip state in Redis: the due index, claimed batches and their
// completion. Each multi-key change is one Lua script (see scripts/).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import { trialsFromHash, type Trial } from '../delivery/retry-plan';
import { TrialStore } from '../delivery/trial-store';
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';
import { withDirectory } from '../subscribers/directory';
import { sendLedgerOf, withRecord } from '../subscribers/record';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    dripClaim(...args: (string | number)[]): Result<(string | number)[], Context>;
    dripReschedule(...args: (string | number)[]): Result<number, Context>;
    dripFreeze(...args: (string | number)[]): Result<string | null, Context>;
    dripComplete(...args: (string | number)[]): Result<number, Context>;
  }
}

/** A subscriber due again while still in a live batch is looked at again after this long. */
export const HOLD_BACK_MS = 30_000;

export interface DueEntry {
  subscriberId: string;
  /** The score exactly as read; claims compare against it. */
  score: number;
}

export interface BatchRecord {
  id: string;
  sequence: string;
  step: string;
  members: string[];
  createdAt: number;
  plan: BatchPlan | null;
  /** Payloads its key has carried since the plan was frozen (delivery/retry-plan.ts). */
  trials: Trial[];
}

/** Who a batch sends to, with what it needs to render, frozen on its first attempt. */
export interface PlannedRecipient {
  id: string;
  email: string;
  canonical: string;
  firstName: string | null;
  timeZone: string | null;
}

/** What a batch does for each member, fixed on its first attempt. */
export interface BatchPlan {
  recipients: PlannedRecipient[];
  skip: { id: string; why: string }[];
  requeue: { id: string; at: number; why: string }[];
}

export interface MemberResult {
  id: string;
  outcome: 'sent' | 'failed' | 'skipped' | 'requeue';
  ledgerField: string;
  ledgerValue: string;
  /** The step id to move to; "" when the sequence is finished. */
  nextStep: string;
  nextDue: number | false;
}

export class DripStore {
  private readonly trialStore: TrialStore;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.trialStore = new TrialStore(redis);
    redis.defineCommand('dripClaim', { numberOfKeys: 3, lua: withRecord(script('claim')) });
    redis.defineCommand('dripReschedule', { numberOfKeys: 1, lua: script('reschedule') });
    redis.defineCommand('dripFreeze', { numberOfKeys: 1, lua: script('freeze') });
    redis.defineCommand('dripComplete', { numberOfKeys: 3, lua: withDirectory(script('complete')) });
  }

  /** Due subscribers, oldest first. O(log n + limit): an idle tick never scans. */
  async due(now: number, limit: number): Promise<DueEntry[]> {
    const flat = await this.redis.zrangebyscore(this.keys.due, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: DueEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ subscriberId: flat[i]!, score: Number(flat[i + 1]) });
    return out;
  }

  async dueCount(): Promise<number> {
    return this.redis.zcard(this.keys.due);
  }

  /** Claimed batches not yet completed (the claim loop's backpressure). */
  async claimedCount(): Promise<number> {
    return this.redis.zcard(this.keys.claimedBatches);
  }

  /**
   * Claims each group (one sequence step, at most 100 members) into its own
   * batch, all in one script call. Returns the batches that claimed anyone.
   */
  async claimMany(now: number, groups: { sequence: string; step: string; members: DueEntry[] }[]): Promise<{ batchId: string; members: number }[]> {
    if (groups.length === 0) return [];
    const flat = await this.redis.dripClaim(
      this.keys.due,
      this.keys.claimedBatches,
      this.keys.batchCounter,
      now,
      this.keys.prefix,
      HOLD_BACK_MS,
      randomBytes(4).toString('hex'),
      JSON.stringify(groups.map((g) => ({ sequence: g.sequence, step: g.step, members: g.members.map((m) => [m.subscriberId, m.score]) }))),
    );
    const out: { batchId: string; members: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ batchId: String(flat[i]), members: Number(flat[i + 1]) });
    return out;
  }

  /** newScore null removes the entry. Only entries whose score is unchanged move. */
  async reschedule(changes: { entry: DueEntry; newScore: number | null }[]): Promise<number> {
    if (changes.length === 0) return 0;
    return this.redis.dripReschedule(
      this.keys.due,
      JSON.stringify(changes.map((c) => [c.entry.subscriberId, c.entry.score, c.newScore ?? false])),
    );
  }

  async loadBatch(id: string): Promise<BatchRecord | null> {
    const hash = await this.redis.hgetall(this.keys.batch(id));
    if (!hash.members) return null;
    return {
      id,
      sequence: hash.sequence ?? '',
      step: hash.step ?? '',
      members: JSON.parse(hash.members) as string[],
      createdAt: Number(hash.createdAt),
      plan: hash.plan ? (JSON.parse(hash.plan) as BatchPlan) : null,
      trials: trialsFromHash(hash),
    };
  }

  async noteTrial(id: string, trial: Trial): Promise<void> {
    await this.trialStore.note(this.keys.batch(id), trial);
  }

  /** Stores the plan unless one exists; returns the one in force (null: batch already complete). */
  async freeze(id: string, plan: BatchPlan): Promise<BatchPlan | null> {
    const stored = await this.redis.dripFreeze(this.keys.batch(id), JSON.stringify(plan));
    return stored ? (JSON.parse(stored) as BatchPlan) : null;
  }

  async complete(id: string, now: number, results: MemberResult[]): Promise<boolean> {
    const done = await this.redis.dripComplete(
      this.keys.due,
      this.keys.claimedBatches,
      this.keys.batch(id),
      id,
      this.keys.prefix,
      now,
      JSON.stringify(results),
    );
    return done === 1;
  }

  /** Claimed batches older than `olderThan`: candidates for the sweep. */
  async staleClaims(olderThan: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.claimedBatches, '-inf', olderThan, 'LIMIT', 0, limit);
  }

  /** Drops a claim whose batch record is gone (completed between our reads). */
  async forgetClaim(id: string): Promise<void> {
    await this.redis.zrem(this.keys.claimedBatches, id);
  }

  /** The subscriber's send ledger by name ("sequence/step", "newsletter/<issue id>"); kept in their hash (record.ts). */
  async sendLedger(subscriberId: string): Promise<Record<string, string>> {
    return sendLedgerOf(this.redis, this.keys, await this.redis.hgetall(this.keys.subscriber(subscriberId)));
  }
}
