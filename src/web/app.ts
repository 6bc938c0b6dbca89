// The HTTP edge: pages, the JSON API, one-click unsubscribe, webhooks, the
// dev outbox. Routes translate HTTP to SubscriptionService calls and back.
import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../observability/metrics';
import type { RequestMeta } from '../subscribers/consent-ledger';
import type { SubscriptionService } from '../subscribers/service';
import { registerManageRoutes } from './routes/manage';
import { registerSignupRoutes } from './routes/signup';
import { errorPage, sendPage, wantsJson } from './respond';
import { recordRoutes } from './route-table';

export const BODY_LIMIT = 16 * 1024;

export interface WebDeps {
  config: Config;
  service: SubscriptionService;
  logger: Logger;
  metrics: Metrics;
  healthy: () => Promise<boolean>;
  /** Extra routes from other domains (webhooks, the dev outbox), registered after the core ones. */
  plugins?: ((app: FastifyInstance) => void | Promise<void>)[];
}

const STATIC: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./static/app.css', import.meta.url)) },
  'tz.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./static/tz.js', import.meta.url)) },
};

function tooLarge(): Error & { statusCode: number; code: string } {
  return Object.assign(new Error('The request is too large.'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.config.trustProxy,
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

  await app.register(helmet, {
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
    if (!String(request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/')) return payload;
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

  app.setNotFoundHandler((request, reply) =>
    errorPage(request, reply, deps.config, 404, 'There is nothing at this address.'),
  );

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
    const file = STATIC[request.params.name];
    if (!file) return errorPage(request, reply, deps.config, 404, 'There is nothing at this address.');
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });

  app.get('/healthz', async (_request, reply) => {
    const ok = await deps.healthy().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ ok });
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  registerSignupRoutes(app, deps);
  registerManageRoutes(app, deps);
  for (const plugin of deps.plugins ?? []) await plugin(app);

  return app;
}

export { sendPage, wantsJson };
export type { FastifyReply };
