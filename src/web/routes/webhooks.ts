import type { FastifyInstance } from 'fastify';
import { handleResendWebhook, type WebhookDeps } from '../../webhooks/handler';

/** POST /webhooks/resend. The signature covers the raw bytes, so this route reads the body unparsed. */
export async function registerWebhookRoutes(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/webhooks/resend', async (request, reply) => {
      const result = await handleResendWebhook(deps, {
        rawBody: typeof request.body === 'string' ? request.body : '',
        headers: request.headers,
        now: new Date(),
      });
      return reply.code(result.status).send(result.body);
    });
  });
}
