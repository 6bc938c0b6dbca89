import type { FastifyInstance } from 'fastify';
import { registerConsole } from '../admin/console';
import { OutboxTransport } from '../delivery/outbox';
import { registerOutboxRoutes } from '../web/routes/outbox';
import { registerWebhookRoutes } from '../web/routes/webhooks';
import { createWebhookVerifier } from '../webhooks/resend';
import type { Core } from './compose';

/** Routes of other domains mounted on the web app: provider webhooks, and the dev outbox viewer. */
export function webPlugins(core: Core): ((app: FastifyInstance) => void | Promise<void>)[] {
  const plugins: ((app: FastifyInstance) => void | Promise<void>)[] = [
    (app) =>
      registerWebhookRoutes(app, {
        redis: core.redis,
        keys: core.keys,
        store: core.store,
        verifier: createWebhookVerifier(core.config.resend.apiKey),
        secret: core.config.resend.webhookSecret,
        metrics: core.metrics,
        logger: core.logger,
      }),
  ];
  // The marketer's console under /admin (off in production until an account exists).
  plugins.push((app) => registerConsole(app, core));
  if (core.config.env !== 'production' && core.transport instanceof OutboxTransport) {
    const outbox = core.transport;
    plugins.push((app) => registerOutboxRoutes(app, core.config, outbox));
  }
  return plugins;
}
