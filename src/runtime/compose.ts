// The composition root: builds every long-lived object from a Config. The web
// server, the workers and the tests all start from here, so they share one
// wiring and differ only in which parts they run.
import { createHmac } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection';
import type { Logger } from 'pino';
import { emailBrand, type Config } from '../config';
import { OutboxTransport } from '../delivery/outbox';
import { PacedTransport, RequestPacer } from '../delivery/pacer';
import { ResendTransport } from '../delivery/resend';
import { ConfirmationQueue } from '../delivery/transactional';
import type { Transport } from '../delivery/transport';
import { Metrics } from '../observability/metrics';
import { connectRedis, type RedisTarget } from '../redis/connection';
import { Keys } from '../redis/keys';
import type { RenderContext } from '../render/types';
import { NewsletterService } from '../newsletters/service';
import { NewsletterStore } from '../newsletters/store';
import { Links, TokenSigner } from '../security/tokens';
import { enrolFirstSequence } from '../sequences/enrolment';
import { SubscriptionService } from '../subscribers/service';
import { PreferenceLimiter } from '../subscribers/preference-limits';
import { DEFAULT_SIGNUP_LIMITS, SignupLimiter, type SignupLimitOptions } from '../subscribers/signup-limits';
import { SubscriberStore } from '../subscribers/store';
import { SEND_QUEUE } from './workers';

export interface Core {
  config: Config;
  logger: Logger;
  /** Where Redis is: workers open their own connections to the same place. */
  redisTarget: RedisTarget;
  redis: RedisClient;
  keys: Keys;
  metrics: Metrics;
  signer: TokenSigner;
  links: Links;
  store: SubscriberStore;
  transport: Transport;
  renderContext: RenderContext;
  service: SubscriptionService;
  /** Producer handle on the `send` queue (confirmations); workers/ consumes it. */
  sendQueue: Queue;
  newsletterStore: NewsletterStore;
  newsletters: NewsletterService;
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** The one Redis server; not used when the config names a cluster (REDIS_CLUSTER_NODES). */
  redisUrl?: string;
  logger: Logger;
  signupLimits?: SignupLimitOptions;
  clock?: () => number;
  /** Tests swap the transport; production never does. */
  transport?: Transport;
  metrics?: Metrics;
}

/**
 * Resend when a key is set, paced so every process together stays within
 * RESEND_RATE_LIMIT (confirmations and drip batches share the budget);
 * otherwise the local outbox.
 */
export function createTransport(config: Config, redis: RedisClient, keys: Keys): Transport {
  if (!config.resend.apiKey) return new OutboxTransport(config.outboxDir);
  const resend = new ResendTransport({ apiKey: config.resend.apiKey, baseUrl: config.resend.baseUrl });
  return new PacedTransport(resend, new RequestPacer(redis, keys.scoped('resend', 'pace'), config.resend.rateLimitPerSecond, { jitterBudgetMs: config.resend.jitterBudgetMs }));
}

function targetOf(config: Config, redisUrl: string | undefined): RedisTarget {
  if (config.redisCluster) return { cluster: config.redisCluster };
  if (!redisUrl) throw new Error('no Redis: set REDIS_URL or REDIS_CLUSTER_NODES');
  return { url: redisUrl };
}

export function compose(config: Config, options: ComposeOptions): Core {
  const { logger } = options;
  const redisTarget = targetOf(config, options.redisUrl);
  const redis = connectRedis(redisTarget, logger);
  const keys = new Keys(config.redisKeyPrefix);
  const metrics = options.metrics ?? new Metrics();
  const signer = new TokenSigner(config.appSecret);
  const links = new Links(config.publicUrl, signer, config.confirmTokenTtlMs, config.manageTokenTtlMs, options.clock);
  const store = new SubscriberStore(redis, keys, {
    tombstoneKey: createHmac('sha256', config.appSecret).update('meridian/tombstones/v1').digest('hex'),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const transport = options.transport ?? createTransport(config, redis, keys);
  const renderContext: RenderContext = {
    brand: emailBrand(config),
    links,
  };
  // Shares the connection: a producer never blocks, so it needs none of its own.
  const sendQueue = new Queue(SEND_QUEUE, { connection: redis, prefix: config.redisKeyPrefix });
  sendQueue.on('error', (err) => logger.warn({ err: err.message }, 'send queue error (Redis unreachable?)'));
  const confirmations = new ConfirmationQueue(sendQueue);
  const service = new SubscriptionService({
    store,
    limiter: new SignupLimiter(redis, keys.rateLimit, options.signupLimits ?? { ...DEFAULT_SIGNUP_LIMITS, ...config.signupLimits }),
    signer,
    confirmations,
    enrol: enrolFirstSequence,
    consentTextVersion: config.consentTextVersion,
    clinicName: config.clinic.name,
    logger,
    preferenceLimiter: new PreferenceLimiter(redis, keys.rateLimit),
    // The outbox folder may hold mail from development runs even when Resend delivers now.
    mailCopies: transport instanceof OutboxTransport ? transport : new OutboxTransport(config.outboxDir),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const newsletterStore = new NewsletterStore(redis, keys);
  const newsletters = new NewsletterService({
    store: newsletterStore,
    clinicTimeZone: config.clinic.timeZone,
    defaultHour: config.drip.windowHour,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    config,
    logger,
    redisTarget,
    redis,
    keys,
    metrics,
    signer,
    links,
    store,
    transport,
    renderContext,
    service,
    sendQueue,
    newsletterStore,
    newsletters,
    close: async () => {
      await sendQueue.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
