// The send processor: one claimed batch -> one provider call -> one atomic
// completion. A plain function of (batch id, dependencies); the BullMQ
// wiring in runtime/workers.ts maps thrown TransportErrors to retries,
// rate-limit pauses and parking.
import type { Logger } from 'pino';
import { sendUnderKey } from '../delivery/retry-plan';
import { encodeSendRecord, sendLedgerField } from '../delivery/send-ledger';
import { addressed, type OutgoingEmail, type Transport } from '../delivery/transport';
import type { Metrics } from '../observability/metrics';
import { createPersonaliser, type Personaliser } from '../render/render';
import { isTemplateId, type TemplateId } from '../render/templates';
import type { RenderContext } from '../render/types';
import { nextStepDue, type SendWindowRule } from '../scheduling/window';
import { findSequence, stepAfter } from '../sequences/enrolment';
import type { SubscriberStore } from '../subscribers/store';
import type { BatchPlan, DripStore, MemberResult, PlannedRecipient } from './store';

export interface SendDeps {
  drip: DripStore;
  subscribers: SubscriberStore;
  transport: Transport;
  renderContext: RenderContext;
  from: string;
  rule: SendWindowRule;
  logger: Logger;
  metrics: Metrics;
}

export type SendResult =
  | { status: 'already-complete' }
  | { status: 'completed'; sent: number; failed: number; skipped: number; requeued: number };

/** The send-ledger id carried in the `send` tag: no address, just ids. */
export function sendTag(subscriberId: string, stepId: string): string {
  return `${subscriberId}_${stepId}`;
}

export function subscriberOfSendTag(tag: string): string | null {
  const at = tag.indexOf('_');
  return at > 0 ? tag.slice(0, at) : null;
}

/**
 * `now` is a fixed time (tests) or a clock: read once to plan, and again when
 * the provider answers, which is the time the send ledger records.
 */
export async function processSendBatch(batchId: string, deps: SendDeps, now: number | (() => number)): Promise<SendResult> {
  const clock = typeof now === 'number' ? () => now : now;
  const plannedAt = clock();
  const batch = await deps.drip.loadBatch(batchId);
  if (!batch) return { status: 'already-complete' };
  const sequence = findSequence(batch.sequence);
  const step = sequence?.steps.find((s) => s.id === batch.step);
  if (!sequence || !step || !isTemplateId(step.template)) {
    // Content changed under a queued batch: nothing sensible to send.
    deps.logger.error({ batchId, sequence: batch.sequence, step: batch.step }, 'batch names a sequence step that no longer exists; dropping it');
    await deps.drip.complete(batchId, plannedAt, batch.members.map((id) => skipped(id)));
    return { status: 'completed', sent: 0, failed: 0, skipped: batch.members.length, requeued: 0 };
  }

  // Status is checked when the plan is frozen on the first attempt; a retry
  // checks again and may leave readers out (delivery/retry-plan.ts).
  const firstAttempt = !batch.plan;
  const plan = batch.plan ?? (await deps.drip.freeze(batchId, await makePlan(batch.members, batch.sequence, batch.step, deps, plannedAt)));
  if (!plan) return { status: 'already-complete' };

  const results: MemberResult[] = [];
  let sent = 0;
  let failed = 0;
  let acceptedAt = plannedAt;
  let leftOut: PlannedRecipient[] = [];
  if (plan.recipients.length > 0) {
    const personalise = await personaliserFor(step.template, deps.renderContext);
    const delivery = await sendUnderKey({
      recipients: plan.recipients,
      trials: batch.trials,
      firstAttempt,
      stillEligible: async (recipients) => {
        const retry = await makePlan(recipients.map((r) => r.id), sequence.id, step.id, deps, clock());
        return new Set(retry.recipients.map((r) => r.id));
      },
      send: (recipients) => deps.transport.sendBatch(dripEmails(recipients, sequence.id, step.id, personalise, deps.from), { idempotencyKey: `meridian-${batchId}` }),
      noteTrial: (trial) => deps.drip.noteTrial(batchId, trial),
      clock,
    });
    acceptedAt = delivery.acceptedAt;
    leftOut = delivery.leftOut;
    const next = stepAfter(sequence, step.id);
    const field = sendLedgerField(sequence.id, step.id);
    // Everyone in the batch shares the acceptance time and the rule: one window sum per time zone, not per recipient.
    const dueByZone = new Map<string | null, number>();
    const nextDueFor = (timeZone: string | null): number => {
      let due = dueByZone.get(timeZone);
      if (due === undefined) {
        due = nextStepDue(acceptedAt, { ...deps.rule, intervalMs: deps.rule.intervalMs * next!.gap }, timeZone);
        dueByZone.set(timeZone, due);
      }
      return due;
    };
    for (const [i, r] of delivery.recipients.entries()) {
      const outcome = delivery.outcomes[i];
      if (outcome?.ok) {
        sent += 1;
        results.push({
          id: r.id,
          outcome: 'sent',
          ledgerField: field,
          ledgerValue: encodeSendRecord(acceptedAt, 'sent'),
          nextStep: next ? next.step.id : '',
          nextDue: next ? nextDueFor(r.timeZone) : false,
        });
      } else {
        failed += 1;
        const reason = outcome ? outcome.reason : 'the provider returned no result for this email';
        deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: step.template, reason: 'rejected' });
        results.push({
          id: r.id,
          outcome: 'failed',
          ledgerField: field,
          ledgerValue: encodeSendRecord(acceptedAt, 'failed', reason),
          nextStep: step.id,
          nextDue: false,
        });
      }
    }
    deps.metrics.emailsSent.inc({ transport: deps.transport.name, template: step.template }, sent);
  }
  // Left out by a retry: skipped, or (paused since) back in the due index for when they resume.
  const recheck = leftOut.length > 0 ? await makePlan(leftOut.map((r) => r.id), sequence.id, step.id, deps, acceptedAt) : null;
  // Someone eligible again by now (resubscribed) did not get it: due again at once.
  const skips = [...plan.skip, ...(recheck?.skip ?? [])];
  const requeues = [...plan.requeue, ...(recheck?.requeue ?? []), ...(recheck?.recipients.map((r) => ({ id: r.id, at: acceptedAt, why: 'eligible again' })) ?? [])];
  for (const s of skips) results.push(skipped(s.id));
  for (const q of requeues) results.push({ id: q.id, outcome: 'requeue', ledgerField: '', ledgerValue: '', nextStep: step.id, nextDue: q.at });

  await deps.drip.complete(batchId, acceptedAt, results);
  deps.logger.info(
    { batchId, sequence: sequence.id, step: step.id, sent, failed, skipped: skips.length, requeued: requeues.length, leftOutByRetry: leftOut.length },
    'send batch completed',
  );
  return { status: 'completed', sent, failed, skipped: skips.length, requeued: requeues.length };
}

