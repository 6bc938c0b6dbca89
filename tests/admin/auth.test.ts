// /admin is a security boundary. Routes are taken from Fastify's own route
// table, so a route added later under /admin is covered without editing this.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/admin/console';
import { routesOf } from '../../src/web/route-table';
import { ADMIN, cookieHeader, createConsoleApp, csrfFrom, FORM_HEADERS, signIn, type ConsoleApp } from './support';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reachable without a session by design: the sign-in form itself. */
// The stylesheet is public: the sign-in page needs it (src/admin/assets.ts).
const PUBLIC = new Set(['GET /admin/login', 'HEAD /admin/login', 'POST /admin/login', 'GET /admin/static/admin.css', 'HEAD /admin/static/admin.css']);

const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*/g, 'x');

let c: ConsoleApp;
let routes: { method: string; url: string }[];

beforeAll(async () => {
  c = await createConsoleApp('adminauth');
  routes = routesOf(c.app).filter((r) => r.url === '/admin' || r.url.startsWith('/admin/'));
});
afterAll(() => c.close());

describe('every /admin route', () => {
  it('finds the console routes in the route table', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(names).toContain('GET /admin');
    expect(names).toContain('POST /admin/logout');
    // Template pages and their frames are walked like every other route.
    expect(names).toContain('GET /admin/templates');
    expect(names).toContain('GET /admin/templates/:id');
    expect(names).toContain('GET /admin/templates/:id/email.html');
    expect(routes.length).toBeGreaterThan(5);
  });

  it('without a session: pages redirect to the sign-in form, everything else is 401', async () => {
    for (const r of routes) {
      const name = `${r.method} ${r.url}`;
      if (PUBLIC.has(name) || r.method === 'OPTIONS') continue;
      const url = concrete(r.url);
      const isPage = (r.method === 'GET' || r.method === 'HEAD') && !/\/api(\/|$)/.test(url);
      const browser = await c.app.inject({ method: r.method as 'GET', url, headers: { accept: 'text/html' } });
      if (name === 'POST /admin/logout') {
        // Outside the session check, but still needs its CSRF token.
        expect(browser.statusCode, name).toBe(403);
        continue;
      }
      if (isPage) {
        expect(browser.statusCode, name).toBe(302);
        expect(browser.headers.location, name).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
      } else {
        expect(browser.statusCode, name).toBe(401);
      }
      const api = await c.app.inject({ method: r.method as 'GET', url, headers: { accept: 'application/json' } });
      expect(api.statusCode, name).toBe(401);
      expect(api.body, name).not.toContain('@');
    }
  });

  it('with a session but a wrong CSRF token: every state-changing route is 403', async () => {
    const session = await signIn(c.app);
    const unsafe = routes.filter((r) => !SAFE.has(r.method) && !PUBLIC.has(`${r.method} ${r.url}`));
    expect(unsafe.length).toBeGreaterThan(0);
    for (const r of unsafe) {
      const name = `${r.method} ${r.url}`;
      const url = concrete(r.url);
      const wrong = session.csrf.slice(0, -4) + (session.csrf.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const asForm = await c.app.inject({
        method: r.method as 'POST',
        url,
        headers: { ...FORM_HEADERS, cookie: session.cookie },
        payload: `_csrf=${encodeURIComponent(wrong)}`,
      });
      expect(asForm.statusCode, name).toBe(403);
      const asHeader = await c.app.inject({
        method: r.method as 'POST',
        url,
        headers: { accept: 'application/json', 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': wrong },
        payload: '{}',
      });
      expect(asHeader.statusCode, name).toBe(403);
      const none = await c.app.inject({ method: r.method as 'POST', url, headers: { ...FORM_HEADERS, cookie: session.cookie }, payload: 'a=1' });
      expect(none.statusCode, name).toBe(403);
    }
    // The same session with its real token gets through (so the 403s above mean something).
    const out = await c.app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM_HEADERS, cookie: session.cookie }, payload: `_csrf=${encodeURIComponent(session.csrf)}` });
    expect(out.statusCode).toBe(303);
  });

  it('with a session every page answers', async () => {
    const session = await signIn(c.app);
    for (const r of routes.filter((x) => x.method === 'GET' && !x.url.includes(':') && !x.url.includes('*') && x.url !== '/admin/login')) {
      const res = await c.app.inject({ method: 'GET', url: r.url, headers: { accept: 'text/html', cookie: session.cookie } });
      expect([200, 303], `GET ${r.url}`).toContain(res.statusCode);
    }
  });
});

