// The subscriber store: subscribers, their consent ledgers and the canonical
// index live in Redis; every multi-key change is one Lua script. The layout of
// a subscriber's hash (stored field names, the send ledger inside it) is
// record.ts's.
import { createHmac, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis/connection';
import { isTopicId, type TopicId } from '../content/topics';
import type { Keys } from '../redis/keys';
import { decodeSendRecord } from '../delivery/send-ledger';
import { CONSENT_LEDGER_MAX, consentDigest, consentWordingField, decodeLedgerEntry, encodeLedgerEntry, ledgerEntry, splitLedger, type LedgerEntry, type RequestMeta } from './consent-ledger';
import { withDirectory } from './directory';
import { preferenceLimitKey } from './preference-limits';
import { F, readableRecord, sendLedgerOf, storedFields, type RecordField } from './record';
import { addressLimitKey, ipLimitKey } from './signup-limits';
import { STATUSES, type Subscriber, type SubscriberStatus } from './types';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    meridianSignup(...args: (string | number)[]): Result<[string, string, string, (string | null)[]], Context>;
    meridianSignupLookup(...args: (string | number)[]): Result<[number, string | null], Context>;
    meridianTransition(...args: (string | number)[]): Result<[string, string], Context>;
    meridianPurgePending(...args: (string | number)[]): Result<number, Context>;
    meridianErase(...args: (string | number)[]): Result<number, Context>;
  }
}

export interface SignupInput {
  email: string;
  canonical: string;
  firstName: string | null;
  timeZone: string | null;
  topics: readonly TopicId[];
  consentVersion: string;
  consentText: string;
  /** Which form: "signup-page", "embed", "api" ... */
  form: string;
  meta: RequestMeta;
}

export type SignupResult = (
  /** A confirmation email should go out now. */
  | { outcome: 'send-confirmation'; subscriber: Subscriber }
  /** Pending, but one was sent moments ago: send nothing, answer the same. */
  | { outcome: 'throttled'; subscriber: Subscriber }
  /** Already confirmed, paused or suppressed: send nothing, answer the same. */
  | { outcome: 'no-change'; subscriber: Subscriber }
) & {
  /** The address carried a tombstone: this double opt-in brings an erased address back, and its ledger entry says so. */
  afterErasure: boolean;
};

export type TransitionResult = 'ok' | 'unchanged' | 'skip' | 'missing';

export interface SubscriberExport {
  exportedAt: string;
  subscriber: Subscriber;
  /**
   * Every field of the stored record as held, under its readable name
   * (record.ts), including the ones the typed view leaves out
   * (sequenceCompletedAt, lastError, batch ...), so a field added later is
   * exported without anyone remembering to. The send ledger is `sends`.
   */
  record: Record<string, string>;
  consentLedger: LedgerEntry[];
  sends: Record<string, unknown>[];
  /** When the next drip email is due (ISO 8601), or null. */
  nextDripDueAt: string | null;
  /** Abuse counters that can be tied to this person: attempts in the current hour. */
  rateLimits: { signupAttempts: number; preferenceChanges: number };
}

export interface StoreOptions {
  clock?: () => number;
  /** Key for tombstone digests; derived from APP_SECRET so digests are not a plain hash of the address. */
  tombstoneKey: string;
}