// One personaliser per template and render context for the life of the
// process: a batch then costs one splice per recipient, not two React renders.
// Its output depends only on the template and the context, so a retry is
// still byte-identical.
const personalisers = new WeakMap<RenderContext, Map<TemplateId, Promise<Personaliser>>>();

function personaliserFor(template: TemplateId, context: RenderContext): Promise<Personaliser> {
  let byTemplate = personalisers.get(context);
  if (!byTemplate) personalisers.set(context, (byTemplate = new Map()));
  let p = byTemplate.get(template);
  if (!p) {
    p = createPersonaliser(template, context);
    p.catch(() => byTemplate.delete(template));
    byTemplate.set(template, p);
  }
  return p;
}

/** The emails of one batch, in plan order: a pure function of the frozen plan, so a retry is byte-identical. */
export function dripEmails(recipients: PlannedRecipient[], sequenceId: string, stepId: string, personalise: Personaliser, from: string): OutgoingEmail[] {
  return recipients.map((r) => {
    const rendered = personalise({ subscriberId: r.id, email: r.email, canonical: r.canonical, firstName: r.firstName });
    return addressed(rendered, from, r.email, [
      { name: 'sequence', value: sequenceId },
      { name: 'step', value: stepId },
      { name: 'send', value: sendTag(r.id, stepId) },
    ]);
  });
}

async function makePlan(members: string[], sequenceId: string, stepId: string, deps: SendDeps, now: number): Promise<BatchPlan> {
  const subscribers = await deps.subscribers.getMany(members);
  const plan: BatchPlan = { recipients: [], skip: [], requeue: [] };
  const sequence = findSequence(sequenceId);
  for (const [i, id] of members.entries()) {
    const s = subscribers[i];
    if (!s) {
      plan.skip.push({ id, why: 'erased' });
    } else if (s.sequence !== sequenceId || s.step !== stepId || !sequence || !s.topics.includes(sequence.topic as never)) {
      plan.skip.push({ id, why: 'no longer at this step' });
    } else if (s.status === 'paused') {
      plan.requeue.push({ id, at: s.pausedUntil ?? now, why: 'paused' });
    } else if (s.status !== 'active') {
      plan.skip.push({ id, why: s.status });
    } else {
      plan.recipients.push({ id, email: s.email, canonical: s.canonical, firstName: s.firstName, timeZone: s.timeZone });
    }
  }
  return plan;
}

function skipped(id: string): MemberResult {
  return { id, outcome: 'skipped', ledgerField: '', ledgerValue: '', nextStep: '', nextDue: false };
}
