// The HTTP edge: pages, the JSON API, one-click unsubscribe, webhooks, the
// dev outbox. Routes translate HTTP to SubscriptionService calls and back.
import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import helmet from 'helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config, TrustProxy } from '../config';
import type { Metrics } from '../observability/metrics';
import { httpLogger } from '../observability/redact';
import type { RequestMeta } from '../subscribers/consent-ledger';
import type { SubscriptionService } from '../subscribers/service';
import type { Health } from '../runtime/health';
import { MethodIndex } from './methods';
import { metricsAccess } from './metrics-access';
import { registerEmbedRoutes } from './routes/embed';
import { registerHealthRoutes } from './routes/health';
import { registerManageRoutes } from './routes/manage';
import { registerSignupRoutes } from './routes/signup';
import { errorPage, sendPage, wantsJson } from './respond';
import { recordRoutes } from './route-table';

export const BODY_LIMIT = 16 * 1024;

/**
 * Slow clients (a byte every few seconds) must not hold connections for ever.
 * A whole request, headers and body, gets `requestMs`; a connection that sends
 * nothing for `idleMs` is closed; Node checks both every `checkEveryMs`.
 */
export interface HttpTimeouts {
  requestMs: number;
  idleMs: number;
  checkEveryMs: number;
}

export const HTTP_TIMEOUTS: HttpTimeouts = { requestMs: 15_000, idleMs: 10_000, checkEveryMs: 1_000 };

export interface WebDeps {
  config: Config;
  service: SubscriptionService;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  /** Tests shorten these; production uses HTTP_TIMEOUTS. */
  timeouts?: HttpTimeouts;
  /** Extra routes from other domains (webhooks, the dev outbox), registered after the core ones. */
  plugins?: ((app: FastifyInstance) => void | Promise<void>)[];
}

// A Map, not an object literal: /static/constructor must not find Object's.
// `embed` files are loaded by other sites (the embeddable form): they alone are
// served with Cross-Origin-Resource-Policy: cross-origin.
const STATIC = new Map<string, { type: string; body: Buffer; embed?: boolean }>([
  ['app.css', { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./static/app.css', import.meta.url)) }],
  ['tz.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./static/tz.js', import.meta.url)), embed: true }],
  ['embed.css', { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./static/embed.css', import.meta.url)), embed: true }],
  ['check-inbox.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./static/check-inbox.js', import.meta.url)) }],
  // The picture in the sample newsletter, so a template preview never shows a broken image. Cross-origin: the
  // console's sandboxed preview frames, exported .html files and mail clients load it from elsewhere.
  ['newsletter-sample.svg', { type: 'image/svg+xml', body: readFileSync(new URL('./static/newsletter-sample.svg', import.meta.url)), embed: true }],
]);
const FAVICON = readFileSync(new URL('./static/favicon.ico', import.meta.url));

