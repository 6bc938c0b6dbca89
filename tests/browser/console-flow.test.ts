// The marketer's console in Chromium, end to end: sign in, the overview chart,
// find a subscriber by another spelling of the address, the timeline, the JSON
// export, erase (typing the address again), import a small CSV, the CSV
// export, the template pages and the queue board. Then the same pages at
// 390 px must not scroll sideways. Screenshots go to test-artifacts/browser/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalAddress } from '../../src/subscribers/address';
import { launchChromium, listeningOnFreePort } from '../support/browser';
import { ADMIN, createConsoleApp, type ConsoleApp } from '../admin/support';

const SHOTS = join(process.cwd(), 'test-artifacts', 'browser');
const CLINIC = 'Harbourside Needle Works';

let c: ConsoleApp;
let browser: Browser;
let base: string;
const meta = { ip: '198.51.100.9', userAgent: 'browser test' };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ app: c, base } = await listeningOnFreePort((env) => createConsoleApp('consoleflow', { ...env, CLINIC_NAME: CLINIC, CLINIC_POSTAL_ADDRESS: '7 Quay Lane, Porthaven PH1 2AB' })));
  // Two people: one confirmed (so the chart has signups and a confirmation), one pending.
  for (const [email, firstName] of [['jane.doe@gmail.com', 'Jane'], ['sam@example.org', 'Sam']] as const) {
    expect((await c.core.service.signup({ email, firstName, consent: 'yes', timeZone: 'Europe/Berlin' }, meta, 'signup-page')).ok).toBe(true);
  }
  const jane = (await c.core.store.findByCanonical(canonicalAddress('jane.doe@gmail.com')))!;
  await c.core.service.confirm(jane, meta);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await c?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function open(width: number, height: number): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
  // Nothing from elsewhere: no CDN, no web fonts (the machine is offline, a clinic's network may be too).
  page.on('request', (r) => !r.url().startsWith(base) && !/^(data|blob|about):/.test(r.url()) && errors.push(`external request ${r.url()}`));
  await page.goto(`${base}/admin`);
  await page.waitForURL(/\/admin\/login/);
  await page.getByLabel(/Email/).fill(ADMIN.email);
  await page.getByLabel(/Password/).fill(ADMIN.password);
  await page.getByRole('button', { name: /Sign in/ }).click();
  await page.waitForURL(`${base}/admin`);
  return { context, page, errors };
}

/** Pixels of the chart canvas that are not fully transparent: 0 means chart.js drew nothing. */
const inkOnChart = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.getElementById('daily-chart') as HTMLCanvasElement | null;
    if (!canvas || canvas.getAttribute('data-ready') !== 'true') return 0;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
    return ink;
  });

