// The embed from another origin, in Chromium: README's snippet on a page served
// by a second local server on another port. tz.js and embed.css must load
// cross-origin (CORP), so the time zone arrives without any hand-filled field;
// the iframe embed signs up inside its frame; manage pages stay unframeable.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { freePort } from '../../src/runtime/redis-server';
import { createTestApp, type TestApp } from '../support/app';

const SHOTS = join(process.cwd(), 'test-artifacts', 'embed');
const README_SNIPPET = /```html\n(<form[\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))![1]!;
const README_IFRAME = /```html\n(<iframe[\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))![1]!;

let t: TestApp;
let browser: Browser;
let meridian: string;
let clinicSite: string;
let site: Server;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  meridian = `http://127.0.0.1:${port}`;
  t = await createTestApp('browser-embed', { PUBLIC_URL: meridian, PORT: String(port) });
  await t.app.listen({ port, host: '127.0.0.1' });
  // The clinic's own website: another origin (localhost, another port), README's snippets as they are.
  const page = (body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Clinic</title></head>` +
    `<body style="font-family:Georgia,serif;max-width:40rem;margin:2rem auto;padding:0 1rem"><h1>Sciatica help at our clinic</h1>${body.replaceAll('https://news.your-clinic.example', meridian)}</body></html>`;
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(req.url === '/framed' ? README_IFRAME : README_SNIPPET));
  });
  await new Promise<void>((resolve) => site.listen(0, 'localhost', resolve));
  clinicSite = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
  await t?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

function watchFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.url()}`));
  return failures;
}

describe('embedding on another site, in Chromium', () => {
  it('the script snippet: tz.js and embed.css load cross-origin and the time zone arrives', async () => {
    const context = await browser.newContext({ timezoneId: 'America/Chicago', viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    const failures = watchFailures(page);
    await page.goto(`${clinicSite}/`);
    await expect.poll(() => page.locator('input[name="timeZone"]').inputValue()).toBe('America/Chicago');
    // The optional stylesheet applies, to the snippet only.
    expect(await page.locator('.meridian-signup button').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(31, 111, 92)');
    expect(await page.locator('h1').evaluate((h) => getComputedStyle(h).fontFamily)).toMatch(/Georgia/);
    await shot(page, '01-snippet-on-clinic-site');
    await page.getByLabel('Email address').fill('chicago@example.com');
    await page.getByLabel(/I would like to receive emails/).check();
    await page.getByRole('button', { name: 'Send me the series' }).click();
    await page.waitForURL(`${meridian}/check-inbox`);
    const s = await t.core.store.findByCanonical('chicago@example.com');
    expect(s).toMatchObject({ status: 'pending', timeZone: 'America/Chicago' });
    expect((await t.core.store.ledger(s!.id))[0]).toMatchObject({ event: 'signup', source: 'embed' });
    expect(failures).toEqual([]);
    await context.close();
  }, 60_000);

  for (const width of [1024, 390]) {
    it(`the iframe embed signs up inside its frame (${width} px)`, async () => {
      const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width, height: 900 } });
      const page = await context.newPage();
      const failures = watchFailures(page);
      await page.goto(`${clinicSite}/framed`);
      const frame = page.frameLocator('iframe');
      await frame.getByLabel('Email address').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shot(page, `02-iframe-form-${width}`);
      const email = `framed${width}@example.com`;
      await frame.getByLabel('Email address').fill(email);
      await frame.getByLabel(/I would like to receive emails/).check();
      await frame.getByRole('button', { name: 'Send me the series' }).click();
      await frame.getByText('Check your inbox', { exact: true }).waitFor();
      await shot(page, `03-iframe-thanks-${width}`);
      const s = await t.core.store.findByCanonical(email);
      expect(s).toMatchObject({ status: 'pending', timeZone: 'Europe/Berlin' });
      expect((await t.core.store.ledger(s!.id))[0]).toMatchObject({ event: 'signup', source: 'iframe' });
      expect(failures).toEqual([]);
      await context.close();
    }, 60_000);
  }

  it('headers: only /embed and the embed assets are open to other sites', async () => {
    const embed = await t.app.inject({ url: '/embed' });
    expect(embed.headers['content-security-policy']).toMatch(/frame-ancestors \*/);
    expect(embed.headers['x-frame-options']).toBeUndefined();
    const token = t.core.links.manageToken('someone', 'someone@example.com');
    for (const url of ['/', '/check-inbox', `/preferences/${token}`, `/unsubscribe/${token}`, `/confirm/${token}`]) {
      const res = await t.app.inject({ url });
      expect(res.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
    }
    for (const name of ['tz.js', 'embed.css']) {
      expect((await t.app.inject({ url: `/static/${name}` })).headers['cross-origin-resource-policy'], name).toBe('cross-origin');
    }
    expect((await t.app.inject({ url: '/static/app.css' })).headers['cross-origin-resource-policy']).toBe('same-origin');
    const icon = await t.app.inject({ url: '/favicon.ico' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/x-icon');
    expect(icon.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0])); // ICO magic
  });
});
