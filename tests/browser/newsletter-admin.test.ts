// The marketer's newsletter pages in Chromium: sign in, compose an issue with
// the live preview, test-send it, schedule it, and see it in the list.
// Screenshots (desktop and 390 px) go to test-artifacts/browser/.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, listeningOnFreePort } from '../support/browser';
import { ADMIN, createConsoleApp, type ConsoleApp } from '../admin/support';

const SHOTS = join(process.cwd(), 'test-artifacts', 'browser');

let c: ConsoleApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ app: c, base } = await listeningOnFreePort((env) => createConsoleApp('nlbrowser', env)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await c?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('newsletter pages in Chromium', () => {
  it('composes with a live preview, test-sends, schedules and lists an issue', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Failed loads are reported by the response listener below (the favicon aside).
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));

    await page.goto(`${base}/admin/newsletters`);
    await page.waitForURL(/\/admin\/login/);
    await page.getByLabel(/Email/).fill(ADMIN.email);
    await page.getByLabel(/Password/).fill(ADMIN.password);
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.waitForURL(`${base}/admin/newsletters`);
    await page.getByRole('link', { name: 'Write a new issue' }).click();
    await page.waitForURL(`${base}/admin/newsletters/new`);

    await page.getByLabel('Issue id').fill('2026-12-browser');
    await page.getByLabel('Subject').fill('Small habits for a calmer back');
    await page.getByLabel('Title').fill('Notes from the clinic');
    await page
      .getByLabel('Body (Markdown)')
      .fill('A short note from all of us.\n\n## Walk a little, often\n\nShort walks through the day may ease stiffness.\n\n[Read more](https://clinic.example/walks)\n');
    // The live preview follows the typing: the frame shows the new section.
    const desktop = page.frameLocator('iframe[name="preview-desktop"]');
    await expect.poll(() => desktop.getByText('Walk a little, often').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('#preview-status').textContent()).toContain('Small habits for a calmer back');
    await expect.poll(() => page.locator('#pv-text').textContent()).toContain('Short walks through the day');
    // A health claim shows up with its line as it is typed.
    await page.getByLabel('Body (Markdown)').press('End');
    await page.getByLabel('Body (Markdown)').type('\nIt cures sciatica.');
    await expect.poll(() => page.locator('#preview-status').textContent(), { timeout: 15_000 }).toMatch(/health claim “cures” \(cure\)/);
    await page.getByLabel('Body (Markdown)').fill('A short note from all of us.\n\n## Walk a little, often\n\nShort walks through the day may ease stiffness.\n\n[Read more](https://clinic.example/walks)\n');
    await expect.poll(() => page.locator('#preview-status').textContent(), { timeout: 15_000 }).toContain('No absolute health claims');
    await shot(page, 'newsletter-01-compose-desktop');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(`${base}/admin/newsletters/2026-12-browser?done=created`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Draft saved');
    await expect.poll(() => page.frameLocator('iframe[name="preview-mobile"]').getByText('Walk a little, often').count()).toBe(1);
    await expect.poll(() => page.locator('#pv-size').textContent()).toMatch(/HTML size \d+\.\d KB of Gmail's 102 KB/);

    await page.getByLabel('Send a test to').fill('me@example.com, you@example.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.waitForURL(/done=tested/);
    const mails = readdirSync(c.outboxDir).map((f) => readFileSync(join(c.outboxDir, f), 'utf8'));
    expect(mails.filter((m) => /^Subject: \[Test\] Small habits for a calmer back/m.test(m))).toHaveLength(2);

    await page.getByLabel('Date').fill('2099-06-02');
    await page.getByLabel(/Hour in each reader/).fill('9');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.waitForURL(/done=scheduled/);
    await expect.poll(() => page.getByRole('heading', { level: 2, name: /Scheduled: 2099-06-02, 09:00 local/ }).count()).toBe(1);
    expect((await c.core.newsletters.get('2026-12-browser')).state).toBe('scheduled');
    await expect.poll(() => page.frameLocator('iframe[name="preview-mobile"]').getByText('Walk a little, often').count()).toBe(1);
    await shot(page, 'newsletter-02-scheduled-desktop');

    await page.goto(`${base}/admin/newsletters`);
    await expect.poll(() => page.getByRole('row', { name: /Small habits for a calmer back/ }).textContent()).toContain('Scheduled');
    await shot(page, 'newsletter-03-list-desktop');

    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'newsletter-04-list-390');
    await page.goto(`${base}/admin/newsletters/2026-12-browser`);
    await expect.poll(() => page.frameLocator('iframe[name="preview-mobile"]').getByText('Walk a little, often').count()).toBe(1);
    await expect.poll(() => page.frameLocator('iframe[name="preview-desktop"]').getByText('Walk a little, often').count()).toBe(1);
    await shot(page, 'newsletter-05-issue-390');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
