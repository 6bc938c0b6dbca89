// The newsletter send processor: one batch -> one provider call -> one atomic
// completion, on the drip's rails: the plan is frozen on the first attempt
// (re-checking every reader at send time), the Idempotency-Key is the batch
// id, and completion writes each reader's send-ledger entry
// `newsletter/<issue id>`. Provider errors are thrown as the drip's are, and
// src/runtime/workers.ts maps them to retries, rate-limit pauses and parking.
import type { RedisClient } from '../redis/connection';
import type { Logger } from 'pino';
import type { PlannedRecipient } from '../drip/store';
import { sendUnderKey } from '../delivery/retry-plan';
import { encodeSendRecord } from '../delivery/send-ledger';
import { addressed, type OutgoingEmail, type Transport } from '../delivery/transport';
import type { Metrics } from '../observability/metrics';
import type { Keys } from '../redis/keys';
import { createPersonaliser, type Personaliser } from '../render/render';
import type { RenderContext } from '../render/types';
import { F } from '../subscribers/record';
import type { SubscriberStore } from '../subscribers/store';
import { readerDecision, type DuringSeries } from './audience';
import { parseIssueMarkdown } from './markdown';
import { NEWSLETTER_TAG, type IssueRecord, type NewsletterBatch, type NewsletterPlan, type NewsletterResults, type NewsletterStore } from './store';

export interface NewsletterSendDeps {
  store: NewsletterStore;
  subscribers: SubscriberStore;
  redis: RedisClient;
  keys: Keys;
  transport: Transport;
  renderContext: RenderContext;
  from: string;
  duringSeries: DuringSeries;
  /** The drip interval: the length of one send window. */
  windowMs: number;
  logger: Logger;
  metrics: Metrics;
}

export type NewsletterSendResult =
  | { status: 'already-complete' }
  | { status: 'cancelled'; readers: number }
  | { status: 'completed'; sent: number; failed: number; skipped: number };

/** The `send` tag: the subscriber id (what webhooks suppress by) and the issue, never an address. */
export function newsletterSendTag(subscriberId: string, issueId: string): string {
  return `${subscriberId}_nl-${issueId}`;
}

// One personaliser per issue run: a batch costs one splice per reader, not a React render.
const personalisers = new Map<string, Promise<Personaliser>>();

export function personaliserFor(issue: IssueRecord, context: RenderContext): Promise<Personaliser> {
  const key = `${issue.id}\u0000${issue.generation}\u0000${issue.updatedAt}`;
  let p = personalisers.get(key);
  if (!p) {
    const parsed = parseIssueMarkdown(issue.source, issue.file || `${issue.id}.md`);
    p = createPersonaliser('newsletter', { ...context, newsletter: parsed.issue });
    p.catch(() => personalisers.delete(key));
    personalisers.set(key, p);
    while (personalisers.size > 8) personalisers.delete(personalisers.keys().next().value!);
  }
  return p;
}

/** One batch's emails: each reader's personalised copy, tagged so webhooks count it per issue. */
export function newsletterEmails(recipients: PlannedRecipient[], issueId: string, personalise: Personaliser, from: string): OutgoingEmail[] {
  return recipients.map((r) => {
    const rendered = personalise({ subscriberId: r.id, email: r.email, canonical: r.canonical, firstName: r.firstName });
    return addressed(rendered, from, r.email, [
      { name: 'sequence', value: NEWSLETTER_TAG },
      { name: 'step', value: issueId },
      { name: 'send', value: newsletterSendTag(r.id, issueId) },
    ]);
  });
}