describe('the console in Chromium', () => {
  it('signs in, reads the overview, finds, exports and erases a subscriber, imports a CSV, exports, shows templates and the queues', async () => {
    const { context, page, errors } = await open(1366, 900);

    // Overview: the 30-day chart is drawn on its canvas.
    await expect.poll(() => inkOnChart(page), { timeout: 15_000 }).toBeGreaterThan(500);
    await shot(page, 'console-01-overview-desktop');

    // Search by another spelling of the address: the canonical form finds her.
    await page.getByRole('link', { name: 'Subscribers', exact: true }).click();
    await page.getByLabel('Find by email address').fill('Jane.Doe+news@GMAIL.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/admin\/subscribers\/[A-Za-z0-9-]+$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('jane.doe@gmail.com');
    const timeline = page.locator('ol.timeline');
    await expect.poll(() => timeline.locator('li').count()).toBeGreaterThanOrEqual(2);
    expect(await timeline.textContent()).toMatch(/consent/i);
    // Each entry reads top to bottom: the time on its own line above what happened (no stray layout from public-page classes).
    const [timeBox, titleBox] = await Promise.all([timeline.locator('li time').first().boundingBox(), timeline.locator('li strong').first().boundingBox()]);
    expect(titleBox!.y).toBeGreaterThanOrEqual(timeBox!.y + timeBox!.height - 1);
    await shot(page, 'console-02-subscriber-desktop');

    // GDPR export (Art. 15/20): a JSON download with her record.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export JSON' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { subscriber?: { email?: string }; consentLedger?: unknown[] };
    expect(JSON.stringify(exported)).toContain('jane.doe@gmail.com');

    // Erase: a wrong address erases nothing; the right one does.
    await page.getByText('Erase this person').click();
    await page.getByLabel('Type the address to confirm').fill('sam@example.org');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('does not match');
    expect(await c.core.store.findByCanonical('janedoe@gmail.com')).not.toBeNull();
    // That refusal was a 400 page: the one error response this flow expects.
    expect(errors.splice(0)).toEqual([`400 ${page.url()}`]);
    await page.getByText('Erase this person').click();
    await page.getByLabel('Type the address to confirm').fill('jane.doe@gmail.com');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await page.waitForURL(/done=erased/);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('erased');
    expect(await c.core.store.findByCanonical(canonicalAddress('jane.doe@gmail.com'))).toBeNull();
    await shot(page, 'console-03-erased-desktop');

    // Import a small CSV: two new people, one bad line reported by number, the erased address not revived.
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    const csv = 'email,first_name\nada@example.net,Ada\nnot-an-address,Bad\njane.doe@gmail.com,Jane\ngrace@example.net,Grace\n';
    await page.getByLabel('CSV file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.locator('#import-result').textContent(), { timeout: 15_000 }).toContain('4 rows: 2 added');
    expect(await page.locator('#import-result').textContent()).toContain('1 erased earlier (not re-added)');
    expect(await page.locator('.import-errors').textContent()).toMatch(/^Line 3: /);
    expect(await c.core.store.findByCanonical('ada@example.net')).not.toBeNull();
    await shot(page, 'console-04-import-desktop');

    // CSV export: a streamed download with the imported people.
    await page.getByRole('link', { name: 'Export', exact: true }).click();
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const exportedCsv = readFileSync((await csvDownload.path())!, 'utf8');
    expect(exportedCsv).toContain('ada@example.net');
    expect(exportedCsv).toContain('sam@example.org');
    expect(exportedCsv).not.toContain('jane.doe@gmail.com');

    // Templates: the configured clinic inside the sandboxed frames.
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('link', { name: 'welcome', exact: true }).click();
    for (const frame of ['iframe.desktop', 'iframe.mobile']) {
      await expect.poll(() => page.frameLocator(frame).getByText(`The team at ${CLINIC}`).count(), { timeout: 15_000 }).toBe(1);
    }
    await shot(page, 'console-05-template-desktop');
    await page.getByRole('link', { name: 'All templates' }).click();
    await page.getByRole('link', { name: 'newsletter', exact: true }).click();
    // The sample issue's picture comes from Meridian itself and really loads inside the sandboxed frame.
    await expect
      .poll(() => page.frameLocator('iframe.desktop').locator('img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 })
      .toBe(536);
    await shot(page, 'console-05b-newsletter-template-desktop');

    // The queue board (Bull Board) behind the same sign-in.
    await page.getByRole('link', { name: 'Queues', exact: true }).click();
    await page.waitForURL(`${base}/admin/queues`);
    await expect.poll(() => page.getByText(`${CLINIC} queues`).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'send', exact: true }).first().click();
    await page.waitForURL(/\/admin\/queues\/queue\/send/);
    // The send queue holds the confirmation jobs (signups and the import's), at priority 1, waiting for a worker.
    await expect.poll(() => page.getByText('priority 1', { exact: true }).count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await shot(page, 'console-06-queues-desktop');
    // A way back to the console from the board: the last menu in its header (icon buttons without names).
    await page.locator('header ul[class^="actions"] > li').last().locator('button').click();
    await page.getByText('Back to the console').click();
    await page.waitForURL(`${base}/admin`);

    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('is readable at 390 px: no page scrolls sideways, the chart still draws', async () => {
    const { context, page, errors } = await open(390, 844);
    await expect.poll(() => inkOnChart(page), { timeout: 15_000 }).toBeGreaterThan(200);
    const sam = (await c.core.store.findByCanonical('sam@example.org'))!;
    const pages: [string, string][] = [
      ['/admin', 'console-11-overview-390'],
      ['/admin/subscribers', 'console-12-subscribers-390'],
      [`/admin/subscribers/${sam.id}`, 'console-13-subscriber-390'],
      ['/admin/templates', 'console-14-templates-390'],
      ['/admin/templates/newsletter', 'console-15-template-390'],
      ['/admin/import', 'console-16-import-390'],
      ['/admin/export', 'console-17-export-390'],
    ];
    for (const [url, name] of pages) {
      await page.goto(`${base}${url}`);
      await page.waitForLoadState('load');
      if (url.startsWith('/admin/templates/')) {
        for (const frame of ['iframe.desktop', 'iframe.mobile']) {
          await expect.poll(() => page.frameLocator(frame).getByText(`The team at ${CLINIC}`).count(), { timeout: 15_000 }).toBe(1);
        }
      }
      await shot(page, name);
      if (url.startsWith('/admin/templates/')) {
        // Chromium does not paint a cross-origin (sandboxed) frame far outside the viewport: bring the 375 px one in view.
        await page.locator('iframe.mobile').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `${name}-mobile-frame.png`) });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
    await page.goto(`${base}/admin/queues`);
    await expect.poll(() => page.getByText(`${CLINIC} queues`).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await shot(page, 'console-18-queues-390');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
