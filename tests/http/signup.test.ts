// GET / and POST /subscribe: the signup form, double opt-in email, no enumeration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { attrs, FORM, form, header, linkIn, mailsTo } from './helpers';

let t: TestApp;
// The resend throttle is an hour long and the test moves the app's clock past it,
// so a slow machine can never let a second confirmation through by accident.
const RESEND_MS = 3_600_000;
let skewMs = 0;
beforeAll(async () => {
  t = await createTestApp(
    'signup',
    {},
    { signupLimits: { perIpPerHour: 1000, perAddressPerHour: 100, confirmationResendMs: RESEND_MS }, clock: () => Date.now() + skewMs },
  );
});
afterAll(() => t.close());

const subscribe = (fields: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/subscribe', headers: { ...FORM, ...headers }, payload: form(fields) });

describe('GET /', () => {
  it('shows a labelled form with consent wording, a hidden honeypot and a time-zone field, working without JS', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(attrs(html, 'form', 'action', '/subscribe')).toMatchObject({ method: 'post' });
    expect(html).toMatch(/<label for="email">Email address<\/label>/);
    expect(attrs(html, 'input', 'id', 'email')).toMatchObject({ name: 'email', type: 'email', required: '' });
    expect(html).toMatch(/<label for="firstName">First name/);
    expect(attrs(html, 'input', 'id', 'firstName')).toMatchObject({ name: 'firstName', type: 'text' });
    expect(attrs(html, 'input', 'id', 'consent')).toMatchObject({ name: 'consent', type: 'checkbox', value: 'yes', required: '' });
    expect(attrs(html, 'input', 'id', 'consent')).not.toHaveProperty('checked');
    const consent = t.core.service.consent().text;
    expect(consent).toContain(t.config.clinic.name);
    expect(html).toContain(`<label for="consent">${consent}</label>`);
    // Honeypot: hidden from people and assistive tech, out of the tab order.
    expect(html).toMatch(/<div class="field hp" aria-hidden="true"><label for="website">/);
    expect(attrs(html, 'input', 'id', 'website')).toMatchObject({ name: 'website', tabindex: '-1', autocomplete: 'off' });
    expect(attrs(html, 'input', 'name', 'timeZone')).toMatchObject({ type: 'hidden', value: '' });
    expect(html).toContain('<script src="/static/tz.js" defer=""></script>');
    expect(html).toContain('<button type="submit">');
    const css = await t.app.inject({ method: 'GET', url: '/static/app.css' });
    expect(css.body).toMatch(/\.hp\b[^{]*\{[^}]*(display:\s*none|position:\s*absolute)/);
    const tz = await t.app.inject({ method: 'GET', url: '/static/tz.js' });
    expect(tz.statusCode).toBe(200);
    expect(tz.body).toContain('input[name="timeZone"]');
  });

  it('sends security headers on pages', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const notFound = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  });
});

