import type { FastifyInstance } from 'fastify';
import { buildApp } from '../web/app';
import type { Core } from './compose';
import { createHealth } from './health';
import { webPlugins } from './web-plugins';

/** Builds the HTTP app from the core and listens on PORT. */
export async function startWeb(core: Core): Promise<FastifyInstance> {
  const app = await createWebApp(core);
  await app.listen({ port: core.config.port, host: core.config.host });
  return app;
}

export function createWebApp(core: Core): Promise<FastifyInstance> {
  return buildApp({
    config: core.config,
    service: core.service,
    logger: core.logger,
    metrics: core.metrics,
    health: createHealth(core.redis, core.keys),
    plugins: webPlugins(core),
  });
}