describe('sessions', () => {
  it('the cookie is HttpOnly, SameSite=Strict, scoped to /admin and expires; not Secure over http', async () => {
    const form = await c.app.inject({ method: 'GET', url: '/admin/login' });
    const set = String(form.headers['set-cookie']);
    expect(set).toContain(`${SESSION_COOKIE}=`);
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/admin/);
    expect(set).toMatch(/Expires=/);
    expect(set).not.toMatch(/Secure/);
  });

  it('signing out ends the session for good', async () => {
    const session = await signIn(c.app);
    await c.app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM_HEADERS, cookie: session.cookie }, payload: `_csrf=${encodeURIComponent(session.csrf)}` });
    const after = await c.app.inject({ method: 'GET', url: '/admin', headers: { accept: 'text/html', cookie: session.cookie } });
    expect(after.statusCode).toBe(302);
  });

  it('a removed account loses its session at once', async () => {
    await c.accounts.add('temp@clinic.example', 'temporary password 1');
    const session = await signIn(c.app, 'temp@clinic.example', 'temporary password 1');
    expect((await c.app.inject({ method: 'GET', url: '/admin', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    await c.accounts.remove('temp@clinic.example');
    expect((await c.app.inject({ method: 'GET', url: '/admin', headers: { cookie: session.cookie, accept: 'application/json' } })).statusCode).toBe(401);
  });

  it('a session id planted before sign-in is not the one that signs in', async () => {
    const form = await c.app.inject({ method: 'GET', url: '/admin/login' });
    const planted = cookieHeader(form);
    const res = await c.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...FORM_HEADERS, cookie: planted },
      payload: new URLSearchParams({ _csrf: csrfFrom(form.body), email: ADMIN.email, password: ADMIN.password }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(cookieHeader(res)).not.toBe(planted);
    expect((await c.app.inject({ method: 'GET', url: '/admin', headers: { cookie: planted, accept: 'application/json' } })).statusCode).toBe(401);
  });

  it('sign-in only sends the visitor on to console paths', async () => {
    const form = await c.app.inject({ method: 'GET', url: '/admin/login?next=//evil.example/admin' });
    expect(form.body).toContain('name="next" value="/admin"');
  });
});

describe('https', () => {
  it('marks the cookie Secure when PUBLIC_URL is https, and refuses to sign in over plain http', async () => {
    const s = await createConsoleApp('adminhttps', { PUBLIC_URL: 'https://clinic.example', TRUST_PROXY: '1' });
    try {
      const viaProxy = { 'x-forwarded-proto': 'https' };
      const session = await signIn(s.app, ADMIN.email, ADMIN.password, viaProxy);
      expect(session.cookie).toContain(`${SESSION_COOKIE}=`);
      const page = await s.app.inject({ method: 'GET', url: '/admin', headers: { cookie: session.cookie, ...viaProxy } });
      expect(String(page.headers['set-cookie'])).toMatch(/; Secure/);
      const overHttp = await s.app.inject({ method: 'GET', url: '/admin/login' });
      expect(overHttp.statusCode).toBe(400);
      expect(overHttp.body).toContain('TRUST_PROXY');
    } finally {
      await s.close();
    }
  });
});

describe('sign-in limits and logs', () => {
  it('locks an account after repeated failures, even for the right password, and logs no password', async () => {
    await c.accounts.add('locked@clinic.example', 'the right password');
    const form = await c.app.inject({ method: 'GET', url: '/admin/login' });
    const cookie = cookieHeader(form);
    const token = csrfFrom(form.body);
    const attempt = (password: string, ip: string) =>
      c.app.inject({
        method: 'POST',
        url: '/admin/login',
        remoteAddress: ip,
        headers: { ...FORM_HEADERS, cookie },
        payload: new URLSearchParams({ _csrf: token, email: 'locked@clinic.example', password }).toString(),
      });
    for (let i = 0; i < 8; i++) expect((await attempt(`wrong guess number ${i}`, `10.0.0.${i + 1}`)).statusCode).toBe(401);
    const locked = await attempt('the right password', '10.0.1.1');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const log = c.log.join('');
    expect(log).toContain('admin login failed');
    expect(log).not.toContain('wrong guess number');
    expect(log).not.toContain('the right password');
  });

  it('limits attempts per IP across accounts', async () => {
    const form = await c.app.inject({ method: 'GET', url: '/admin/login' });
    const cookie = cookieHeader(form);
    const token = csrfFrom(form.body);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await c.app.inject({
        method: 'POST',
        url: '/admin/login',
        remoteAddress: '192.0.2.77',
        headers: { ...FORM_HEADERS, cookie },
        payload: new URLSearchParams({ _csrf: token, email: `nobody${i}@clinic.example`, password: 'not a password at all' }).toString(),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe('production without an account', () => {
  it('answers 404 under /admin and says in the log how to turn the console on', async () => {
    const p = await createConsoleApp('adminprod', { NODE_ENV: 'production', PUBLIC_URL: 'https://clinic.example', ADMIN_PASSWORD_COST: '14', OUTBOX_IN_PRODUCTION: 'true' }, false);
    try {
      for (const url of ['/admin', '/admin/login', '/admin/subscribers']) {
        expect((await p.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
      }
      expect(p.log.join('')).toContain('npm run admin -- add-user');
      await p.accounts.add(ADMIN.email, ADMIN.password);
      // On at once, without a restart (over https, as PUBLIC_URL says).
      expect((await p.app.inject({ method: 'GET', url: '/admin/login' })).statusCode).toBe(400);
      
    } finally {
      await p.close();
    }
  });
});