describe('POST /subscribe', () => {
  it('stores a pending subscriber, writes the confirmation email and redirects to check-inbox', async () => {
    const res = await subscribe({ email: 'new@example.com', firstName: 'Noor', consent: 'yes', timeZone: 'America/New_York', form: 'signup-page' }, { 'user-agent': 'UA-test/1' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/check-inbox');
    expect(res.headers['set-cookie']).toBeUndefined();
    const page = await t.app.inject({ method: 'GET', url: '/check-inbox' });
    expect(page.body).toContain('Check your inbox');

    await t.settle(); // the confirmation is a job on the send queue
    const s = (await t.core.store.findByCanonical('new@example.com'))!;
    expect(s).toMatchObject({ status: 'pending', firstName: 'Noor', timeZone: 'America/New_York', email: 'new@example.com' });
    const ledger = await t.core.store.ledger(s.id);
    expect(ledger.map((e) => e.event)).toEqual(['signup', 'confirmation-sent']);
    expect(ledger[0]).toMatchObject({ source: 'signup-page', ip: '127.0.0.1', userAgent: 'UA-test/1', consentVersion: '2026-11', consentText: t.core.service.consent().text });

    const mails = await mailsTo(t, 'new@example.com');
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    expect(linkIn(m, 'confirm')).toMatch(/^https:\/\/clinic\.example\/confirm\/v1\.confirm\./);
    // Every email: an unsubscribe link in the body and RFC 8058 headers.
    const unsub = linkIn(m, 'unsubscribe');
    expect(unsub).toMatch(/^https:\/\/clinic\.example\/unsubscribe\/v1\.manage\./);
    expect(header(m, 'List-Unsubscribe')).toBe(`<${unsub}>`);
    expect(header(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(m.mail.text ?? '').toContain('/unsubscribe/');
  });

  it('answers the same for new, pending and confirmed addresses and sends no extra mail to confirmed ones', async () => {
    const first = await subscribe({ email: 'same@example.com', consent: 'yes' });
    const s = (await t.core.store.findByCanonical('same@example.com'))!;
    const pending = await subscribe({ email: 'same@example.com', consent: 'yes' });
    await t.core.service.confirm(s, { ip: null, userAgent: null });
    const confirmed = await subscribe({ email: 'SAME@example.com', consent: 'yes' });
    const json = await Promise.all(
      ['fresh-api@example.com', 'same@example.com'].map((email) =>
        t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, consent: true } }),
      ),
    );
    for (const r of [first, pending, confirmed]) {
      expect(r.statusCode).toBe(303);
      expect(r.headers.location).toBe('/check-inbox');
      expect(r.body).toBe('');
    }
    expect(json[0]!.statusCode).toBe(202);
    expect(json[1]!.statusCode).toBe(202);
    expect(json[0]!.json()).toEqual(json[1]!.json());
    expect(await mailsTo(t, 'same@example.com')).toHaveLength(1);
    expect((await t.core.store.get(s.id))!.status).toBe('active');
  });

  it('sends a pending address a fresh confirmation, at most once per confirmationResendMs', async () => {
    await subscribe({ email: 'again@example.com', consent: 'yes' });
    await subscribe({ email: 'again@example.com', consent: 'yes' });
    expect(await mailsTo(t, 'again@example.com')).toHaveLength(1);
    skewMs += RESEND_MS + 1000;
    const res = await subscribe({ email: 'again@example.com', consent: 'yes' });
    expect(res.statusCode).toBe(303);
    const mails = await mailsTo(t, 'again@example.com');
    expect(mails).toHaveLength(2);
    expect(linkIn(mails[0]!, 'confirm')).not.toBe(linkIn(mails[1]!, 'confirm'));
    const s = (await t.core.store.findByCanonical('again@example.com'))!;
    expect((await t.core.store.ledger(s.id)).map((e) => e.event)).toEqual(['signup', 'confirmation-sent', 'signup', 'confirmation-sent']);
  });

  it('refuses names with markup, and shows the form again with the value escaped', async () => {
    const name = `<script>alert("x")</script> O'Neil & Co`;
    const res = await subscribe({ email: 'xss@example.com', consent: 'yes', firstName: name });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).toContain('&lt;script&gt;');
    expect(await t.core.store.findByCanonical('xss@example.com')).toBeNull();
    expect(await mailsTo(t, 'xss@example.com')).toHaveLength(0);
  });

  it('re-shows the form with the typed values escaped and a message when something is wrong', async () => {
    const res = await subscribe({ email: 'not-an-address', firstName: `<b>"Bo" & 'Jo'</b>`, consent: 'yes' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('That does not look like an email address');
    expect(res.body).not.toContain('<b>"Bo"');
    expect(res.body).toContain('&lt;b&gt;&quot;Bo&quot; &amp; &#x27;Jo&#x27;&lt;/b&gt;');
    expect(res.body).toMatch(/id="email"[^>]*aria-invalid="true"/);
  });

  it('asks for consent when the box is not ticked (HTML and JSON)', async () => {
    const html = await subscribe({ email: 'noconsent@example.com' });
    expect(html.statusCode).toBe(400);
    expect(html.body).toContain('Please tick the box to agree to receive our emails.');
    const json = await subscribe({ email: 'noconsent@example.com', consent: 'no' }, { accept: 'application/json' });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({ ok: false, error: { status: 400, message: 'Please tick the box to agree to receive our emails.', field: 'consent' } });
    expect(await t.core.store.findByCanonical('noconsent@example.com')).toBeNull();
    expect(await mailsTo(t, 'noconsent@example.com')).toHaveLength(0);
  });

  it('asks for the address when it is missing', async () => {
    const res = await subscribe({ consent: 'yes' }, { accept: 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ field: 'email', message: 'Please enter your email address.' });
  });
});
