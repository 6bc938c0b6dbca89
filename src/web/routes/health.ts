import type { FastifyInstance } from 'fastify';
import type { Health } from '../../runtime/health';

/** GET /healthz (liveness) and GET /readyz (readiness); both answer within a second, never hang. */
export function registerHealthRoutes(app: FastifyInstance, health: Health): void {
  app.get('/healthz', async (_request, reply) => {
    const ok = await health.live().catch(() => false);
    return reply.code(ok ? 200 : 503).header('cache-control', 'no-store').send({ ok });
  });

  app.get('/readyz', async (_request, reply) => {
    const report = await health.ready().catch(() => ({ ok: false, checks: { redis: 'unreachable', scheduler: 'unknown' } }));
    return reply.code(report.ok ? 200 : 503).header('cache-control', 'no-store').send(report);
  });
}
