// GET/POST /embed: the signup form for an <iframe> on the clinic's website.
// Only these responses may be framed by other sites: a signup form is
// low-risk (double opt-in; a framed visitor can only sign up themselves),
// while confirm, unsubscribe and preferences pages stay unframeable
// (frame-ancestors 'none' from the app-wide policy) against clickjacking.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebDeps } from '../app';
import { requestMeta } from '../app';
import { EmbedFormPage, EmbedThanksPage } from '../pages/embed';
import { sendPage } from '../respond';

export const EMBED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; form-action 'self'; " +
  "frame-ancestors *; base-uri 'none'; object-src 'none'";

function frameable(reply: FastifyReply): FastifyReply {
  reply.removeHeader('x-frame-options');
  return reply.header('content-security-policy', EMBED_CSP);
}

/** A value shown again after an error: bounded, no control characters. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 300).replace(/[\u0000-\u001f\u007f-\u009f]/g, '') : undefined;
}

export function registerEmbedRoutes(app: FastifyInstance, deps: WebDeps): void {
  const clinicName = deps.config.clinic.name;
  const consentText = () => deps.service.consent().text;
  const outboxHint = deps.config.env !== 'production' && !deps.config.resend.apiKey;

  app.get('/embed', async (_request, reply) => sendPage(frameable(reply), 200, <EmbedFormPage clinicName={clinicName} consentText={consentText()} />));

  app.post('/embed', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const result = await deps.service.signup(body, requestMeta(request), 'iframe');
    deps.metrics.signups.inc({ outcome: result.ok ? 'accepted' : `rejected_${result.status}` });
    frameable(reply);
    if (result.ok) {
      request.logFields = { ...result.event };
      return sendPage(reply, 200, <EmbedThanksPage clinicName={clinicName} message={result.message} outboxHint={outboxHint} />);
    }
    if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
    return sendPage(
      reply,
      result.status,
      <EmbedFormPage
        clinicName={clinicName}
        consentText={consentText()}
        values={{ email: str(body?.email), firstName: str(body?.firstName) }}
        error={{ message: result.message, ...(result.field ? { field: result.field } : {}) }}
      />,
    );
  });
}
