// What the public pages say after a submit: every error at once and at its
// field, the address on the check-inbox page (never in a URL or cookie), and
// "Error:" titles. The browser side (focus, axe) is in
// tests/browser/accessibility.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { attrs, FORM, form } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('feedback');
});
afterAll(() => t.close());

const HTML = { accept: 'text/html,application/xhtml+xml' };
const subscribe = (fields: Record<string, string>, headers: Record<string, string> = HTML) =>
  t.app.inject({ method: 'POST', url: '/subscribe', headers: { ...FORM, ...headers }, payload: form(fields) });

describe('signup errors', () => {
  it('lists every problem, links each to its field, marks the fields and keeps what was typed', async () => {
    const res = await subscribe({ email: 'nope', firstName: 'x'.repeat(101), timeZone: 'Europe/Paris', form: 'clinic-home' });
    expect(res.statusCode).toBe(400);
    const html = res.body;
    expect(html).toMatch(/<title>Error: /);
    expect(attrs(html, 'div', 'class', 'error-summary')).toMatchObject({ tabindex: '-1', autofocus: '' });
    expect([...html.matchAll(/<li><a href="#(\w+)">/g)].map((m) => m[1])).toEqual(['email', 'firstName', 'consent']);
    for (const id of ['email', 'firstName', 'consent']) {
      expect(attrs(html, 'input', 'id', id)).toMatchObject({ 'aria-invalid': 'true', 'aria-describedby': `${id}-error` });
      expect(html).toContain(`<p id="${id}-error" class="field-error">`);
    }
    expect(attrs(html, 'input', 'id', 'email')).toMatchObject({ value: 'nope' });
    expect(attrs(html, 'input', 'name', 'timeZone')).toMatchObject({ value: 'Europe/Paris' });
    expect(attrs(html, 'input', 'name', 'form')).toMatchObject({ value: 'clinic-home' });
    // The consent message sits with the checkbox, after the email and name fields.
    expect(html.indexOf('id="consent-error"')).toBeGreaterThan(html.indexOf('id="firstName"'));
  });

  it('keeps a ticked consent box ticked and leaves valid fields unmarked', async () => {
    const html = (await subscribe({ email: 'someone@localhost', firstName: 'Ana', consent: 'yes' })).body;
    expect(attrs(html, 'input', 'id', 'consent')).toMatchObject({ checked: '' });
    expect(attrs(html, 'input', 'id', 'consent')).not.toHaveProperty('aria-invalid');
    expect(attrs(html, 'input', 'id', 'firstName')).toMatchObject({ value: 'Ana' });
    expect(attrs(html, 'input', 'id', 'firstName')).not.toHaveProperty('aria-invalid');
    expect([...html.matchAll(/<li><a href="#(\w+)">/g)].map((m) => m[1])).toEqual(['email']);
  });

  it('keeps the JSON API answer to the first problem', async () => {
    const res = await subscribe({ email: 'nope' }, { accept: 'application/json' });
    expect(res.json()).toEqual({ ok: false, error: { status: 400, message: expect.stringContaining('email address'), field: 'email' } });
  });
});

describe('check-inbox', () => {
  it('shows a browser the address it typed, escaped, with no cookie and no address in any URL', async () => {
    const typed = `o'neil+news&more@example.com`;
    const res = await subscribe({ email: ` ${typed} `, consent: 'yes' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<strong class="address">o&#x27;neil+news&amp;more@example.com</strong>');
    expect(res.body).toMatch(/Wrong address\? <a href="\/">/);
    // Reloading must not post the form again: the page points the address bar at /check-inbox.
    expect(res.body).toContain('<script src="/static/check-inbox.js" defer=""></script>');
    const script = await t.app.inject({ method: 'GET', url: '/static/check-inbox.js' });
    expect(script.body).toContain("history.replaceState(null, '', '/check-inbox')");
  });

  it('redirects other clients, and the page itself shows no address', async () => {
    const res = await subscribe({ email: 'plain@example.com', consent: 'yes' }, {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/check-inbox');
    const page = await t.app.inject({ method: 'GET', url: '/check-inbox', headers: { cookie: 'x=plain@example.com' } });
    expect(page.body).not.toContain('plain@example.com');
    expect(page.body).toMatch(/Typed the wrong address\? <a href="\/">/);
  });
});

describe('error pages', () => {
  it('prefixes error pages with "Error:"', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/preferences/v1.manage.nope.nope.0.nope', headers: HTML });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<title>Error: /);
  });
});
