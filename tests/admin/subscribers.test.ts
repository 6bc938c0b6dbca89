// The console's subscriber pages against real Redis: directory counts and
// lists, canonical search, the timeline, actions, CSV export and GDPR erase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/subscribers/directory';
import { createConsoleApp, FORM_HEADERS, signIn, type ConsoleApp, type Session } from './support';

let c: ConsoleApp;
let session: Session;
const meta = { ip: '198.51.100.7', userAgent: 'test' };

async function signup(email: string, firstName = 'Sam') {
  const res = await c.core.service.signup({ email, firstName, consent: 'yes' }, meta, 'signup-page');
  expect(res.ok).toBe(true);
  return (await c.core.store.findByCanonical((await import('../../src/subscribers/address')).canonicalAddress(email)))!;
}

const get = (url: string) => c.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: session.cookie } });
const post = (url: string, fields: Record<string, string> = {}) =>
  c.app.inject({ method: 'POST', url, headers: { ...FORM_HEADERS, cookie: session.cookie }, payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString() });

beforeAll(async () => {
  c = await createConsoleApp('adminsubs');
  session = await signIn(c.app);
});
afterAll(() => c.close());

describe('directory', () => {
  it('counts by status and pages through ties without losing or repeating anyone', async () => {
    const d = new Directory(c.core.redis, c.core.keys, c.core.store);
    // 130 signups within very few milliseconds: many share a createdAt score.
    const ids = new Set<string>();
    for (let i = 0; i < 130; i++) ids.add((await signup(`page${i}@example.org`)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await d.list({ status: 'pending' }, cursor, 25);
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    expect((await d.statusCounts()).pending).toBeGreaterThanOrEqual(130);
  });
});

describe('subscriber pages', () => {
  it('finds J.Doe+x@gmail.com by its canonical form and shows the merged timeline and next send', async () => {
    const s = await signup('J.Doe+x@gmail.com', 'Jo');
    await c.core.service.confirm(s, meta);
    const search = await get(`/admin/subscribers?q=${encodeURIComponent('jdoe@GMAIL.com')}`);
    expect(search.statusCode).toBe(303);
    expect(search.headers.location).toBe(`/admin/subscribers/${s.id}`);
    const page = await get(`/admin/subscribers/${s.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('J.Doe+x@gmail.com');
    expect(page.body).toContain('Signed up');
    expect(page.body).toContain('Confirmed (double opt-in)');
    expect(page.body).toContain('Next scheduled email');
    const d = new Directory(c.core.redis, c.core.keys, c.core.store);
    const active = await d.list({ status: 'active' }, undefined, 50);
    expect(active.rows.map((r) => r.id)).toContain(s.id);
    const pending = await d.list({ status: 'pending' }, undefined, 500);
    expect(pending.rows.map((r) => r.id)).not.toContain(s.id);
  });

  it('lists by status, topic and step, and the overview shows the counts', async () => {
    const list = await get('/admin/subscribers?status=active');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('J.Doe+x@gmail.com');
    const step = await get('/admin/subscribers?step=sciatica-series%2Fwelcome');
    expect(step.body).toContain('J.Doe+x@gmail.com');
    const overview = await get('/admin');
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('daily-chart');
    expect(overview.body).toMatch(/"signup"|Signups/);
  });

  it('pauses and unsubscribes with a ledger entry naming the console', async () => {
    const s = await signup('pause.me@example.org');
    await c.core.service.confirm(s, meta);
    expect((await post(`/admin/subscribers/${s.id}/pause`, { days: '14' })).statusCode).toBe(303);
    expect((await c.core.store.get(s.id))!.status).toBe('paused');
    expect((await post(`/admin/subscribers/${s.id}/unsubscribe`)).statusCode).toBe(303);
    expect((await c.core.store.get(s.id))!.status).toBe('unsubscribed');
    const ledger = await c.core.store.ledger(s.id);
    expect(ledger.at(-1)!.source).toBe('console (marketer@clinic.example)');
  });

  it('resends a confirmation only to a pending subscriber', async () => {
    const s = await signup('resend@example.org');
    const before = (await c.core.store.get(s.id))!.confirmationSentAt;
    await new Promise((r) => setTimeout(r, 5));
    expect((await post(`/admin/subscribers/${s.id}/resend-confirmation`)).statusCode).toBe(303);
    expect((await c.core.store.get(s.id))!.confirmationSentAt).toBeGreaterThan(before!);
  });

  it('exports a streamed CSV with formula cells neutralised', async () => {
    await signup('=cmd@example.org');
    const csv = await get('/admin/export/subscribers.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('email,status,topics,first_name,time_zone,signed_up_at,confirmed_at,last_sent_at,sequence,next_step');
    expect(lines.length).toBeGreaterThan(130);
    expect(csv.body).toContain(`'=cmd@example.org`);
    expect(csv.body).not.toMatch(/^=/m);
    // By status: only that status's lines.
    const pending = (await get('/admin/export/subscribers.csv?status=pending')).body.trim().split('\n').slice(1);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.length).toBeLessThan(lines.length - 1);
    expect(pending.filter((line) => line.split(',')[1] !== 'pending')).toEqual([]);
  });
});

describe('GDPR erase from the console', () => {
  it('needs the address typed again, then leaves no trace but the tombstone; a new signup starts a fresh double opt-in', async () => {
    const email = 'erase.me@example.org';
    const s = await signup(email, 'Erin');
    await c.core.service.confirm(s, meta);
    const wrong = await post(`/admin/subscribers/${s.id}/erase`, { confirmEmail: 'someone.else@example.org' });
    expect(wrong.statusCode).toBe(400);
    expect(await c.core.store.get(s.id)).not.toBeNull();

    const done = await post(`/admin/subscribers/${s.id}/erase`, { confirmEmail: 'Erase.Me@example.org' });
    expect(done.statusCode).toBe(303);
    expect(await c.core.store.exportData(s.id)).toBeNull();
    expect((await get(`/admin/subscribers/${s.id}/export.json`)).statusCode).toBe(404);
    expect(await c.core.store.isErased('erase.me@example.org')).toBe(true);

    // No key name or value under the prefix holds the address; none but BullMQ's
    // job records (ids only, removed on their own schedule) holds the id.
    const redis = c.core.redis;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${c.core.config.redisPrefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        expect(key).not.toContain(s.id);
        const type = await redis.type(key);
        const dump =
          type === 'string' ? await redis.get(key) : type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1)) : type === 'set' ? JSON.stringify(await redis.smembers(key)) : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1)) : '';
        expect(String(dump).toLowerCase(), key).not.toContain('erase.me');
        if (!/:(send|scheduler):/.test(key)) expect(String(dump), key).not.toContain(s.id);
      }
    } while (cursor !== '0');

    const again = await signup(email, 'Erin');
    expect(again.id).not.toBe(s.id);
    expect(again.status).toBe('pending');
    const ledger = await c.core.store.ledger(again.id);
    expect(ledger.map((e) => e.event)).toEqual(['signup']);
  });
});
