// What happens when Resend calls us: verify, de-duplicate by message id,
// then suppress or count. Answers fast; every step is idempotent, so
// duplicate and out-of-order deliveries are harmless.
import type { RedisClient } from '../redis/connection';
import type { Logger } from 'pino';
import { subscriberOfSendTag } from '../drip/sender';
import type { Metrics } from '../observability/metrics';
import { checkAddress } from '../subscribers/address';
import type { Keys } from '../redis/keys';
import type { SubscriberStore } from '../subscribers/store';
import { SubscriberEvents } from './subscriber-events';
import { interpretResendEvent, verifyResendWebhook, type IncomingHeaders, type ResendEvent, type ResendWebhookVerifier } from './resend';

export interface WebhookDeps {
  redis: RedisClient;
  keys: Keys;
  store: SubscriberStore;
  verifier: ResendWebhookVerifier;
  secret: string | undefined;
  metrics: Metrics;
  logger: Logger;
}

export interface WebhookReply {
  status: 200 | 202 | 401 | 400 | 503;
  body: { ok: boolean; message: string };
}

/** Svix retries for up to a few days; remember ids a little longer. */
const SEEN_TTL_SECONDS = 7 * 24 * 3600;

export async function handleResendWebhook(
  deps: WebhookDeps,
  input: { rawBody: string; headers: IncomingHeaders; now: Date },
): Promise<WebhookReply> {
  if (!deps.secret) {
    return { status: 503, body: { ok: false, message: 'Webhooks are not configured: set RESEND_WEBHOOK_SECRET.' } };
  }
  const verified = verifyResendWebhook(deps.verifier, { rawBody: input.rawBody, headers: input.headers, secret: deps.secret, now: input.now });
  if (!verified.ok) {
    deps.logger.warn({ reason: verified.reason }, 'webhook rejected');
    const status = verified.reason === 'malformed' ? 400 : 401;
    return { status, body: { ok: false, message: verified.message } };
  }
  const seenKey = deps.keys.webhookSeen(verified.webhookId);
  const first = await deps.redis.set(seenKey, '1', 'EX', SEEN_TTL_SECONDS, 'NX');
  if (first === null) return { status: 200, body: { ok: true, message: 'duplicate delivery ignored' } };
  try {
    return await apply(deps, verified.event, verified.webhookId);
  } catch (err) {
    // Forget the id so Resend's retry of this delivery is processed, not skipped.
    await deps.redis.del(seenKey).catch(() => undefined);
    throw err;
  }
}

async function apply(deps: WebhookDeps, event: ResendEvent, webhookId: string): Promise<WebhookReply> {
  const verified = { event, webhookId };
  const meaning = interpretResendEvent(verified.event);
  if (meaning.kind === 'suppress') {
    const subscriberIds = meaning.sendId !== null ? [subscriberOfSendTag(meaning.sendId)] : await byAddress(deps.store, meaning.to ?? []);
    for (const subscriberId of subscriberIds) {
      if (!subscriberId) continue;
      const result = await deps.store.suppress(subscriberId, meaning.reason, {
        event: verified.event.type,
        emailId: meaning.emailId ?? '',
        webhookId: verified.webhookId,
      });
      deps.logger.info({ subscriberId, reason: meaning.reason, result }, 'subscriber suppressed by provider event');
    }
    deps.metrics.deliveryEvents.inc({ event: meaning.reason, sequence: meaning.sequence ?? 'none', step: meaning.step ?? 'none' });
    await countStep(deps, meaning.sequence, meaning.step, meaning.reason);
    await recordForSubscriber(deps, meaning.sendId, event, meaning);
  } else if (meaning.kind === 'count') {
    deps.metrics.deliveryEvents.inc({ event: meaning.metric, sequence: meaning.sequence ?? 'none', step: meaning.step ?? 'none' });
    await countStep(deps, meaning.sequence, meaning.step, meaning.metric);
    await recordForSubscriber(deps, meaning.sendId, event, meaning);
  }
  return { status: 200, body: { ok: true, message: meaning.kind === 'ignore' ? meaning.why : 'processed' } };
}

/** The event on the subscriber's own timeline (console), when the send tag names them. */
async function recordForSubscriber(
  deps: WebhookDeps,
  sendId: string | null,
  event: ResendEvent,
  meaning: { sequence: string | null; step: string | null; emailId: string | null },
): Promise<void> {
  const subscriberId = sendId ? subscriberOfSendTag(sendId) : null;
  if (!subscriberId) return;
  const data = event.data;
  const createdAt = typeof event.created_at === 'string' && !Number.isNaN(Date.parse(event.created_at)) ? new Date(event.created_at).toISOString() : new Date().toISOString();
  const bounce = data.bounce && typeof data.bounce === 'object' ? (data.bounce as Record<string, unknown>) : null;
  await new SubscriberEvents(deps.redis, deps.keys).record(subscriberId, {
    at: createdAt,
    type: event.type,
    sequence: meaning.sequence,
    step: meaning.step,
    emailId: meaning.emailId,
    ...(bounce && typeof bounce.type === 'string' ? { detail: `bounce: ${bounce.type}${typeof bounce.subType === 'string' ? ` / ${bounce.subType}` : ''}` } : {}),
  });
}

/** Subscribers behind recipient addresses, found by canonical form (the same person however the address is typed). */
async function byAddress(store: SubscriberStore, to: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const address of to) {
    const checked = checkAddress(address);
    if (!checked.ok) continue;
    const subscriber = await store.findByCanonical(checked.canonical);
    if (subscriber) ids.push(subscriber.id);
  }
  return ids;
}

async function countStep(deps: WebhookDeps, sequence: string | null, step: string | null, metric: string): Promise<void> {
  if (!sequence || !step) return;
  await deps.redis.hincrby(deps.keys.stepStats(sequence, step), metric, 1);
}
