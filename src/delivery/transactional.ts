// The double opt-in confirmation email, as a job on the `send` queue.
//
// The signup request never talks to the provider: it only adds a job (for
// every address, new or known, so the answer and the work done reveal
// nothing), and the send worker decides here whether an email goes out. The
// job sits above drip and newsletter batches (SEND_PRIORITY.confirmation),
// passes the same Redis pacer, and retries transient failures with backoff
// under one Idempotency-Key per confirmation, so a retry never sends twice.
import type { JobsOptions, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import { renderEmail } from '../render/render';
import type { RenderContext } from '../render/types';
import type { Links } from '../security/tokens';
import type { ConfirmationRequest, ConfirmationRequests } from '../subscribers/service';
import type { SubscriberStore } from '../subscribers/store';
import { IdempotencyMismatchError } from './errors';
import { SEND_PRIORITY } from './priority';
import { addressed, type Transport } from './transport';

/** BullMQ job name on the `send` queue. */
export const CONFIRM_JOB = 'confirm';

export const CONFIRM_JOB_OPTIONS: JobsOptions = {
  priority: SEND_PRIORITY.confirmation,
  // 2 s, 4 s, 8 s ... about 2.3 hours in all: a provider outage of that length
  // still ends in an email. After that the throttle is cleared, so the person
  // can ask again at once.
  attempts: 12,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  // Job data holds ids only, never an address.
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

/** The producer side, used by the signup request: one queue.add, whatever the address. */
export class ConfirmationQueue implements ConfirmationRequests {
  constructor(private readonly queue: Pick<Queue, 'add'>) {}

  async request(request: ConfirmationRequest): Promise<void> {
    await this.queue.add(CONFIRM_JOB, request, CONFIRM_JOB_OPTIONS);
  }
}

export interface ConfirmationDeps {
  store: SubscriberStore;
  transport: Transport;
  context: RenderContext;
  links: Links;
  from: string;
  logger: Logger;
  metrics: Metrics;
}

export type ConfirmationResult = 'sent' | 'already-accepted' | 'not-needed' | 'rejected';

/** The key the provider de-duplicates on: one per confirmation, the same for every retry of it. */
export function confirmationKey(subscriberId: string, confirmationAt: number): string {
  return `meridian-confirm-${subscriberId}-${confirmationAt}`;
}

/**
 * Runs one confirmation job. Throws TransportErrors for the worker to map to
 * retries and pauses; returns what happened otherwise.
 */
export async function processConfirmation(request: ConfirmationRequest, deps: ConfirmationDeps): Promise<ConfirmationResult> {
  const { subscriberId, confirmationAt } = request;
  // null: the signup changed nothing worth an email (confirmed, paused,
  // suppressed, or a confirmation went out moments ago).
  if (confirmationAt === null) return 'not-needed';
  const subscriber = await deps.store.get(subscriberId);
  // Confirmed, unsubscribed or erased meanwhile, or superseded by a newer
  // signup's confirmation: this one is no longer wanted.
  if (!subscriber || subscriber.status !== 'pending' || subscriber.confirmationSentAt !== confirmationAt) return 'not-needed';

  // Everything below depends only on the subscriber and confirmationAt, so a
  // retry renders the byte-identical email (same link, same expiry).
  const rendered = await renderEmail(
    'confirm',
    {
      subscriberId: subscriber.id,
      email: subscriber.email,
      canonical: subscriber.canonical,
      firstName: subscriber.firstName,
      confirmUrl: deps.links.confirmUrl(subscriber.id, subscriber.canonical, confirmationAt),
    },
    deps.context,
  );
  const email = addressed(rendered, deps.from, subscriber.email, [
    { name: 'template', value: 'confirm' },
    { name: 'send', value: `${subscriber.id}_confirm` },
  ]);

  let providerId: string | null;
  try {
    const [outcome] = await deps.transport.sendBatch([email], { idempotencyKey: confirmationKey(subscriber.id, confirmationAt) });
    if (!outcome || !outcome.ok) {
      // This address or payload is refused for good: retrying cannot help.
      const reason = outcome && !outcome.ok ? outcome.reason : 'no outcome';
      deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: 'confirm', reason: 'rejected' });
      deps.logger.error({ subscriberId, reason }, 'confirmation email rejected by the transport');
      await deps.store.confirmationSent(subscriberId, false);
      return 'rejected';
    }
    providerId = outcome.providerId;
  } catch (err) {
    // Same key, other body: the provider already accepted an earlier attempt
    // of this confirmation (say, before a deploy changed the template).
    if (!(err instanceof IdempotencyMismatchError)) throw err;
    providerId = null;
  }
  deps.metrics.emailsSent.inc({ transport: deps.transport.name, template: 'confirm' });
  await deps.store.confirmationSent(subscriberId, true);
  deps.logger.info({ subscriberId, providerId }, providerId ? 'confirmation email sent' : 'confirmation email was already accepted');
  return providerId ? 'sent' : 'already-accepted';
}

/** After the last attempt failed: clear the throttle so the person can ask again at once. */
export async function confirmationGaveUp(request: ConfirmationRequest, deps: Pick<ConfirmationDeps, 'store' | 'metrics' | 'transport' | 'logger'>, err: Error): Promise<void> {
  if (request.confirmationAt === null) return;
  deps.metrics.emailsFailed.inc({ transport: deps.transport.name, template: 'confirm', reason: 'gave_up' });
  deps.logger.error({ subscriberId: request.subscriberId, err: err.message }, 'confirmation email could not be sent after every retry');
  const subscriber = await deps.store.get(request.subscriberId);
  if (subscriber && subscriber.status === 'pending' && subscriber.confirmationSentAt === request.confirmationAt) {
    await deps.store.confirmationSent(request.subscriberId, false);
  }
}
