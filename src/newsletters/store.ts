// Newsletter state in Redis: issues and their lifecycle (draft → scheduled →
// sending → sent, or cancelled), the audience scan's batches, and their
// completion. Every multi-key change is one Lua script (see scripts/).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import { trialsFromHash, type Trial } from '../delivery/retry-plan';
import type { RedisClient } from '../redis/connection';
import { encodeSendRecord, sendLedgerField } from '../delivery/send-ledger';
import { withRecord } from '../subscribers/record';
import { TrialStore } from '../delivery/trial-store';
import type { PlannedRecipient } from '../drip/store';
import type { Keys } from '../redis/keys';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
/** Scripts that read or write a reader's record (the send ledger lives in it) get its layout in front. */
const RECORD_SCRIPTS: ReadonlySet<string> = new Set(['freeze', 'complete']);

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nlSave(...args: (string | number)[]): Result<[string, string], Context>;
    nlSchedule(...args: (string | number)[]): Result<[string, string], Context>;
    nlTransition(...args: (string | number)[]): Result<[string, string], Context>;
    nlFanout(...args: (string | number)[]): Result<string[], Context>;
    nlPromote(...args: (string | number)[]): Result<string[], Context>;
    nlFreeze(...args: (string | number)[]): Result<string | null, Context>;
    nlComplete(...args: (string | number)[]): Result<number, Context>;
  }
}

export const ISSUE_STATES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export type IssueState = (typeof ISSUE_STATES)[number];

/** Where an issue's send stands; readable at any moment while it sends. */
export interface IssueProgress {
  /** Readers found so far with the newsletter topic and an active subscription. */
  audience: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Why readers were skipped at send time: paused, unsubscribed, series email this week, already sent … */
  skippedBy: Record<string, number>;
  /** Readers whose batch had not started when the issue was cancelled. */
  cancelled: number;
  /** Audience not yet sent, failed, skipped or cancelled. */
  left: number;
  batches: number;
  batchesDone: number;
  /** Sent in earlier runs (before a cancel and a reschedule). */
  sentBefore: number;
}

export interface IssueRecord {
  id: string;
  state: IssueState;
  /** The Markdown, exactly as written. */
  source: string;
  file: string;
  /** Bumped by each (re)schedule from draft or cancelled; batches of an older run are dropped. */
  generation: number;
  date: string | null;
  hour: number | null;
  sendNow: boolean;
  /** When the audience scan may begin (the earliest local send time anywhere). */
  startAt: number | null;
  /** Set when the first batch is made; from then on the content is frozen. */
  startedAt: number | null;
  scheduledAt: number | null;
  cancelledAt: number | null;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
  cursor: string;
  fanoutDone: boolean;
  progress: IssueProgress;
}

export interface NewsletterBatch {
  id: string;
  issue: string;
  generation: number;
  sendAt: number;
  members: string[];
  createdAt: number;
  plan: NewsletterPlan | null;
  /** Payloads its key has carried since the plan was frozen (delivery/retry-plan.ts). */
  trials: Trial[];
}

export interface NewsletterPlan {
  recipients: PlannedRecipient[];
  skip: { id: string; why: string }[];
}

export interface NewsletterResults {
  sent: [string, string][];
  failed: [string, string][];
  skipped: Record<string, number>;
  cancelled: number;
  /** Planned readers a retry left out: their in-flight holds are released. */
  released?: string[];
  /** Members of a batch given up on before its plan was made: counted failed, no ledger entry (never checked). */
  unplanned?: number;
}

export type SaveOutcome = 'created' | 'updated' | 'frozen' | 'claims';
export type TransitionOutcome = 'ok' | 'missing' | 'refused' | 'busy';

/** The send-ledger field of an issue: one per reader, exactly like a drip step's. */
export function ledgerField(issueId: string): string {
  return sendLedgerField('newsletter', issueId);
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));