/** `now` is a fixed time (tests) or a clock, read when the provider answers: the time the send ledger records. */
export async function processNewsletterBatch(batchId: string, deps: NewsletterSendDeps, now: number | (() => number)): Promise<NewsletterSendResult> {
  const clock = typeof now === 'number' ? () => now : now;
  const batch = await deps.store.loadBatch(batchId);
  if (!batch) return { status: 'already-complete' };
  const issue = await deps.store.get(batch.issue);
  if (!issue) {
    deps.logger.error({ batchId, issue: batch.issue }, 'newsletter batch names an issue that no longer exists; dropping it');
    await deps.store.complete(batch, { sent: [], failed: [], skipped: {}, cancelled: batch.members.length });
    return { status: 'cancelled', readers: batch.members.length };
  }

  const firstAttempt = !batch.plan;
  let plan = batch.plan;
  if (!plan) {
    const frozen = await deps.store.freeze(batch, await makePlan(batch, deps));
    if (frozen === null) return { status: 'already-complete' };
    if (frozen === 'cancelled') {
      // Cancelled or rescheduled before this batch started: nothing goes out.
      await deps.store.complete(batch, { sent: [], failed: [], skipped: {}, cancelled: batch.members.length });
      deps.logger.info({ batchId, issue: issue.id }, 'newsletter batch dropped: its issue was cancelled or rescheduled');
      return { status: 'cancelled', readers: batch.members.length };
    }
    plan = frozen;
  }

  const results: NewsletterResults = { sent: [], failed: [], skipped: {}, cancelled: 0 };
  const skip = (why: string) => (results.skipped[why] = (results.skipped[why] ?? 0) + 1);
  for (const s of plan.skip) skip(s.why);
  if (plan.recipients.length > 0) {
    const personalise = await personaliserFor(issue, deps.renderContext);
    const emails = (recipients: PlannedRecipient[]) => newsletterEmails(recipients, issue.id, personalise, deps.from);
    // A retry checks its readers again and may leave some out (delivery/retry-plan.ts).
    const delivery = await sendUnderKey({
      recipients: plan.recipients,
      trials: batch.trials,
      firstAttempt,
      stillEligible: async (recipients) => {
        const now = await decisionsNow(recipients.map((r) => r.id), deps);
        return new Set([...now].filter(([, d]) => d.send).map(([id]) => id));
      },
      send: (recipients) => deps.transport.sendBatch(emails(recipients), { idempotencyKey: `meridian-${batch.id}` }),
      noteTrial: (trial) => deps.store.noteTrial(batch, trial),
      clock,
    });
    for (const [i, r] of delivery.recipients.entries()) {
      const outcome = delivery.outcomes[i];
      if (outcome?.ok) {
        results.sent.push([r.id, encodeSendRecord(delivery.acceptedAt, 'sent')]);
      } else {
        const reason = outcome ? outcome.reason : 'the provider returned no result for this email';
        results.failed.push([r.id, encodeSendRecord(delivery.acceptedAt, 'failed', reason)]);
      }
    }
    if (delivery.leftOut.length > 0) {
      const now = await decisionsNow(delivery.leftOut.map((r) => r.id), deps);
      for (const r of delivery.leftOut) {
        const d = now.get(r.id);
        skip(d && !d.send ? d.why : 'left out by a retry');
      }
      results.released = delivery.leftOut.map((r) => r.id);
    }
    deps.metrics.emailsSent.inc({ transport: deps.transport.name, template: 'newsletter' }, results.sent.length);
    if (results.failed.length > 0) deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: 'newsletter', reason: 'rejected' }, results.failed.length);
  }
  await deps.store.complete(batch, results);
  const skipped = Object.values(results.skipped).reduce((a, b) => a + b, 0);
  // The heap rides along so a long send's memory can be read from the log (one read per batch of 100).
  deps.logger.info(
    { batchId, issue: issue.id, sent: results.sent.length, failed: results.failed.length, skipped, heapUsed: process.memoryUsage().heapUsed },
    'newsletter batch completed',
  );
  return { status: 'completed', sent: results.sent.length, failed: results.failed.length, skipped };
}

/** Whether each reader may still get a newsletter at all (active, with the topic): a retry's check. */
async function decisionsNow(ids: string[], deps: NewsletterSendDeps): Promise<Map<string, ReturnType<typeof readerDecision>>> {
  const subscribers = await deps.subscribers.getMany(ids);
  const anyWeek = { sendAt: 0, duringSeries: 'send' as const, windowMs: deps.windowMs };
  return new Map(ids.map((id, i) => [id, readerDecision(subscribers[i] ?? null, { dueAt: null, inDripBatch: false }, anyWeek)]));
}

/**
 * BullMQ gave up on a batch (attempts spent, a permanent refusal, too many
 * stalls): its readers leave the issue's in-flight hash and count as failed,
 * with the reason in their send ledger, so the issue can finish. Without this
 * they would stay held by a batch that never completes, and the issue would
 * stay "sending" for ever. Running it twice is harmless (the batch is gone).
 */
export async function newsletterBatchGaveUp(
  batchId: string,
  deps: Pick<NewsletterSendDeps, 'store' | 'logger' | 'metrics' | 'transport'>,
  reason: string,
  now: number,
): Promise<number> {
  const batch = await deps.store.loadBatch(batchId);
  if (!batch) return 0;
  const failed = await deps.store.giveUp(batch, reason, now);
  if (failed === null) return 0;
  deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: 'newsletter', reason: 'gave_up' }, failed);
  deps.logger.error({ batchId, issue: batch.issue, failed, reason }, 'newsletter batch failed for good: its readers are counted failed and released');
  return failed;
}

/** Re-checks every member at send time: status, topic, and one marketing email per window. */
async function makePlan(batch: NewsletterBatch, deps: NewsletterSendDeps): Promise<NewsletterPlan> {
  const subscribers = await deps.subscribers.getMany(batch.members);
  const pipeline = deps.redis.pipeline();
  for (const id of batch.members) {
    pipeline.zscore(deps.keys.due, id);
    pipeline.hget(deps.keys.subscriber(id), F.batch);
  }
  const flat = ((await pipeline.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as string | null;
  });
  const plan: NewsletterPlan = { recipients: [], skip: [] };
  for (const [i, id] of batch.members.entries()) {
    const s = subscribers[i] ?? null;
    const due = flat[2 * i];
    const decision = readerDecision(
      s,
      { dueAt: due === null || due === undefined ? null : Number(due), inDripBatch: Boolean(flat[2 * i + 1]) },
      { sendAt: batch.sendAt, duringSeries: deps.duringSeries, windowMs: deps.windowMs },
    );
    if (!decision.send || !s) plan.skip.push({ id, why: decision.send ? 'erased' : decision.why });
    else plan.recipients.push({ id, email: s.email, canonical: s.canonical, firstName: s.firstName, timeZone: s.timeZone } satisfies PlannedRecipient);
  }
  return plan;
}
