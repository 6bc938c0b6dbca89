// Link tokens in request URLs are credentials (a manage token changes a
// reader's preferences): logs get the route, never the token.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

export const REDACTED = '[token]';

// Our signed tokens are dotted runs ("v1.manage.<id>.<digest>.<exp>.<mac>");
// any other long opaque segment (a job id, a future token format) goes too.
const TOKEN_SEGMENT = /^(?:[A-Za-z0-9_~%-]*\.[A-Za-z0-9_.~%-]{16,}|[A-Za-z0-9_.~%-]{40,})$/;
const SECRET_PARAMS = /^(?:token|key|secret|signature|sig|code|password|auth)$/i;

/** The URL with every token-like path segment and secret query value replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const redactedPath = path
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(segment) ? REDACTED : segment))
    .join('/');
  if (q === -1) return redactedPath;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      return SECRET_PARAMS.test(name) || TOKEN_SEGMENT.test(value) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${redactedPath}?${query}`;
}

/**
 * The logger Fastify logs requests with: its own `req` serializer (which
 * Fastify prefers over its default one) writes the URL redacted.
 */
export function httpLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactUrl(req.url ?? ''),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
  );
}
