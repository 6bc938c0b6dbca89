// The /outbox mail catcher: search, clickable links in the text part, links in
// the HTML part opening outside the sandbox, "delete all" only from the page
// itself, times as machine-readable UTC for the page script, and new mail
// announced by server-sent events.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../src/delivery/transport';
import { linkify, matches, withLinksInNewTab } from '../../src/web/outbox/message';
import { createTestApp, type TestApp } from '../support/app';
import { FORM } from './helpers';

const mail = (to: string, subject: string, text = 'Hello'): OutgoingEmail => ({
  from: 'Clinic <hello@clinic.example>',
  to,
  subject,
  html: `<html><head><title>x</title></head><body><a href="https://clinic.example/confirm/abc">Confirm</a></body></html>`,
  text,
  headers: {},
  tags: [],
});

describe('outbox viewer rules', () => {
  it('makes http(s) URLs in text clickable, leaving sentence punctuation outside', () => {
    expect(linkify('Confirm: https://clinic.example/confirm/a.b-c. Or (https://x.example/p?q=1), thanks')).toEqual([
      { text: 'Confirm: ' },
      { url: 'https://clinic.example/confirm/a.b-c' },
      { text: '. Or (' },
      { url: 'https://x.example/p?q=1' },
      { text: '), thanks' },
    ]);
    expect(linkify('javascript:alert(1) and ftp://x')).toEqual([{ text: 'javascript:alert(1) and ftp://x' }]);
  });

  it('opens links of the previewed email in a new tab (first <base target> wins)', () => {
    expect(withLinksInNewTab('<!doctype html><html lang="en"><head><base target="_self"></head><body></body></html>')).toBe(
      '<!doctype html><html lang="en"><head><base target="_blank"><base target="_self"></head><body></body></html>',
    );
    expect(withLinksInNewTab('<html><body>x</body></html>')).toBe('<html><head><base target="_blank"></head><body>x</body></html>');
    expect(withLinksInNewTab('<p>bare</p>')).toBe('<base target="_blank"><p>bare</p>');
  });

  it('searches by address or subject, every word, any case', () => {
    const s = { file: 'f.eml', subject: 'Please confirm your email', from: 'Clinic <hello@clinic.example>', to: 'ann@example.org', date: null };
    expect(matches(s, 'ANN@example')).toBe(true);
    expect(matches(s, 'confirm ann')).toBe(true);
    expect(matches(s, 'hello@clinic')).toBe(true);
    expect(matches(s, 'confirm bob')).toBe(false);
    expect(matches(s, '   ')).toBe(true);
  });
});

describe('GET /outbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('outboxviewer');
    await t.outbox.sendBatch([mail('ann@example.org', 'Please confirm your email', 'Press https://clinic.example/confirm/abc to confirm.')], { idempotencyKey: 'v1' });
    await t.outbox.sendBatch([mail('bob@example.org', 'Welcome to the series')], { idempotencyKey: 'v2' });
  });
  afterAll(() => t.close());

  it('searches by address or subject', async () => {
    const byAddress = (await t.app.inject({ url: '/outbox?q=bob%40example' })).body;
    expect(byAddress).toContain('Welcome to the series');
    expect(byAddress).not.toContain('Please confirm your email');
    expect(byAddress).toContain('1 of 2 emails');
    const bySubject = (await t.app.inject({ url: '/outbox?q=CONFIRM' })).body;
    expect(bySubject).toContain('Please confirm your email');
    expect(bySubject).not.toContain('Welcome to the series');
    expect((await t.app.inject({ url: '/outbox?q=nobody' })).body).toContain('No emails match');
  });

  it('gives times as UTC datetime attributes for the page script to show in local time', async () => {
    const body = (await t.app.inject({ url: '/outbox' })).body;
    expect(body).toMatch(/<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z">[^<]+ UTC<\/time>/i); // HTML attributes ignore case
    expect(body).toContain('<script src="/outbox/static/outbox.js" defer="">');
    const js = await t.app.inject({ url: '/outbox/static/outbox.js' });
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain("new EventSource('/outbox/events')");
  });

  it('shows the text part with clickable links, and the HTML part with links leaving the sandbox', async () => {
    const [, confirm] = await t.outbox.list(); // newest first: the confirmation is second
    const text = (await t.app.inject({ url: `/outbox/${confirm!.file}?tab=text` })).body;
    expect(text).toContain('<a href="https://clinic.example/confirm/abc" target="_blank" rel="noopener noreferrer">https://clinic.example/confirm/abc</a>');
    const html = (await t.app.inject({ url: `/outbox/${confirm!.file}/html` })).body;
    expect(html).toMatch(/<head><base target="_blank">/);
    const mobile = (await t.app.inject({ url: `/outbox/${confirm!.file}?view=mobile` })).body;
    expect(mobile).toContain('class="ob-frame ob-mobile"');
  });

  it('refuses "delete all" from another site and by GET, then deletes everything from the page', async () => {
    const crossSite = await t.app.inject({ method: 'POST', url: '/outbox/delete-all', headers: { ...FORM, 'sec-fetch-site': 'cross-site' }, payload: '' });
    expect(crossSite.statusCode).toBe(403);
    const otherOrigin = await t.app.inject({ method: 'POST', url: '/outbox/delete-all', headers: { ...FORM, origin: 'https://evil.example' }, payload: '' });
    expect(otherOrigin.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/outbox/delete-all' })).statusCode).toBe(404);
    expect(await t.outbox.list()).toHaveLength(2);
    const ok = await t.app.inject({ method: 'POST', url: '/outbox/delete-all', headers: { ...FORM, 'sec-fetch-site': 'same-origin', origin: 'http://localhost', host: 'localhost' }, payload: '' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/outbox');
    expect(await t.outbox.list()).toHaveLength(0);
    expect((await t.app.inject({ url: '/outbox' })).body).toContain('No emails yet');
  });
});

describe('GET /outbox/events', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp('outboxevents');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('announces new mail without a refresh, and an emptied outbox', async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest({ port, host: '127.0.0.1', path: '/outbox/events' }, resolve).on('error', reject).end();
    });
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    let received = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (pattern.test(received)) {
            response.off('data', onData);
            resolve();
          }
        };
        const onData = (chunk: Buffer) => {
          received += chunk.toString();
          check();
        };
        response.on('data', onData);
        check();
      });
    await waitFor(/retry: 2000/); // the feed knows the current (empty) folder now
    await t.outbox.sendBatch([mail('cy@example.org', 'Live')], { idempotencyKey: 'live' });
    const [written] = await t.outbox.list();
    await waitFor(/event: mail\ndata: \{"files":\[[^\]]*\]\}/);
    expect(received).toContain(written!.file);
    await t.outbox.clear();
    await waitFor(/event: cleared/);
    response.destroy();
  }, 20_000);
});
