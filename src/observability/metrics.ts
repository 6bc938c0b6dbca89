// Prometheus metrics, one registry per process, exposed at GET /metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly signups = new Counter({
    name: 'meridian_signups_total',
    help: 'Signup form and API submissions by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly lifecycle = new Counter({
    name: 'meridian_subscriber_events_total',
    help: 'Confirmations, unsubscribes, pauses, preference changes and suppressions',
    labelNames: ['event', 'source'] as const,
    registers: [this.registry],
  });
  readonly emailsSent = new Counter({
    name: 'meridian_emails_sent_total',
    help: 'Emails accepted by the transport, by template',
    labelNames: ['transport', 'template'] as const,
    registers: [this.registry],
  });
  readonly emailsFailed = new Counter({
    name: 'meridian_emails_failed_total',
    help: 'Emails the transport rejected, by template and reason class',
    labelNames: ['transport', 'template', 'reason'] as const,
    registers: [this.registry],
  });
  readonly deliveryEvents = new Counter({
    name: 'meridian_delivery_events_total',
    help: 'Provider webhook events (delivered, opened, clicked, bounced, complained) by sequence step',
    labelNames: ['event', 'sequence', 'step'] as const,
    registers: [this.registry],
  });
  readonly providerThrottled = new Counter({
    name: 'meridian_provider_throttled_total',
    help: 'Provider 429 answers, by kind (rate, daily_quota, monthly_quota)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly quotaParked = new Gauge({
    name: 'meridian_quota_parked',
    help: '1 while sending is parked because the provider quota is exhausted',
    registers: [this.registry],
  });
  readonly dueSubscribers = new Gauge({
    name: 'meridian_drip_due',
    help: 'Subscribers in the drip due index',
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'meridian_' });
  }
}