export class SubscriberStore {
  private readonly now: () => number;
  private readonly wordingDigests = new Map<string, string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly options: StoreOptions,
  ) {
    this.now = options.clock ?? Date.now;
    // Each keeps the directory (console lists, counts, daily figures) in step.
    redis.defineCommand('meridianSignup', { numberOfKeys: 6, lua: withDirectory(script('signup')) });
    redis.defineCommand('meridianSignupLookup', { numberOfKeys: 2, lua: script('signup-lookup') });
    redis.defineCommand('meridianTransition', { numberOfKeys: 5, lua: withDirectory(script('transition')) });
    redis.defineCommand('meridianPurgePending', { numberOfKeys: 6, lua: withDirectory(script('purge-pending')) });
    redis.defineCommand('meridianErase', { numberOfKeys: 8, lua: withDirectory(script('erase')) });
  }

  /**
   * Double opt-in, step one. Creates a pending subscriber, or refreshes a
   * pending/unsubscribed one, and says whether to send a confirmation email.
   */
  async signup(input: SignupInput, confirmationThrottleMs: number, entryOverride?: LedgerEntry): Promise<SignupResult> {
    const at = this.now();
    // One round trip for both reads: the tombstone, checked for every signup
    // (the same work whatever the answer) and recorded in the new ledger
    // entry, and the id the address already has.
    const [erased, known] = await this.redis.meridianSignupLookup(this.keys.tombstones, this.keys.canonicalIndex, this.tombstone(input.canonical), input.canonical);
    const afterErasure = Number(erased) === 1;
    const fields = storedFields({
      email: input.email,
      firstName: input.firstName ?? '',
      timeZone: input.timeZone ?? '',
      topics: input.topics.join(','),
      consentVersion: input.consentVersion,
    });
    // The words are stored once per version and digest; the entry names them.
    // A list import records where its consent came from instead of a form's wording.
    const digest = this.wordingDigest(input.consentText);
    const entry =
      entryOverride ??
      ledgerEntry('signup', at, input.form, input.meta, {
        consentVersion: input.consentVersion,
        consentDigest: digest,
        detail: { topics: [...input.topics], ...(afterErasure ? { afterErasure: true } : {}) },
      });
    const stored = encodeLedgerEntry(entry);
    let candidate = known || newSubscriberId();
    // The index can change between the read and the script (a racing signup);
    // the script then names the winner and we go again with its id.
    for (let attempt = 0; attempt < 3; attempt++) {
      // The reply carries the record as the script left it: no read of our own.
      const [outcome, id, , values] = await this.redis.meridianSignup(
        this.keys.canonicalIndex,
        this.keys.subscriber(candidate),
        this.keys.consent(candidate),
        this.keys.consentWordings,
        this.keys.pending,
        this.keys.userAgents,
        candidate,
        input.canonical,
        at,
        confirmationThrottleMs,
        JSON.stringify(fields),
        stored.stored,
        this.keys.prefix,
        consentWordingField(input.consentVersion, digest),
        input.consentText,
        CONSENT_LEDGER_MAX,
        stored.userAgent?.digest ?? '',
        stored.userAgent?.text ?? '',
        ...SUBSCRIBER_VIEW,
      );
      if (outcome === 'retry') {
        candidate = id;
        continue;
      }
      const subscriber = subscriberFrom(values, id);
      if (!subscriber) throw new Error(`Subscriber ${id} vanished right after signup; retry the request.`);
      if (outcome === 'send') return { outcome: 'send-confirmation', subscriber, afterErasure };
      if (outcome === 'throttled') return { outcome: 'throttled', subscriber, afterErasure };
      return { outcome: 'no-change', subscriber, afterErasure };
    }
    throw new Error('Signup kept racing with concurrent signups for the same address; retry the request.');
  }

  /**
   * A new confirmation for a pending subscriber, asked for from the console:
   * returns the new confirmationSentAt for the confirmation job, or null when
   * the subscriber is not pending.
   */
  async renewConfirmation(id: string): Promise<number | null> {
    const at = this.now();
    const result = await this.transition(id, 'pending', { confirmationSentAt: String(at) }, null, 'keep');
    return result === 'ok' ? at : null;
  }

  /** Records that the confirmation email went out (or clears the throttle if it failed). */
  async confirmationSent(id: string, sent: boolean): Promise<void> {
    const at = this.now();
    if (sent) {
      await this.transition(id, '*', {}, ledgerEntry('confirmation-sent', at, 'system', { ip: null, userAgent: null }), 'keep');
    } else {
      // Lets the person retry at once instead of waiting out the throttle.
      await this.transition(id, 'pending', { confirmationSentAt: '' }, null, 'keep');
    }
  }

  async get(id: string): Promise<Subscriber | null> {
    return subscriberFrom(await this.redis.hmget(this.keys.subscriber(id), ...SUBSCRIBER_VIEW), id);
  }

  /** Many at once, in one round trip; null where a subscriber no longer exists. */
  async getMany(ids: readonly string[]): Promise<(Subscriber | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.subscriber(id), ...SUBSCRIBER_VIEW);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, values], i) => {
      if (err) throw err;
      return subscriberFrom(values as (string | null)[], ids[i]!);
    });
  }

  async findByCanonical(canonical: string): Promise<Subscriber | null> {
    const id = await this.redis.hget(this.keys.canonicalIndex, canonical);
    return id ? this.get(id) : null;
  }

  /**
   * Double opt-in, step two. `firstStep` enrols the subscriber in a drip
   * sequence (due now) in the same atomic step.
   */
  async confirm(
    id: string,
    meta: RequestMeta,
    firstStep: { sequence: string; step: string; dueAt: number } | null,
    source = 'confirm-page',
  ): Promise<TransitionResult> {
    const at = this.now();
    const fields: Partial<Record<RecordField, string>> = { status: 'active', confirmedAt: String(at) };
    if (firstStep) Object.assign(fields, { sequence: firstStep.sequence, step: firstStep.step });
    return this.transition(
      id,
      'pending',
      fields,
      ledgerEntry('confirmed', at, source, meta),
      firstStep ? firstStep.dueAt : 'keep',
    );
  }

  async unsubscribe(id: string, source: string, meta: RequestMeta): Promise<TransitionResult> {
    const at = this.now();
    return this.transition(
      id,
      'pending,active,paused',
      { status: 'unsubscribed', unsubscribedAt: String(at), pausedUntil: '' },
      ledgerEntry('unsubscribed', at, source, meta),
      'remove',
    );
  }

  /**
   * Topic choices. Leaving the topic of the current sequence takes the
   * subscriber out of the due index; the scheduler skips them from then on.
   */
  async setTopics(
    id: string,
    topics: readonly TopicId[],
    meta: RequestMeta,
    dueAction: 'keep' | 'remove' | number,
  ): Promise<TransitionResult> {
    const at = this.now();
    return this.transition(
      id,
      'active,paused,pending',
      { topics: topics.join(',') },
      ledgerEntry('preferences-changed', at, 'preferences-page', meta, { detail: { topics: [...topics] } }),
      dueAction,
      true,
    );
  }

  async pause(id: string, until: number, meta: RequestMeta, source = 'preferences-page'): Promise<TransitionResult> {
    const at = this.now();
    return this.transition(
      id,
      'active,paused',
      { status: 'paused', pausedUntil: String(until) },
      ledgerEntry('paused', at, source, meta, { detail: { until: new Date(until).toISOString() } }),
      'keep',
    );
  }

  /** Ends a pause; `dueAt` puts a subscriber who is mid-sequence back in the due index. */
  async resume(id: string, source: string, meta: RequestMeta, dueAt: number | null): Promise<TransitionResult> {
    const at = this.now();
    return this.transition(
      id,
      'paused',
      { status: 'active', pausedUntil: '' },
      ledgerEntry('resumed', at, source, meta),
      dueAt ?? 'keep',
    );
  }

  /** A permanent bounce or a spam complaint: nothing is ever sent again. */
  async suppress(id: string, reason: 'bounced' | 'complained', detail: Record<string, string>): Promise<TransitionResult> {
    const at = this.now();
    return this.transition(
      id,
      'pending,active,paused,unsubscribed',
      { status: reason, pausedUntil: '' },
      ledgerEntry(reason, at, 'webhook', { ip: null, userAgent: null }, { detail }),
      'remove',
    );
  }

  /** The consent ledger, each consent entry with the exact words agreed to. */
  async ledger(id: string): Promise<LedgerEntry[]> {
    const decoded = splitLedger(await this.redis.get(this.keys.consent(id))).map(decodeLedgerEntry);
    const fields = [
      ...new Set(decoded.filter(({ entry: e }) => e.consentDigest && e.consentVersion).map(({ entry: e }) => consentWordingField(e.consentVersion!, e.consentDigest!))),
    ];
    const agents = [...new Set(decoded.map((d) => d.userAgentDigest).filter((d): d is string => d !== null))];
    const [texts, agentTexts] = await Promise.all([
      fields.length ? this.redis.hmget(this.keys.consentWordings, ...fields) : [],
      agents.length ? this.redis.hmget(this.keys.userAgents, ...agents) : [],
    ]);
    const byField = new Map(fields.map((f, i) => [f, texts[i]]));
    const byAgent = new Map(agents.map((a, i) => [a, agentTexts[i]]));
    return decoded.map(({ entry, userAgentDigest }) => {
      let e = entry;
      if (userAgentDigest) e = { ...e, userAgent: byAgent.get(userAgentDigest) ?? `(user agent #${userAgentDigest} not found)` };
      if (!e.consentDigest || !e.consentVersion) return e;
      const text = byField.get(consentWordingField(e.consentVersion, e.consentDigest));
      // Missing words would be a lost proof: say so rather than show nothing.
      return { ...e, consentText: text ?? `(wording ${e.consentVersion} #${e.consentDigest} not found)` };
    });
  }

  /** The send ledger, by name ("sequence/step", "newsletter/<issue id>") -> stored value (send-ledger.ts); {} for none. */
  async sendLedger(id: string): Promise<Record<string, string>> {
    return sendLedgerOf(this.redis, this.keys, await this.redis.hgetall(this.keys.subscriber(id)));
  }

  /** GDPR Art. 15/20: everything held about one person, as JSON. */
  async exportData(id: string): Promise<SubscriberExport | null> {
    const hash = await this.redis.hgetall(this.keys.subscriber(id));
    if (!hash[F.status]) return null;
    const subscriber = toSubscriber(hash, id);
    const [ledger, sends, due, signupAttempts, preferenceChanges] = await Promise.all([
      this.ledger(id),
      sendLedgerOf(this.redis, this.keys, hash),
      this.redis.zscore(this.keys.due, id),
      this.redis.get(addressLimitKey(this.keys.rateLimit, subscriber.canonical)),
      this.redis.get(preferenceLimitKey(this.keys.rateLimit, id)),
    ]);
    return {
      exportedAt: new Date(this.now()).toISOString(),
      subscriber,
      record: readableRecord(hash),
      consentLedger: ledger,
      sends: Object.entries(sends)
        .map(([step, value]): Record<string, unknown> => ({ step, ...decodeSendRecord(value) }))
        .sort((a, b) => String(a.at ?? '').localeCompare(String(b.at ?? ''))),
      nextDripDueAt: due === null ? null : new Date(Number(due)).toISOString(),
      rateLimits: { signupAttempts: Number(signupAttempts ?? 0), preferenceChanges: Number(preferenceChanges ?? 0) },
    };
  }

  /**
   * PENDING_RETENTION: removes up to `limit` pending subscribers whose last
   * confirmation email went out at or before `cutoff`; returns how many went.
   */
  async purgePending(cutoff: number, limit = 100): Promise<number> {
    const ids = await this.redis.zrangebyscore(this.keys.pending, '-inf', cutoff, 'LIMIT', 0, limit);
    let purged = 0;
    for (const id of ids) {
      purged += await this.redis.meridianPurgePending(
        this.keys.subscriber(id),
        this.keys.consent(id),
        this.keys.legacySends(id),
        this.keys.canonicalIndex,
        this.keys.due,
        this.keys.pending,
        id,
        cutoff,
        this.keys.prefix,
      );
    }
    return purged;
  }

  /**
   * GDPR Art. 17: removes the person's data, keeps a keyed digest as a
   * tombstone (see ARCHITECTURE.md, "Erasure and the tombstone"). Besides the
   * record, ledgers and indexes, the rate-limit counters that can be tied to
   * the person go too: the per-address and per-subscriber ones, and the
   * per-IP counters of every IP address their consent ledger recorded.
   * Files outside Redis (the dev outbox) are the service's to remove.
   */
  async erase(id: string): Promise<boolean> {
    const subscriber = await this.get(id);
    if (!subscriber) return false;
    const ips = new Set((await this.ledger(id)).map((e) => e.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== ''));
    const removed = await this.redis.meridianErase(
      this.keys.subscriber(id),
      this.keys.consent(id),
      this.keys.canonicalIndex,
      this.keys.due,
      this.keys.tombstones,
      this.keys.legacySends(id),
      addressLimitKey(this.keys.rateLimit, subscriber.canonical),
      this.keys.pending,
      id,
      subscriber.canonical,
      this.tombstone(subscriber.canonical),
      this.keys.prefix,
    );
    if (removed !== 1) return false;
    // Counters only, so outside the script: one key at a time keeps this
    // valid on Redis Cluster, where these keys live in other slots.
    const counters = [preferenceLimitKey(this.keys.rateLimit, id), ...[...ips].map((ip) => ipLimitKey(this.keys.rateLimit, ip))];
    await Promise.all(counters.map((key) => this.redis.unlink(key)));
    return true;
  }

  /**
   * True when this canonical address was erased. A fresh double opt-in may
   * bring it back (the person confirms again); anything that would add it
   * without one (an import, an API write) must check this and refuse.
   */
  async isErased(canonical: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.tombstones, this.tombstone(canonical))) === 1;
  }

  /** The wording's digest, worked out once per wording: every signup names the same few. */
  private wordingDigest(text: string): string {
    let digest = this.wordingDigests.get(text);
    if (digest === undefined) {
      digest = consentDigest(text);
      if (this.wordingDigests.size < 32) this.wordingDigests.set(text, digest);
    }
    return digest;
  }

  private tombstone(canonical: string): string {
    return createHmac('sha256', this.options.tombstoneKey).update(canonical).digest('hex');
  }

  private async transition(
    id: string,
    allowed: string,
    fields: Partial<Record<RecordField, string>>,
    entry: LedgerEntry | null,
    due: 'keep' | 'remove' | number,
    skipIfSame = false,
  ): Promise<TransitionResult> {
    const stored = entry ? encodeLedgerEntry(entry) : null;
    const [outcome] = await this.redis.meridianTransition(
      this.keys.subscriber(id),
      this.keys.consent(id),
      this.keys.due,
      this.keys.userAgents,
      this.keys.pending,
      id,
      allowed,
      JSON.stringify(storedFields({ ...fields, updatedAt: String(this.now()) })),
      stored?.stored ?? '',
      String(due),
      skipIfSame ? '1' : '0',
      this.keys.prefix,
      CONSENT_LEDGER_MAX,
      stored?.userAgent?.digest ?? '',
      stored?.userAgent?.text ?? '',
    );
    return outcome as TransitionResult;
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the CSPRNG a pool at a time: one call per 256 ids, not one per id.
const idPool = Buffer.alloc(4096);
let idPoolUsed = idPool.length;

/**
 * 128 random bits as 22 base-62 characters. The id is repeated in every key
 * name and index entry of the subscriber, so it is kept shorter than a UUID's
 * 36; letters and digits only, so it fits a BullMQ job id, a token part and
 * a Resend tag. Ids made before (UUIDs) stay valid.
 */
export function newSubscriberId(): string {
  if (idPoolUsed + 16 > idPool.length) {
    randomFillSync(idPool);
    idPoolUsed = 0;
  }
  const id = base62(idPool.subarray(idPoolUsed, idPoolUsed + 16));
  idPoolUsed += 16;
  return id;
}

/**
 * 16 bytes (a big-endian 128-bit number) as 22 base-62 digits, most
 * significant first. Long division on four 32-bit words in plain numbers
 * (every intermediate stays below 2^38): a tenth of the time BigInt takes.
 */
export function base62(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const words = [view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12)];
  let out = '';
  for (let digit = 0; digit < 22; digit++) {
    let rest = 0;
    for (let w = 0; w < 4; w++) {
      const value = rest * 0x1_0000_0000 + words[w]!;
      words[w] = Math.floor(value / 62);
      rest = value - words[w]! * 62;
    }
    out = BASE62[rest]! + out;
  }
  return out;
}

