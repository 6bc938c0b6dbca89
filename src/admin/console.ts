// Mounts the console under /admin: cookie + session (stored in Redis) + CSRF,
// the sign-in routes, then an authenticated scope holding every section from
// src/admin/sections.ts. Nothing under /admin answers without a session except
// the sign-in form; every state-changing request needs a CSRF token.
import { createHmac } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import session from '@fastify/session';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../runtime/compose';
import { SCHEDULER_QUEUE } from '../runtime/workers';
import { errorPage } from '../web/respond';
import { AdminAccounts } from './accounts';
import { registerConsoleAssets, registerPublicAssets } from './assets';
import type { AdminContext } from './context';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimitOptions } from './login-limits';
import { adminMessage, setConsoleFrame } from './respond';
import { registerLoginRoutes } from './routes/login';
import { SECTIONS } from './sections';
import { RedisSessionStore } from './session-store';

export const SESSION_COOKIE = 'meridian_admin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ConsoleOptions {
  loginLimits?: LoginLimitOptions;
}

export const wantsHtml = (request: FastifyRequest) => String(request.headers.accept ?? '').includes('text/html');

/** Pages redirect to the sign-in form; everything else (API calls, form posts from scripts) gets 401. */
export function isPageRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (/\/api(\/|$)/.test(request.url.split('?')[0]!)) return false;
  const accept = String(request.headers.accept ?? '');
  return accept === '' || accept.includes('text/html') || accept.includes('*/*');
}

export const ENABLE_HINT = 'create an admin account with: npm run admin -- add-user you@clinic.example';

export async function registerConsole(app: FastifyInstance, core: Core, options: ConsoleOptions = {}): Promise<void> {
  const { config, logger } = core;
  const accounts = new AdminAccounts(core.redis, core.keys, core.config.admin.passwordCost);
  const limiter = new LoginLimiter(core.redis, core.keys.rateLimit, options.loginLimits ?? DEFAULT_LOGIN_LIMITS);
  const store = new RedisSessionStore(core.redis, core.keys, config.admin.sessionTtlMs);
  const secureCookie = config.publicUrl.startsWith('https:');
  const queues = {
    send: core.sendQueue,
    scheduler: new Queue(SCHEDULER_QUEUE, { connection: core.redis, prefix: config.redisKeyPrefix }),
  };
  const ctx: AdminContext = { core, accounts, queues, sections: SECTIONS };
  setConsoleFrame(
    SECTIONS.map((s) => ({ href: `/admin${s.path}`, title: s.title })),
    config.clinic.name,
  );

  // In production the console stays off until someone creates an account.
  const off = config.env === 'production' && (await accounts.count()) === 0;
  if (off) logger.warn(`The admin console at /admin is off: no admin account exists. To turn it on, ${ENABLE_HINT}`);
  let enabled = !off;

  registerPublicAssets(app);
  app.addHook('onClose', async () => {
    await queues.scheduler.close();
  });

  await app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request, reply) => {
        // Re-checked until an account appears, so add-user turns it on without a restart.
        if (!enabled) enabled = (await accounts.count()) > 0;
        if (!enabled) return errorPage(request, reply, config, 404, 'There is nothing at this address.');
      });
      await admin.register(cookie);
      await admin.register(session, {
        secret: createHmac('sha256', config.appSecret).update('meridian/admin-session/v1').digest('hex'),
        cookieName: SESSION_COOKIE,
        store,
        saveUninitialized: false,
        rolling: true,
        cookie: {
          path: '/admin',
          httpOnly: true,
          sameSite: 'strict',
          secure: secureCookie,
          maxAge: config.admin.sessionTtlMs,
        },
      });
      await admin.register(csrf, { sessionPlugin: '@fastify/session' });
      admin.addHook('preHandler', (request, reply, done) => {
        if (SAFE_METHODS.has(request.method)) return done();
        admin.csrfProtection(request, reply, done);
      });
      admin.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
        const csrfFailed = error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET';
        const status = csrfFailed ? 403 : error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
        if (csrfFailed) request.log.warn({ url: request.url.split('?')[0], code: error.code }, 'admin request refused: CSRF token');
        else if (status >= 500) request.log.error({ err: error }, 'admin request failed');
        const message = csrfFailed
          ? 'The form was too old or came from another page. Go back, reload the page and try again.'
          : status >= 500
            ? 'Something went wrong on our side. Nothing was changed; please try again.'
            : error.message;
        if (!wantsHtml(request)) return reply.code(status).header('cache-control', 'no-store').send({ ok: false, error: { status, message } });
        return adminMessage(request, reply, status, csrfFailed ? 'That form has expired' : status >= 500 ? 'Something went wrong' : 'That did not work', message);
      });

      registerLoginRoutes(admin, { accounts, limiter, logger, secureCookie });

      await admin.register(async (authed) => {
        authed.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
          if (request.session.user && (await accounts.exists(request.session.user))) return;
          if (isPageRequest(request)) {
            return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 302);
          }
          return reply.code(401).header('cache-control', 'no-store').send({ ok: false, error: { status: 401, message: 'Sign in at /admin/login first.' } });
        });
        // Console pages are never cached: they hold personal data.
        authed.addHook('onSend', async (_request, reply, payload) => {
          if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
          return payload;
        });
        registerConsoleAssets(authed);
        for (const section of SECTIONS) {
          await authed.register(async (scope) => section.plugin(scope, ctx), { prefix: section.path });
        }
      });
    },
    { prefix: '/admin' },
  );
}