function toIssue(h: Record<string, string>): IssueRecord {
  const c = (name: string) => Number(h[`c:${name}`] ?? 0);
  const skippedBy: Record<string, number> = {};
  for (const [k, v] of Object.entries(h)) if (k.startsWith('skip:')) skippedBy[k.slice(5)] = Number(v);
  const progress: IssueProgress = {
    audience: c('audience'),
    sent: c('sent'),
    failed: c('failed'),
    skipped: c('skipped'),
    skippedBy,
    cancelled: c('cancelled'),
    left: 0,
    batches: c('batches'),
    batchesDone: c('batchesDone'),
    sentBefore: c('sentBefore'),
  };
  progress.left = Math.max(0, progress.audience - progress.sent - progress.failed - progress.skipped - progress.cancelled);
  return {
    id: h.id!,
    state: (ISSUE_STATES as readonly string[]).includes(h.state ?? '') ? (h.state as IssueState) : 'draft',
    source: h.source ?? '',
    file: h.file ?? '',
    generation: Number(h.generation ?? 0),
    date: h.date || null,
    hour: num(h.hour),
    sendNow: h.sendNow === '1',
    startAt: num(h.startAt),
    startedAt: num(h.startedAt),
    scheduledAt: num(h.scheduledAt),
    cancelledAt: num(h.cancelledAt),
    sentAt: num(h.sentAt),
    createdAt: Number(h.createdAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    cursor: h.cursor ?? '0',
    fanoutDone: h.fanoutDone === '1',
    progress,
  };
}

/** cjson writes an empty Lua table as {}; the plan's lists may come back that way. */
function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export class NewsletterStore {
  private readonly trials: TrialStore;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    this.trials = new TrialStore(redis);
    for (const [name, file, n] of [
      ['nlSave', 'save', 2],
      ['nlSchedule', 'schedule', 2],
      ['nlTransition', 'transition', 3],
      ['nlFanout', 'fanout', 3],
      ['nlPromote', 'promote', 1],
      ['nlFreeze', 'freeze', 3],
      ['nlComplete', 'complete', 4],
    ] as const) {
      redis.defineCommand(name, { numberOfKeys: n, lua: RECORD_SCRIPTS.has(file) ? withRecord(script(file)) : script(file) });
    }
  }

  // ---- keys (all under the one prefix) ----
  issueKey(id: string): string {
    return this.keys.scoped('nl', 'issue', id);
  }
  private get index(): string {
    return this.keys.scoped('nl', 'issues');
  }
  get activeKey(): string {
    return this.keys.scoped('nl', 'active');
  }
  get pendingKey(): string {
    return this.keys.scoped('nl', 'pending');
  }
  liveKey(issueId: string): string {
    return this.keys.scoped('nl', 'live', issueId);
  }
  private inflightKey(issueId: string): string {
    return this.keys.scoped('nl', 'inflight', issueId);
  }
  batchKey(id: string): string {
    return this.keys.scoped('nl', 'batch', id);
  }

  // ---- issues ----
  async get(id: string): Promise<IssueRecord | null> {
    const h = await this.redis.hgetall(this.issueKey(id));
    return h.id ? toIssue(h) : null;
  }

  /** Newest first. */
  async list(limit = 100): Promise<IssueRecord[]> {
    const ids = await this.redis.zrevrange(this.index, 0, limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.issueKey(id));
    const res = (await pipeline.exec()) ?? [];
    return res.map(([, h]) => h as Record<string, string>).filter((h) => h.id).map(toIssue);
  }

  async activeIds(): Promise<string[]> {
    return this.redis.smembers(this.activeKey);
  }

  async save(id: string, source: string, file: string, blockingClaims: boolean, now: number): Promise<{ outcome: SaveOutcome; state: IssueState }> {
    const [outcome, state] = await this.redis.nlSave(this.issueKey(id), this.index, id, source, file, now, blockingClaims ? '1' : '0');
    return { outcome: outcome as SaveOutcome, state: state as IssueState };
  }

  async schedule(
    id: string,
    input: { date: string; hour: number; sendNow: boolean; startAt: number; blockingClaims: boolean },
    now: number,
  ): Promise<{ outcome: 'ok' | 'missing' | 'refused' | 'claims'; detail: string }> {
    const [outcome, detail] = await this.redis.nlSchedule(
      this.issueKey(id),
      this.activeKey,
      id,
      input.date,
      input.hour,
      input.sendNow ? '1' : '0',
      input.startAt,
      now,
      input.blockingClaims ? '1' : '0',
    );
    return { outcome: outcome as 'ok', detail };
  }

  private async transition(id: string, allowed: IssueState[], to: IssueState, fields: Record<string, string>, active: 'add' | 'remove' | 'keep', requireDone = false) {
    const [outcome, previous] = await this.redis.nlTransition(
      this.issueKey(id),
      this.activeKey,
      this.liveKey(id),
      id,
      allowed.join(','),
      to,
      JSON.stringify(fields),
      active,
      requireDone ? '1' : '0',
    );
    return { outcome: outcome as TransitionOutcome, previous: previous as IssueState | '' };
  }

  /** Scheduled → sending, when its time has come. */
  async start(id: string, now: number) {
    const issue = await this.get(id);
    const fields: Record<string, string> = { updatedAt: String(now) };
    if (issue && issue.startedAt === null) fields.startedAt = String(now);
    return this.transition(id, ['scheduled'], 'sending', fields, 'keep');
  }

  async cancel(id: string, now: number) {
    return this.transition(id, ['scheduled', 'sending'], 'cancelled', { cancelledAt: String(now), updatedAt: String(now) }, 'remove');
  }

  /** Sending → sent, only once the audience scan is done and no batch is left. */
  async finish(id: string, now: number) {
    return this.transition(id, ['sending'], 'sent', { sentAt: String(now), updatedAt: String(now) }, 'remove', true);
  }

  /** Takes a finished or cancelled issue out of the active set (a tick found it there). */
  async deactivate(id: string): Promise<void> {
    await this.redis.srem(this.activeKey, id);
  }

  /** Per-issue delivery counts from the provider's webhooks (delivered, opened, clicked, bounced, complained). */
  async deliveryStats(id: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.stepStats(NEWSLETTER_TAG, id));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  // ---- batches ----
  async nextBatchId(issueId: string): Promise<string> {
    const n = await this.redis.incr(this.keys.scoped('nl', 'batchseq'));
    // No ":" (BullMQ job ids); the random part keeps Idempotency-Keys unique across Redis resets.
    return `n${n}-${randomBytes(4).toString('hex')}-${issueId}`;
  }

  /** Records one page of batches with the cursor after it; returns the ids due now, or null when the page is stale. */
  async recordPage(
    issue: IssueRecord,
    fromCursor: string,
    toCursor: string,
    done: boolean,
    batches: { id: string; sendAt: number; members: string[] }[],
    now: number,
  ): Promise<string[] | null> {
    const [status, ...due] = await this.redis.nlFanout(
      this.issueKey(issue.id),
      this.liveKey(issue.id),
      this.pendingKey,
      issue.generation,
      fromCursor,
      toCursor,
      done ? '1' : '0',
      now,
      this.keys.prefix,
      issue.id,
      JSON.stringify(batches),
    );
    return status === 'ok' ? due : null;
  }

  /** Pending batches whose time has come, taken out of the pending set. */
  async promote(now: number, limit: number): Promise<string[]> {
    return this.redis.nlPromote(this.pendingKey, now, limit);
  }

  async isPending(batchId: string): Promise<boolean> {
    return (await this.redis.zscore(this.pendingKey, batchId)) !== null;
  }

  /** Live batches of an issue created before `olderThan` (sweep candidates). */
  async liveBatches(issueId: string, olderThan: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.liveKey(issueId), '-inf', olderThan, 'LIMIT', 0, limit);
  }

  async liveCount(issueId: string): Promise<number> {
    return this.redis.zcard(this.liveKey(issueId));
  }

  async forgetLive(issueId: string, batchId: string): Promise<void> {
    await this.redis.zrem(this.liveKey(issueId), batchId);
  }

  async loadBatch(id: string): Promise<NewsletterBatch | null> {
    const h = await this.redis.hgetall(this.batchKey(id));
    if (!h.members) return null;
    const plan = h.plan ? (JSON.parse(h.plan) as Record<string, unknown>) : null;
    return {
      id,
      issue: h.issue ?? '',
      generation: Number(h.generation ?? 0),
      sendAt: Number(h.sendAt ?? 0),
      members: JSON.parse(h.members) as string[],
      createdAt: Number(h.createdAt ?? 0),
      plan: plan ? { recipients: list(plan.recipients), skip: list(plan.skip) } : null,
      trials: trialsFromHash(h),
    };
  }

  async noteTrial(batch: NewsletterBatch, trial: Trial): Promise<void> {
    await this.trials.note(this.batchKey(batch.id), trial);
  }

  /** The plan in force, 'cancelled' when the issue stopped before this batch started, null when it is complete. */
  async freeze(batch: NewsletterBatch, proposal: NewsletterPlan): Promise<NewsletterPlan | 'cancelled' | null> {
    const stored = await this.redis.nlFreeze(
      this.batchKey(batch.id),
      this.issueKey(batch.issue),
      this.inflightKey(batch.issue),
      batch.id,
      this.keys.prefix,
      ledgerField(batch.issue),
      JSON.stringify(proposal),
    );
    if (stored === null) return null;
    if (stored === 'cancelled') return 'cancelled';
    const plan = JSON.parse(stored) as Record<string, unknown>;
    return { recipients: list(plan.recipients), skip: list(plan.skip) };
  }

  /**
   * Completes a batch that will never send: its planned readers failed (ledger
   * entry with the reason, in-flight hold released), its skips counted as
   * planned; without a plan every member counts failed. Returns how many
   * readers were counted failed, or null when the batch was already complete.
   */
  async giveUp(batch: NewsletterBatch, reason: string, now: number): Promise<number | null> {
    const results: NewsletterResults = { sent: [], failed: [], skipped: {}, cancelled: 0 };
    const record = encodeSendRecord(now, 'failed', reason);
    if (batch.plan) {
      for (const r of batch.plan.recipients) results.failed.push([r.id, record]);
      for (const s of batch.plan.skip) results.skipped[s.why] = (results.skipped[s.why] ?? 0) + 1;
    } else {
      results.unplanned = batch.members.length;
    }
    return (await this.complete(batch, results)) ? results.failed.length + (results.unplanned ?? 0) : null;
  }

  async complete(batch: NewsletterBatch, results: NewsletterResults): Promise<boolean> {
    const done = await this.redis.nlComplete(
      this.batchKey(batch.id),
      this.issueKey(batch.issue),
      this.liveKey(batch.issue),
      this.inflightKey(batch.issue),
      batch.id,
      this.keys.prefix,
      ledgerField(batch.issue),
      JSON.stringify(results),
    );
    return done === 1;
  }
}

/** The `sequence` tag value of newsletter emails; the `step` tag carries the issue id, so webhook counts land per issue. */
export const NEWSLETTER_TAG = 'newsletter';