function num(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * The typed view of a subscriber hash (stored names: record.ts). The id is
 * the key's; `canonical` is stored only where it differs from `email`.
 */
/**
 * The record fields a Subscriber is made of, read by name: the send ledger
 * shares the hash (one field per send, growing with every newsletter for
 * years), and the tick and the senders read a batch's records on every batch.
 */
const SUBSCRIBER_VIEW = [
  F.status, F.email, F.canonical, F.firstName, F.topics, F.timeZone, F.consentVersion, F.createdAt,
  F.updatedAt, F.confirmedAt, F.confirmationSentAt, F.pausedUntil, F.sequence, F.step, F.lastSentAt,
];

/** HMGET's answer for SUBSCRIBER_VIEW as a Subscriber, or null when there is no record. */
function subscriberFrom(values: (string | null)[], id: string): Subscriber | null {
  const hash: Record<string, string> = {};
  for (const [i, field] of SUBSCRIBER_VIEW.entries()) {
    const value = values[i];
    if (value !== null && value !== undefined) hash[field] = value;
  }
  return hash[F.status] ? toSubscriber(hash, id) : null;
}

export function toSubscriber(hash: Record<string, string>, id: string): Subscriber {
  const status = (STATUSES as readonly string[]).includes(hash[F.status] ?? '') ? (hash[F.status] as SubscriberStatus) : 'pending';
  return {
    id,
    email: hash[F.email] ?? '',
    canonical: hash[F.canonical] || hash[F.email] || '',
    firstName: hash[F.firstName] || null,
    status,
    topics: (hash[F.topics] ?? '').split(',').filter(isTopicId),
    timeZone: hash[F.timeZone] || null,
    consentVersion: hash[F.consentVersion] || null,
    createdAt: num(hash[F.createdAt]) ?? 0,
    updatedAt: num(hash[F.updatedAt]) ?? 0,
    confirmedAt: num(hash[F.confirmedAt]),
    confirmationSentAt: num(hash[F.confirmationSentAt]),
    pausedUntil: num(hash[F.pausedUntil]),
    sequence: hash[F.sequence] || null,
    step: hash[F.step] || null,
    lastSentAt: num(hash[F.lastSentAt]),
  };
}
