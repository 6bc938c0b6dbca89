// The send processor: one claimed batch -> one provider call -> one atomic
// completion. A plain function of (batch id, dependencies); the BullMQ
// wiring in runtime/workers.ts maps thrown TransportErrors to retries,
// rate-limit pauses and parking.
import type { Logger } from 'pino';
import { encodeSendRecord, sendLedgerField } from '../delivery/send-ledger';
import type { OutgoingEmail, Transport } from '../delivery/transport';
import type { Metrics } from '../observability/metrics';
import { createPersonaliser, type Personaliser } from '../render/render';
import { isTemplateId } from '../render/templates';
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

export async function processSendBatch(batchId: string, deps: SendDeps, now: number): Promise<SendResult> {
  const batch = await deps.drip.loadBatch(batchId);
  if (!batch) return { status: 'already-complete' };
  const sequence = findSequence(batch.sequence);
  const step = sequence?.steps.find((s) => s.id === batch.step);
  if (!sequence || !step || !isTemplateId(step.template)) {
    // Content changed under a queued batch: nothing sensible to send.
    deps.logger.error({ batchId, sequence: batch.sequence, step: batch.step }, 'batch names a sequence step that no longer exists; dropping it');
    await deps.drip.complete(batchId, now, batch.members.map((id) => skipped(id)));
    return { status: 'completed', sent: 0, failed: 0, skipped: batch.members.length, requeued: 0 };
  }

  // Status is checked again at send time, once: the plan is then frozen so a
  // retry sends byte-identical emails under the same Idempotency-Key.
  const plan = batch.plan ?? (await deps.drip.freeze(batchId, await makePlan(batch.members, batch.sequence, batch.step, deps, now)));
  if (!plan) return { status: 'already-complete' };
  const recipients = plan.recipients;

  const results: MemberResult[] = [];
  let sent = 0;
  let failed = 0;
  if (recipients.length > 0) {
    const personalise = await createPersonaliser(step.template, deps.renderContext);
    const emails = dripEmails(recipients, sequence.id, step.id, personalise, deps.from);
    const outcomes = await deps.transport.sendBatch(emails, { idempotencyKey: `meridian-${batchId}` });
    const next = stepAfter(sequence, step.id);
    for (const [i, r] of recipients.entries()) {
      const outcome = outcomes[i];
      const field = sendLedgerField(sequence.id, step.id);
      if (outcome?.ok) {
        sent += 1;
        results.push({
          id: r.id,
          outcome: 'sent',
          ledgerField: field,
          ledgerValue: encodeSendRecord(now, 'sent'),
          nextStep: next ? next.step.id : '',
          nextDue: next ? nextStepDue(now, { ...deps.rule, intervalMs: deps.rule.intervalMs * next.gap }, r.timeZone) : false,
        });
      } else {
        failed += 1;
        const reason = outcome ? outcome.reason : 'the provider returned no result for this email';
        deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: step.template, reason: 'rejected' });
        results.push({
          id: r.id,
          outcome: 'failed',
          ledgerField: field,
          ledgerValue: encodeSendRecord(now, 'failed', reason),
          nextStep: step.id,
          nextDue: false,
        });
      }
    }
    deps.metrics.emailsSent.inc({ transport: deps.transport.name, template: step.template }, sent);
  }
  for (const s of plan.skip) results.push(skipped(s.id));
  for (const q of plan.requeue) results.push({ id: q.id, outcome: 'requeue', ledgerField: '', ledgerValue: '', nextStep: step.id, nextDue: q.at });

  await deps.drip.complete(batchId, now, results);
  deps.logger.info(
    { batchId, sequence: sequence.id, step: step.id, sent, failed, skipped: plan.skip.length, requeued: plan.requeue.length },
    'send batch completed',
  );
  return { status: 'completed', sent, failed, skipped: plan.skip.length, requeued: plan.requeue.length };
}

/** The emails of one batch, in plan order: a pure function of the frozen plan, so a retry is byte-identical. */
export function dripEmails(recipients: PlannedRecipient[], sequenceId: string, stepId: string, personalise: Personaliser, from: string): OutgoingEmail[] {
  return recipients.map((r) => {
    const rendered = personalise({ subscriberId: r.id, email: r.email, canonical: r.canonical, firstName: r.firstName });
    return {
      from,
      to: r.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: rendered.headers,
      tags: [
        { name: 'sequence', value: sequenceId },
        { name: 'step', value: stepId },
        { name: 'send', value: sendTag(r.id, stepId) },
      ],
    };
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
