// BullMQ wiring: queues, the recurring scheduler tick, the send worker and
// how provider errors become BullMQ behaviour. The processors themselves are
// plain functions in src/drip/.
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/connection';
import {
  IdempotencyMismatchError,
  PermanentBatchError,
  QuotaExceededError,
  RateLimitedError,
  TransportError,
} from '../delivery/errors';
import { SEND_PRIORITY } from '../delivery/priority';
import { CONFIRM_JOB, confirmationGaveUp, processConfirmation, type ConfirmationDeps } from '../delivery/transactional';
import { QuotaAlert } from '../delivery/quota-alert';
import { processSendBatch, type SendDeps } from '../drip/sender';
import { ruleFromConfig, runClaimLoop, type TickDeps } from '../drip/scheduler';
import { DripStore } from '../drip/store';
import { runNewsletterTick, type NewsletterTickDeps } from '../newsletters/scheduler';
import { newsletterBatchGaveUp, processNewsletterBatch, type NewsletterSendDeps } from '../newsletters/sender';
import { connectRedis } from '../redis/connection';
import type { Core } from './compose';
import { recordTick } from './health';

// Queue names may not contain ":" (BullMQ uses it in its own keys).
export const SCHEDULER_QUEUE = 'scheduler';
export const SEND_QUEUE = 'send';
/** Job names on the send queue: a drip batch or a newsletter batch (the job id is the batch id either way). */
export const DRIP_JOB = 'send';
export const NEWSLETTER_JOB = 'newsletter';
/** The BullMQ job schedulers of the scheduler queue: the drip tick and the newsletter tick, every SCHEDULER_TICK. */
export const TICK_SCHEDULER = 'drip-tick';
export const NEWSLETTER_TICK_SCHEDULER = 'newsletter-tick';

