// Self-service privacy on the preferences page (download and delete, POST only
// with the manage token) and the next steps on pages that used to be dead ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, keysWithPrefix, linkIn, mailsTo, pathOf } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('selfservice');
});
afterAll(() => t.close());

let n = 0;
async function confirmed() {
  const email = `self${++n}@example.com`;
  expect((await t.app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email, consent: 'yes', firstName: 'Ida' }) })).statusCode).toBe(303);
  const [mail] = await mailsTo(t, email);
  const confirm = await t.app.inject({ method: 'POST', url: pathOf(linkIn(mail!, 'confirm')) });
  expect(confirm.statusCode).toBe(200);
  const subscriber = (await t.core.store.findByCanonical(email))!;
  const token = t.core.links.manageToken(subscriber.id, subscriber.canonical);
  return { email, subscriber, token, confirmPage: confirm.body };
}

describe('download my data', () => {
  it('offers both buttons on the preferences page and answers a POST with everything held as JSON', async () => {
    const s = await confirmed();
    const page = (await t.app.inject({ url: `/preferences/${s.token}` })).body;
    expect(page).toContain('Download my data');
    expect(page).toContain('Delete my data');
    const res = await t.app.inject({ method: 'POST', url: `/preferences/${s.token}`, headers: FORM, payload: form({ action: 'download' }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="my-data-\d{4}-\d\d-\d\d\.json"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const data = JSON.parse(res.body);
    expect(data.subscriber).toMatchObject({ email: s.email, firstName: 'Ida', status: 'active' });
    expect(data.consentLedger.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['signup', 'confirmed']));
    expect(Array.isArray(data.sends)).toBe(true);
  });

  it('refuses GET-style and tokenless access', async () => {
    const s = await confirmed();
    const get = await t.app.inject({ url: `/preferences/${s.token}?action=download` });
    expect(get.headers['content-type']).toMatch(/^text\/html/); // a GET only ever shows the page
    const forged = await t.app.inject({ method: 'POST', url: `/preferences/${s.token.slice(0, -2)}xx`, headers: FORM, payload: form({ action: 'download' }) });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).not.toContain(s.email);
  });
});

describe('delete my data', () => {
  it('asks first, then erases everything and keeps only the tombstone', async () => {
    const s = await confirmed();
    const ask = await t.app.inject({ method: 'POST', url: `/preferences/${s.token}`, headers: FORM, payload: form({ action: 'delete' }) });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Yes, delete my data');
    expect(await t.core.store.get(s.subscriber.id)).not.toBeNull(); // nothing deleted yet
    const done = await t.app.inject({ method: 'POST', url: `/preferences/${s.token}`, headers: FORM, payload: form({ action: 'delete-confirmed' }) });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your data is deleted');
    expect(done.body).toContain('href="/"');
    expect(await t.core.store.get(s.subscriber.id)).toBeNull();
    expect(await t.core.store.isErased(s.subscriber.canonical)).toBe(true);
    const left = (await keysWithPrefix(t)).filter((k) => k.includes(s.subscriber.id));
    expect(left).toEqual([]);
    // The link now leads nowhere, without revealing anything.
    const again = await t.app.inject({ url: `/preferences/${s.token}` });
    expect(again.statusCode).toBe(404);
    expect(again.body).not.toContain(s.email);
  });
});

describe('pages that used to be dead ends', () => {
  it('after confirming: book a visit, back home', async () => {
    const s = await confirmed();
    expect(s.confirmPage).toContain(`href="${t.config.clinic.bookingUrl}"`);
    expect(s.confirmPage).toContain('Back to the home page');
  });

  it('after unsubscribing: sign up again, download or delete the data; the signup form is a link', async () => {
    const s = await confirmed();
    const res = await t.app.inject({ method: 'POST', url: `/unsubscribe/${s.token}`, headers: { ...FORM, accept: 'text/html' }, payload: form({ 'List-Unsubscribe': 'One-Click' }) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Changed your mind? Sign up again');
    expect(res.body).toContain(`href="/preferences/${s.token}"`);
    const prefs = (await t.app.inject({ url: `/preferences/${s.token}` })).body;
    expect(prefs).toContain('<a href="/">use the signup form</a>');
    expect(prefs).toContain('Download my data'); // privacy still available once unsubscribed
  });

  it('"check your inbox" points to /outbox in development', async () => {
    expect((await t.app.inject({ url: '/check-inbox' })).body).toContain('href="/outbox"');
    const prod = await createTestApp('selfservice-prod', { NODE_ENV: 'production', RESEND_API_KEY: 're_test' });
    try {
      expect((await prod.app.inject({ url: '/check-inbox' })).body).not.toContain('/outbox');
    } finally {
      await prod.close();
    }
  });

  it('serves /favicon.ico', async () => {
    const res = await t.app.inject({ url: '/favicon.ico' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/x-icon');
  });
});
