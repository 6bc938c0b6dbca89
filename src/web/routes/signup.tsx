import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../app';
import { requestMeta } from '../app';
import { isConsent } from '../../subscribers/service';
import { BookPage } from '../pages/book';
import { CheckInboxPage, SignupPage } from '../pages/signup';
import { brandOf, errorPage, sendPage } from '../respond';

/** A value shown again in the form after an error: bounded, and without control characters (a NUL in HTML is a parse error). */
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 300).replace(/[\u0000-\u001f\u007f-\u009f]/g, '') : undefined;
}

export function registerSignupRoutes(app: FastifyInstance, deps: WebDeps): void {
  const brand = brandOf(deps.config);
  // Without a Resend key outside production, mail goes to the /outbox viewer.
  const outboxHint = deps.config.env !== 'production' && !deps.config.resend.apiKey;

  app.get('/', async (_request, reply) =>
    sendPage(reply, 200, <SignupPage brand={brand} consentText={deps.service.consent().text} />),
  );

  // The HTML form, on this site or embedded on another (see README).
  app.post('/subscribe', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const result = await deps.service.signup(body, requestMeta(request), 'embed');
    deps.metrics.signups.inc({ outcome: result.ok ? 'accepted' : `rejected_${result.status}` });
    if (result.ok) {
      request.logFields = { ...result.event };
      // A browser gets the check-inbox page in this response, showing the
      // address just typed: it never travels in a URL (URLs end up in logs and
      // history) nor in a cookie. Other clients get the plain redirect.
      const typed = str(body?.email)?.trim();
      if (typed && acceptsHtml(request.headers.accept)) {
        return sendPage(reply, 200, <CheckInboxPage brand={brand} email={typed} outboxHint={outboxHint} />);
      }
      return reply.code(303).header('location', '/check-inbox').send();
    }
    if (result.retryAfterSeconds !== undefined) reply.header('retry-after', String(result.retryAfterSeconds));
    if (request.headers.accept?.includes('application/json') && !request.headers.accept.includes('text/html')) {
      return errorPage(request, reply, deps.config, result.status, result.message, result);
    }
    return sendPage(
      reply,
      result.status,
      <SignupPage
        brand={brand}
        consentText={deps.service.consent().text}
        values={{
          email: str(body?.email),
          firstName: str(body?.firstName),
          consent: isConsent(body?.consent),
          timeZone: str(body?.timeZone)?.slice(0, 64),
          form: formName(body?.form),
        }}
        errors={result.errors ?? [{ field: result.field ?? 'form', message: result.message }]}
      />,
    );
  });

  app.get('/check-inbox', async (_request, reply) =>
    sendPage(reply, 200, <CheckInboxPage brand={brand} email={null} outboxHint={outboxHint} />),
  );

  // The same rules as the form, for sites that post with fetch().
  app.post('/api/subscribe', async (request, reply) => {
    // Media types are case-insensitive (RFC 9110 §8.3.1): Application/JSON is JSON.
    if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) {
      return errorPage(request, reply, deps.config, 415, 'Send JSON with Content-Type: application/json.');
    }
    const result = await deps.service.signup(request.body, requestMeta(request), 'api');
    deps.metrics.signups.inc({ outcome: result.ok ? 'accepted' : `rejected_${result.status}` });
    if (result.ok) {
      request.logFields = { ...result.event };
      return reply.code(202).send({ ok: true, status: 'check-inbox', message: result.message });
    }
    return errorPage(request, reply, deps.config, result.status, result.message, result);
  });

  app.get('/book', async (_request, reply) =>
    sendPage(reply, 200, <BookPage brand={brand} contactEmail={addressOf(deps.config.emailFrom)} />),
  );
}

function acceptsHtml(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('text/html');
}

/** The embedding form's name, kept when the form is shown again; the service re-checks it. */
function formName(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z0-9-]{1,40}$/.test(value) ? value : undefined;
}

function addressOf(from: string): string {
  const match = /<([^>]+)>/.exec(from);
  return (match ? match[1]! : from).trim();
}