export const SEND_JOB_OPTIONS: JobsOptions = {
  // Transient provider failures (5xx, dropped connections) retry with
  // exponential backoff and jitter: 2 s, 4 s, 8 s ... capped by attempts.
  attempts: 15,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  // Bounded history: enough to debug a day, never unbounded growth.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

export interface WorkerSet {
  sendQueue: Queue;
  schedulerQueue: Queue;
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Run the recurring scheduler tick (claims what is due). */
  scheduler: boolean;
  /** Run the send worker (renders and delivers batches). */
  sender: boolean;
}

export async function startWorkers(core: Core, options: WorkerOptions): Promise<WorkerSet> {
  const { config, logger } = core;
  const prefix = config.redisKeyPrefix;
  const connections: RedisClient[] = [];
  const connection = () => {
    const c = connectRedis(core.redisTarget, logger);
    connections.push(c);
    return c;
  };
  const drip = new DripStore(core.redis, core.keys);
  const rule = ruleFromConfig(config);
  const sendQueue = new Queue(SEND_QUEUE, { connection: connection(), prefix, defaultJobOptions: SEND_JOB_OPTIONS });
  const schedulerQueue = new Queue(SCHEDULER_QUEUE, { connection: connection(), prefix });
  const workers: Worker[] = [];
  let tickWatch: NodeJS.Timeout | undefined;
  let closing = false;

  if (options.scheduler) {
    const tickDeps: TickDeps = {
      drip,
      subscribers: core.store,
      rule,
      logger,
      enqueue: async (batchIds) => {
        await sendQueue.addBulk(batchIds.map((batchId) => ({ name: DRIP_JOB, data: { batchId }, opts: { jobId: batchId, priority: SEND_PRIORITY.drip } })));
      },
      maxClaimedBatches: config.maxClaimedBatches,
      jobExists: async (batchId) => (await sendQueue.getJob(batchId)) !== undefined,
    };
    const newsletterTickDeps: NewsletterTickDeps = {
      store: core.newsletterStore,
      redis: core.redis,
      subscriberIndexKey: core.keys.canonicalIndex,
      subscriberKey: (id) => core.keys.subscriber(id),
      clinicTimeZone: config.clinic.timeZone,
      logger,
      // Priority 3: confirmations (1) and drip steps (2) queued later still go first.
      enqueue: async (batchId) => {
        await sendQueue.add(NEWSLETTER_JOB, { batchId }, { jobId: batchId, priority: SEND_PRIORITY.newsletter });
      },
      jobState: async (batchId) => {
        const job = await sendQueue.getJob(batchId);
        if (!job) return { state: 'missing' };
        if ((await job.getState()) === 'failed') return { state: 'failed', reason: job.failedReason || 'the send job failed' };
        return { state: 'live' };
      },
      queued: () => sendQueue.getJobCountByTypes('wait', 'prioritized'),
    };
    const schedulers = [
      { id: TICK_SCHEDULER, name: 'tick' },
      { id: NEWSLETTER_TICK_SCHEDULER, name: 'newsletter-tick' },
    ];
    const register = (s: { id: string; name: string }) =>
      schedulerQueue.upsertJobScheduler(
        s.id,
        { every: config.schedulerTickMs },
        { name: s.name, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
      );
    for (const s of schedulers) await register(s);
    // A Redis that comes back empty (restarted without persistence, failed
    // over to an empty replica, flushed) has lost the job schedulers, and
    // nothing would ever tick again. Look for them regularly and put them back.
    const watchTicks = async () => {
      for (const s of schedulers) {
        if (closing) return;
        try {
          if (await schedulerQueue.getJobScheduler(s.id)) continue;
          await register(s);
          logger.warn({ scheduler: s.id }, 'a tick job scheduler was missing (Redis restarted empty?); registered it again');
        } catch {
          // Redis unreachable: the next look will tell.
        }
      }
    };
    tickWatch = setInterval(() => void watchTicks(), Math.max(5 * config.schedulerTickMs, 1000));
    tickWatch.unref();
    const tickWorker = new Worker(
      SCHEDULER_QUEUE,
      async (job) => {
        if (job.name === 'newsletter-tick') return runNewsletterTick(newsletterTickDeps, Date.now());
        const result = await runClaimLoop(tickDeps, { stopped: () => closing });
        // PENDING_RETENTION: never-confirmed signups go after their last confirmation email
        // ages out (one O(log n) read when none is due).
        const purged = await core.store.purgePending(Date.now() - config.pendingRetentionMs);
        if (purged > 0) logger.info({ purged }, 'pending signups past PENDING_RETENTION erased');
        // /readyz reads this: the tick ran, recently.
        await recordTick(core.redis, core.keys, config.schedulerTickMs, Date.now());
        core.metrics.dueSubscribers.set(await drip.dueCount());
        return result;
      },
      // Two: a drip claim loop (up to 10 s while a big send is due) must not hold up the newsletter tick.
      { connection: connection(), prefix, concurrency: 2 },
    );
    tickWorker.on('failed', (_job, err) => logger.error({ err }, 'scheduler tick failed'));
    workers.push(tickWorker);
  }

  if (options.sender) {
    const sendDeps: SendDeps = {
      drip,
      subscribers: core.store,
      transport: core.transport,
      renderContext: core.renderContext,
      from: config.emailFrom,
      rule,
      logger,
      metrics: core.metrics,
    };
    // RESEND_RATE_LIMIT requests per second, enforced by BullMQ for the whole
    // queue, so every worker process on every machine shares one budget.
    // BullMQ's limiter is a fixed window that starts with its first job, so
    // { max: N, duration: 1000 } lets up to 2N - 1 jobs start within one
    // second across a window edge, which a provider counting over a sliding
    // second (Resend) answers with 429. One job per 1000/N ms keeps any
    // sliding second at N.
    const newsletterDeps: NewsletterSendDeps = {
      store: core.newsletterStore,
      subscribers: core.store,
      redis: core.redis,
      keys: core.keys,
      transport: core.transport,
      renderContext: core.renderContext,
      from: config.emailFrom,
      duringSeries: config.newsletter.duringSeries,
      windowMs: config.drip.intervalMs,
      logger,
      metrics: core.metrics,
    };
    const perSecond = config.resend.rateLimitPerSecond;
    const limiter = { max: 1, duration: Math.ceil(1000 / perSecond) };
    let sendWorker: Worker;
    const confirmationDeps: ConfirmationDeps = {
      store: core.store,
      transport: core.transport,
      context: core.renderContext,
      links: core.links,
      from: config.emailFrom,
      logger,
      metrics: core.metrics,
    };
    const quotaAlert = new QuotaAlert(core.redis, core.keys);
    const processor = async (job: Job, token?: string) => {
      try {
        // Confirmations share this queue, its limiter and the pacer; they
        // come first by priority (delivery/priority.ts), then drip steps, then newsletters.
        if (job.name === CONFIRM_JOB) return await processConfirmation(job.data, confirmationDeps);
        const result =
          job.name === NEWSLETTER_JOB
            ? await processNewsletterBatch(job.data.batchId, newsletterDeps, Date.now)
            : await processSendBatch(job.data.batchId, sendDeps, Date.now);
        // Cleared only once a batch goes through: the quota is back.
        core.metrics.quotaParked.set(0);
        if (job.name !== CONFIRM_JOB) await quotaAlert.clear();
        return result;
      } catch (err) {
        if (err instanceof RateLimitedError) {
          // No attempt is used up: the whole queue pauses for retry-after.
          core.metrics.providerThrottled.inc({ kind: 'rate' });
          logger.warn({ ...jobRef(job), retryAfterMs: err.retryAfterMs }, 'provider rate limit: pausing the send queue');
          await sendQueue.rateLimit(err.retryAfterMs);
          throw Worker.RateLimitError();
        }
        if (err instanceof QuotaExceededError) {
          // Park until the quota resets; retrying sooner only burns requests.
          core.metrics.providerThrottled.inc({ kind: err.quota === 'monthly' ? 'monthly_quota' : 'daily_quota' });
          core.metrics.quotaParked.set(1);
          await quotaAlert.raise(err.quota, err.resumeAt, Date.now());
          logger.error(
            { ...jobRef(job), quota: err.quota, resumeAt: err.resumeAt.toISOString() },
            'ALERT: provider sending quota exhausted; batch parked until the quota resets',
          );
          await job.moveToDelayed(err.resumeAt.getTime(), token);
          throw new DelayedError();
        }
        if (err instanceof IdempotencyMismatchError) {
          logger.fatal({ ...jobRef(job), err }, 'BUG: a retried batch produced a different payload; its send is stopped');
          throw new UnrecoverableError(err.message);
        }
        if (err instanceof PermanentBatchError) {
          logger.error({ ...jobRef(job), err }, 'provider rejected the whole batch; fix the cause (API key, sender domain), then retry the failed job');
          throw new UnrecoverableError(err.message);
        }
        if (err instanceof TransportError) {
          logger.warn({ ...jobRef(job), attempt: job.attemptsMade + 1, err: err.message }, 'transient delivery failure; will retry with backoff');
        }
        throw err;
      }
    };
    sendWorker = new Worker(SEND_QUEUE, processor, {
      connection: connection(),
      prefix,
      concurrency: config.workerConcurrency,
      limiter,
      // A batch is one render plus one HTTP call: seconds at most. A lock a
      // few times longer than that lets a crashed worker's job be taken over
      // soon, while a slow but live worker keeps it (the lock is renewed
      // every lockDuration / 2).
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      // A batch that keeps killing workers is failed after this many stalls.
      maxStalledCount: 10,
    });
    sendWorker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
      if (!final) return;
      if (job.name === CONFIRM_JOB) {
        confirmationGaveUp(job.data, confirmationDeps, err).catch((e: unknown) => logger.error({ err: e }, 'could not clear the confirmation throttle'));
        return;
      }
      if (job.name === NEWSLETTER_JOB) {
        newsletterBatchGaveUp(String(job.data.batchId), newsletterDeps, err.message, Date.now()).catch((e: unknown) =>
          logger.error({ err: e, batchId: job.data.batchId }, 'could not release a failed newsletter batch; the next newsletter tick will'),
        );
        return;
      }
      logger.error({ batchId: job.data.batchId, err: err.message }, 'send batch failed for good');
    });
    workers.push(sendWorker);
  }

  // Without an 'error' listener BullMQ prints every failed reconnect with
  // console.error (unstructured, once per attempt while Redis is down). Log
  // through pino instead, at most once per 10 s per component.
  const lastWarned = new Map<string, number>();
  const onError = (component: string) => (err: Error) => {
    const now = Date.now();
    if (now - (lastWarned.get(component) ?? 0) < 10_000) return;
    lastWarned.set(component, now);
    logger.warn({ component, err: err.message }, 'BullMQ error (Redis unreachable?); retrying');
  };
  sendQueue.on('error', onError('send-queue'));
  schedulerQueue.on('error', onError('scheduler-queue'));
  for (const w of workers) w.on('error', onError(`${w.name}-worker`));

  return {
    sendQueue,
    schedulerQueue,
    close: async () => {
      closing = true;
      clearInterval(tickWatch);
      // Worker.close() stops taking jobs and waits for the in-flight ones.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([sendQueue.close(), schedulerQueue.close()]);
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** What a log line about a send job names: the batch, or the subscriber of a confirmation. */
function jobRef(job: Job): { batchId: string } | { subscriberId: string } {
  return job.name === CONFIRM_JOB ? { subscriberId: String(job.data.subscriberId) } : { batchId: String(job.data.batchId) };
}
