// The /outbox mail catcher in a real browser (Debian's Chromium): new mail
// appears without a refresh, times show in the viewer's zone, the email frame
// takes the email's full height (footer visible), its confirm link opens a
// working page outside the sandbox, the tabs, the 375 px view, the 390 px
// layout, and "delete all". Screenshots go to test-artifacts/outbox/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, listeningOnFreePort } from '../support/browser';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/drip';

const SHOTS = join(process.cwd(), 'test-artifacts', 'outbox');

let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ app: t, base } = await listeningOnFreePort((env) => createTestApp('browser-outbox', env)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function signUp(email: string) {
  const res = await t.app.inject({ method: 'POST', url: '/api/subscribe', payload: { email, firstName: 'Olga', consent: true } });
  expect(res.statusCode).toBe(202);
}

/** True when nothing on the page is wider than the viewport. */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('/outbox in Chromium', () => {
  it('desktop: live list, local times, full-height frame, working links, tabs, mobile view, delete all', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    // Playwright's locators reach into the sandboxed frame with scripts of their own, which the
    // sandbox rightly blocks; that message is about the test tool, not the page.
    page.on('console', (m) => m.type() === 'error' && !/^Blocked script execution/.test(m.text()) && !/status of \d+/.test(m.text()) && errors.push(m.text()));

    await page.goto(`${base}/outbox`);
    await page.getByText('No emails yet').waitFor();
    // Wait until the page's event stream is connected, then send: the mail must appear by itself.
    await page.locator('#ob-list[data-live="on"]').waitFor();
    await signUp('olga@example.com');
    const row = page.getByRole('link', { name: /Please confirm your email address/ });
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#ob-live').textContent()).toBe('1 new email');

    // The time is shown in the viewer's zone (Asia/Tokyo here), UTC kept as the tooltip.
    const time = await page.locator('time').first().evaluate((el) => ({
      text: el.textContent,
      title: el.getAttribute('title'),
      expected: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(el.getAttribute('datetime')!)),
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    }));
    expect(time.zone).toBe('Asia/Tokyo');
    expect(time.text).toBe(time.expected);
    expect(time.title).toMatch(/UTC$/);
    await shot(page, '01-list-desktop');

    await row.click();
    await page.waitForURL(/\/outbox\/[A-Za-z0-9_-]+\.eml$/);
    const frame = page.locator('iframe.ob-email');
    const inner = page.frameLocator('iframe.ob-email');
    const footer = inner.getByRole('link', { name: 'Unsubscribe', exact: true });
    await footer.waitFor();
    // The frame is as tall as the email: no inner scrolling, the footer is on the page.
    await expect
      .poll(() => frame.evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().height - f.contentDocument!.documentElement.scrollHeight))
      .toBeGreaterThanOrEqual(0);
    const frameBox = (await frame.boundingBox())!;
    const footerBox = (await footer.boundingBox())!;
    expect(frameBox.height).toBeGreaterThan(700); // the old fixed box was 628 px and cut the footer off
    expect(footerBox.y + footerBox.height).toBeLessThanOrEqual(frameBox.y + frameBox.height);
    await shot(page, '02-message-html-desktop');

    // The confirm button opens a normal page (outside the sandbox) where the form works.
    const [confirmPage] = await Promise.all([context.waitForEvent('page'), inner.getByRole('link', { name: /Confirm my email address/ }).click()]);
    await confirmPage.waitForLoadState();
    await expect.poll(() => confirmPage.getByRole('heading', { level: 1 }).textContent()).toBe('One last step');
    await confirmPage.getByRole('button', { name: /confirm my subscription/i }).click();
    await expect.poll(() => confirmPage.getByRole('heading', { level: 1 }).textContent()).toBe('You are subscribed');
    await confirmPage.close();
    expect((await t.core.store.findByCanonical('olga@example.com'))?.status).toBe('active');

    await page.getByRole('link', { name: 'Text', exact: true }).click();
    const textLink = page.locator('pre.ob-text a[href*="/confirm/"]');
    expect(await textLink.count()).toBe(1);
    expect(await textLink.getAttribute('target')).toBe('_blank');
    await shot(page, '03-message-text');
    await page.getByRole('link', { name: 'Headers', exact: true }).click();
    await page.getByRole('rowheader', { name: 'list-unsubscribe', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Raw source', exact: true }).click();
    expect(await page.locator('pre.ob-pre').textContent()).toMatch(/MIME-Version: 1\.0/);

    await page.getByRole('link', { name: 'HTML', exact: true }).click();
    await page.getByRole('link', { name: 'Mobile (375 px)' }).click();
    await inner.getByRole('link', { name: 'Unsubscribe', exact: true }).waitFor();
    const mobileWidth = await frame.evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().width);
    expect(mobileWidth).toBe(375 - 20); // 375 px phone, 10 px bezel each side
    await expect.poll(() => frame.evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().height - f.contentDocument!.documentElement.scrollHeight)).toBeGreaterThanOrEqual(0);
    await shot(page, '04-message-mobile-view');

    await page.goto(`${base}/outbox?q=olga`);
    expect(await page.getByRole('link', { name: /Please confirm/ }).count()).toBe(1);
    await page.goto(`${base}/outbox?q=nobody`);
    await page.getByText('No emails match').waitFor();
    await page.goto(`${base}/outbox`);
    await page.getByRole('button', { name: 'Delete all' }).click();
    await page.getByText('No emails yet').waitFor();
    expect(await t.outbox.list()).toHaveLength(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('390 px wide: the list and the email fit, and a tap on a row opens that email', async () => {
    await signUp('narrow.reader.with.a.rather.long.address@example.com');
    await signUp('second@example.com');
    // Confirmations go out from the queue, not the request: wait for both.
    await waitFor(async () => (await t.outbox.list()).length === 2, 30_000, async () => `${(await t.outbox.list()).length} emails in the outbox`);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${base}/outbox`);
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, '05-list-390');
    const rows = page.locator('.ob-list a');
    expect(await rows.count()).toBe(2);
    const target = await rows.nth(1).getAttribute('href');
    await rows.nth(1).locator('.ob-to').tap();
    await page.waitForURL(`${base}${target}`);
    await page.frameLocator('iframe.ob-email').getByRole('link', { name: 'Unsubscribe', exact: true }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, '06-message-390');
    await context.close();
  }, 60_000);
});
