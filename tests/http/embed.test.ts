// The README's embeddable form snippet must keep working: same field names as
// the signup page, and a submission from another site signs up and records
// the "embed" form in the consent ledger.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentWording } from '../../src/content/consent';
import { createTestApp, type TestApp } from '../support/app';
import { FORM, form, outboxMails } from './helpers';

const readme = readFileSync('README.md', 'utf8');
const snippet = /```html\n(<form[\s\S]*?<\/form>)[\s\S]*?```/.exec(readme)?.[1] ?? '';
const names = (html: string) => [...new Set([...html.matchAll(/<input[^>]*\bname="([^"]+)"/g)].map((m) => m[1]!))].sort();

describe('README embed snippet', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('embed');
  });
  afterAll(() => t.close());

  it('posts to /subscribe with the same fields as the signup page', async () => {
    expect(snippet).toMatch(/action="https:\/\/[^"]+\/subscribe"/);
    const page = (await t.app.inject({ url: '/' })).body;
    expect(names(snippet)).toEqual(names(page));
  });

  it('shows the consent wording of the current version word for word', () => {
    const text = consentWording(t.config.consentTextVersion, 'the clinic').text;
    const label = /<label for="meridian-consent">([\s\S]*?)<\/label>/.exec(snippet)?.[1]?.replace(/\s+/g, ' ').trim();
    expect(label).toBe(text);
  });

  it('signs up from another origin and records the embed form', async () => {
    const fields = Object.fromEntries(names(snippet).map((n) => [n, '']));
    Object.assign(fields, { email: 'embedded@example.org', firstName: 'Eve', consent: 'yes', form: 'embed', timeZone: 'America/Chicago' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { ...FORM, origin: 'https://other-site.example', referer: 'https://other-site.example/sciatica' },
      payload: form(fields),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/check-inbox');
    const subscriber = await t.core.store.findByCanonical('embedded@example.org');
    expect(subscriber?.status).toBe('pending');
    expect(subscriber?.timeZone).toBe('America/Chicago');
    const [signup] = await t.core.store.ledger(subscriber!.id);
    expect(signup).toMatchObject({ event: 'signup', source: 'embed', consentVersion: t.config.consentTextVersion });
    expect((await outboxMails(t)).length).toBe(1);
  });
});