function tooLarge(): Error & { statusCode: number; code: string } {
  return Object.assign(new Error('The request is too large.'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
}

function unreadable(why: string): Error & { statusCode: number; code: string } {
  return Object.assign(new Error(why), { statusCode: 400, code: 'MERIDIAN_UNREADABLE_BODY' });
}

/**
 * Fastify (5.8+) ignores a bare hop count, so a count becomes proxy-addr's
 * trust function: the socket peer and the next hops-1 addresses are proxies,
 * the address before them is the client. The entries a client writes itself
 * come first in X-Forwarded-For and are never reached.
 */
export function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

/**
 * One log line per request, when it completes, carrying the request (method,
 * redacted URL, client) and the answer (status, time) together. Fastify's own
 * pair of lines (incoming, completed) cost a third of the logging on the
 * signup path for nothing the single line does not say. Fastify's error
 * lines stay; a request the client gives up on before it is answered leaves
 * no line (when requests hang on Redis, its connection warnings and /readyz
 * say so).
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime, ...request.logFields };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the handler did, added to the request's one log line (a signup's outcome and subscriber id). */
    logFields: Record<string, unknown> | null;
  }
}

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const timeouts = deps.timeouts ?? HTTP_TIMEOUTS;
  const app = Fastify({
    // Request logs name the route, never the link token in it.
    loggerInstance: httpLogger(deps.logger) as FastifyBaseLogger,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    // Headers must arrive within the request timeout too (Node requires headersTimeout <= requestTimeout).
    http: { headersTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkEveryMs },
    trustProxy: trustProxyOption(deps.config.trustProxy),
    // Tokens are long; anything much longer is garbage.
    routerOptions: { maxParamLength: 600 },
    // JSON with __proto__ keys is an attack, not data.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Router-level failures (a malformed %-escape, an over-long token) answer
    // like every other error: HTML for browsers, JSON for the API.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode === 414 ? 414 : 400;
      const message = status === 414 ? 'This address is too long to be a valid link.' : 'The request could not be read. Please check what was sent.';
      return errorPage(request, reply, deps.config, status, message);
    },
  });
  recordRoutes(app);
  app.decorateRequest('logFields', null);

  const methods = new MethodIndex();
  methods.watch(app);

  // Security headers (CSP, frame-ancestors, nosniff ...). The middleware is
  // built once: @fastify/helmet built it again on every request, parsing the
  // CSP directives each time (5% of a signup's CPU).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        frameSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: deps.config.publicUrl.startsWith('https:'),
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)));
  // Only forms and JSON are read; a text/plain body would reach the signup
  // service as a bare string. Without a parser Fastify answers 415.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  // @fastify/multipart reads the raw request itself, so Fastify's bodyLimit
  // does not apply to it: refuse a declared length over the limit at once, and
  // count the bytes of chunked bodies (memory stays bounded by the multipart
  // limits below) to refuse them before any handler runs.
  const oversized = new WeakSet<FastifyRequest>();
  app.addHook('preParsing', async (request, _reply, payload) => {
    const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!contentType.startsWith('multipart/')) return payload;
    // Without a boundary the multipart parser throws a plain Error (a 500).
    if (!/;\s*boundary=("[^"]+"|[^\s;]+)/.test(contentType)) throw unreadable('multipart body without a boundary');
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > BODY_LIMIT) throw tooLarge();
    let seen = 0;
    request.raw.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > BODY_LIMIT) oversized.add(request);
    });
    return payload;
  });
  app.addHook('preHandler', async (request) => {
    if (oversized.has(request)) throw tooLarge();
  });
  // One-click unsubscribe may arrive as multipart/form-data (RFC 8058 allows both).
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 20, fieldSize: 2048, files: 0, parts: 20, fieldNameSize: 100 },
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      status === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE' || error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_FIELDS_LIMIT'
        ? 'The request is too large.'
        : status === 415
          ? 'Unsupported content type. Send application/x-www-form-urlencoded, multipart/form-data or application/json.'
          : status === 400
            ? 'The request could not be read. Please check what was sent.'
            : status === 503
              ? 'The service is briefly unavailable. Please try again in a minute.'
              : 'Something went wrong on our side. Nothing was changed; please try again.';
    const finalStatus = error.code === 'FST_FILES_LIMIT' ? 413 : status;
    return errorPage(request, reply, deps.config, finalStatus, finalStatus === 413 ? 'The request is too large.' : message);
  });

  app.setNotFoundHandler((request, reply) => {
    const allowed = methods.allowed(request.url.split('?')[0]!);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      return errorPage(request, reply, deps.config, 405, `This address does not answer ${request.method}. It answers ${allowed.join(', ')}.`);
    }
    return errorPage(request, reply, deps.config, 404, 'There is nothing at this address.');
  });

  await app.register(cors, {
    // Only the JSON API is meant for other origins, and only those in CORS_ORIGINS.
    hook: 'onRequest',
    delegator: (req, cb) => {
      const isApi = (req.url ?? '').startsWith('/api/');
      const origin = req.headers.origin;
      const allowed = isApi && origin !== undefined && (deps.config.corsOrigins.includes('*') || deps.config.corsOrigins.includes(origin));
      cb(null, { origin: allowed ? origin : false, methods: ['POST'], allowedHeaders: ['Content-Type'], maxAge: 600 });
    },
  });

  app.get<{ Params: { name: string } }>('/static/:name', async (request, reply) => {
    const file = STATIC.get(request.params.name);
    if (!file) return errorPage(request, reply, deps.config, 404, 'There is nothing at this address.');
    if (file.embed) reply.header('cross-origin-resource-policy', 'cross-origin');
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });

  app.get('/favicon.ico', async (_request, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(FAVICON),
  );

  registerHealthRoutes(app, deps.health);

  app.get('/metrics', async (request, reply) => {
    const access = metricsAccess(request, deps.config);
    if (access !== 'allowed') {
      reply.header('www-authenticate', 'Bearer realm="metrics"').header('cache-control', 'no-store');
      return reply.code(401).type('text/plain; charset=utf-8').send(
        access === 'bad-token'
          ? 'Unauthorized: the bearer token does not match METRICS_TOKEN.\n'
          : 'Unauthorized: send Authorization: Bearer <METRICS_TOKEN>, or scrape from this machine.\n',
      );
    }
    return reply.type(deps.metrics.registry.contentType).header('cache-control', 'no-store').send(await deps.metrics.registry.metrics());
  });

  registerSignupRoutes(app, deps);
  registerEmbedRoutes(app, deps);
  registerManageRoutes(app, deps);
  for (const plugin of deps.plugins ?? []) await plugin(app);

  return app;
}

export { sendPage, wantsJson };
export type { FastifyReply };
