// GET/POST /admin/login and POST /admin/logout: the only console routes that
// answer without a session (logout still needs its CSRF token).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AdminAccounts } from '../accounts';
import type { LoginLimiter } from '../login-limits';
import { adminPage, csrfToken } from '../respond';
import { CsrfField } from '../pages/layout';

export interface LoginDeps {
  accounts: AdminAccounts;
  limiter: LoginLimiter;
  logger: Logger;
  /** Secure cookies: a session can only start over https. */
  secureCookie: boolean;
}

const LoginBody = z.object({
  email: z.string().max(320).default(''),
  password: z.string().max(4096).default(''),
  next: z.string().max(2048).optional(),
});

/** Only console paths, never another site ("//evil.example" included). */
export function safeNext(next: string | undefined): string {
  if (!next || !/^\/admin(?:[/?#]|$)/.test(next) || next.startsWith('/admin/login')) return '/admin';
  return next;
}

function LoginForm(props: { token: string; email: string; next: string; error?: string }) {
  return (
    <section className="login">
      <h1>Sign in</h1>
      {props.error ? (
        <div className="notice error" role="alert">
          {props.error}
        </div>
      ) : null}
      <form method="post" action="/admin/login">
        <CsrfField token={props.token} />
        <input type="hidden" name="next" value={props.next} />
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required defaultValue={props.email} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}

const HTTPS_NEEDED = 'The console signs in over https only, because PUBLIC_URL is https and the session cookie is Secure. Open it through https; behind a reverse proxy that ends TLS, set TRUST_PROXY=true so Meridian sees the https.';

function HttpsNeeded() {
  return (
    <section className="login">
      <h1>Sign in over https</h1>
      <div className="notice error" role="alert">
        {HTTPS_NEEDED}
      </div>
    </section>
  );
}

export function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps): void {
  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if (deps.secureCookie && request.protocol !== 'https') return adminPage(request, reply, { title: 'Sign in', status: 400 }, <HttpsNeeded />);
    if (request.session.user) return reply.redirect(safeNext(request.query.next));
    const next = safeNext(typeof request.query.next === 'string' ? request.query.next : undefined);
    return adminPage(request, reply, { title: 'Sign in' }, <LoginForm token={csrfToken(reply)} email="" next={next} />);
  });

  app.post('/login', async (request, reply) => {
    const parsed = LoginBody.safeParse(request.body ?? {});
    const body = parsed.success ? parsed.data : { email: '', password: '', next: undefined };
    const next = safeNext(body.next);
    const again = (status: number, error: string) =>
      adminPage(request, reply, { title: 'Sign in', status }, <LoginForm token={csrfToken(reply)} email={body.email} next={next} error={error} />);

    const gate = await deps.limiter.before(request.ip, body.email);
    if (!gate.ok) {
      deps.logger.warn({ ip: request.ip, scope: gate.scope, retryAfterSeconds: gate.retryAfterSeconds }, 'admin login throttled');
      reply.header('retry-after', String(gate.retryAfterSeconds));
      return again(429, `Too many sign-in attempts. Try again in ${Math.ceil(gate.retryAfterSeconds / 60)} minutes.`);
    }
    const account = await deps.accounts.verify(body.email, body.password);
    if (!account) {
      await deps.limiter.failed(body.email);
      // Never the password; the address only as typed, cut short.
      deps.logger.warn({ ip: request.ip, email: body.email.slice(0, 120) }, 'admin login failed');
      return again(401, 'That email and password do not match an admin account.');
    }
    await deps.limiter.succeeded(account.email);
    // A fresh session id at sign-in: a planted cookie never becomes a signed-in one.
    await request.session.regenerate();
    request.session.user = account.email;
    deps.logger.info({ ip: request.ip, email: account.email }, 'admin signed in');
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    const user = request.session.user;
    await request.session.destroy();
    if (user) deps.logger.info({ email: user }, 'admin signed out');
    return reply.redirect('/admin/login', 303);
  });
}
