// End to end in a real browser (Debian's Chromium, never a downloaded one):
// signup form -> confirmation email -> confirm page -> unsubscribe.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, listeningOnFreePort } from '../support/browser';
import { createTestApp, type TestApp } from '../support/app';
import { linkIn, mailsTo } from '../http/helpers';

const SHOTS = join(process.cwd(), 'test-artifacts', 'browser');

let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ app: t, base } = await listeningOnFreePort((env) => createTestApp('browser', env)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function fillForm(page: Page, email: string, name: string) {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel(/First name/).fill(name);
  await page.getByLabel(/I would like to receive emails/).check();
}

describe('signup flow in Chromium', () => {
  it('subscribes, confirms with the button and unsubscribes, recording each step', async () => {
    const context = await browser.newContext({ timezoneId: 'America/Chicago' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('input[name="timeZone"]').inputValue()).toBe('America/Chicago');
    await shot(page, '01-signup-form');
    await fillForm(page, 'browser@example.com', "Zoë O'Neil");
    await shot(page, '02-signup-filled');
    await page.getByRole('button', { name: 'Send me the series' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    // The address shows on the page but travels in no URL; reloading shows the page, not a second POST.
    expect(await page.locator('.address').textContent()).toBe('browser@example.com');
    await page.waitForURL(`${base}/check-inbox`);
    await shot(page, '03-check-inbox');

    const s = (await t.core.store.findByCanonical('browser@example.com'))!;
    expect(s).toMatchObject({ status: 'pending', firstName: "Zoë O'Neil", timeZone: 'America/Chicago' });
    const [mail] = await mailsTo(t, 'browser@example.com');
    expect(mail).toBeDefined();
    const confirmUrl = linkIn(mail!, 'confirm');
    expect(confirmUrl.startsWith(`${base}/confirm/`)).toBe(true);

    await page.goto(confirmUrl);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('One last step');
    await shot(page, '04-confirm-page');
    expect((await t.core.store.get(s.id))!.status).toBe('pending'); // opening the link changed nothing
    await page.getByRole('button', { name: 'Yes, confirm my subscription' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are subscribed');
    await shot(page, '05-confirmed');
    expect((await t.core.store.get(s.id))!.status).toBe('active');
    expect((await t.core.store.ledger(s.id)).map((e) => e.event)).toContain('confirmed');

    const unsubscribeUrl = linkIn(mail!, 'unsubscribe');
    await page.goto(unsubscribeUrl);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe');
    expect(await page.getByRole('link', { name: /Choose topics or pause/ }).getAttribute('href')).toMatch(/^\/preferences\//);
    await shot(page, '06-unsubscribe-page');
    expect((await t.core.store.get(s.id))!.status).toBe('active');
    await page.getByRole('button', { name: 'Unsubscribe from everything' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
    await shot(page, '07-unsubscribed');

    expect((await t.core.store.get(s.id))!.status).toBe('unsubscribed');
    const ledger = await t.core.store.ledger(s.id);
    expect(ledger.map((e) => e.event)).toEqual(['signup', 'confirmation-sent', 'confirmed', 'unsubscribed']);
    expect(ledger[0]).toMatchObject({ source: 'signup-page', ip: '127.0.0.1' });
    expect(ledger[0]!.userAgent).toMatch(/Chrome/);
    expect(ledger[3]!.source).toBe('unsubscribe-page');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000); // a dozen page loads and screenshots: room for a busy machine

  it('reaches the fields and the submit button with Tab, in order, skipping the honeypot', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? el.id || el.getAttribute('type') || el.tagName.toLowerCase() : '';
      }));
    }
    const want = ['email', 'firstName', 'consent', 'submit'];
    const positions = want.map((id) => order.indexOf(id));
    expect(positions.every((p) => p >= 0), order.join(',')).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(positions[3]! - positions[0]!).toBe(3); // nothing (no honeypot) in between
    expect(order).not.toContain('website');
    await page.keyboard.press('Shift+Tab');
    await shot(page, '08-keyboard-focus');
    await context.close();
  });

  it('subscribes with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator('input[name="timeZone"]').inputValue()).toBe('');
    await fillForm(page, 'nojs@example.com', 'Noah');
    await page.getByRole('button', { name: 'Send me the series' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    expect(await page.locator('.address').textContent()).toBe('nojs@example.com');
    await shot(page, '09-nojs-check-inbox');
    const s = (await t.core.store.findByCanonical('nojs@example.com'))!;
    expect(s).toMatchObject({ status: 'pending', firstName: 'Noah', timeZone: null });
    expect(await mailsTo(t, 'nojs@example.com')).toHaveLength(1);
    await context.close();
  });
});
