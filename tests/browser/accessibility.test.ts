// axe-core in Chromium on every public page, in light and dark mode, with the
// app's own CSP untouched (only this test's browser context bypasses it, to
// inject axe); plus what axe does not check: where focus lands after a submit,
// the "Error:" title, control borders at 3:1, and nothing wider than a 320 px
// viewport with a 40-character address. Screenshots land in
// test-artifacts/a11y/ (desktop and 390 px, light and dark).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, listeningOnFreePort } from '../support/browser';
import { createTestApp, type TestApp } from '../support/app';
import { linkIn, mailsTo } from '../http/helpers';

const SHOTS = join(process.cwd(), 'test-artifacts', 'a11y');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** 40 characters, one unbreakable word: the kind of address that used to widen the pages. */
const LONG_ADDRESS = 'alexandra.montgomery-smith987@hotmail.uk';

let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  expect(LONG_ADDRESS).toHaveLength(40);
  mkdirSync(SHOTS, { recursive: true });
  ({ app: t, base } = await listeningOnFreePort((env) => createTestApp('a11y', env)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** bypassCSP lets this context inject axe into every page; the app still sends its CSP, checked below. */
async function newContext(javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled, viewport: { width: 1280, height: 900 } });
  await context.addInitScript({ content: AXE_SOURCE });
  // Fail with a message rather than wait forever for something that never shows.
  context.setDefaultTimeout(30_000);
  return context;
}

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

async function axeViolations(page: Page): Promise<string[]> {
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** WCAG contrast of each control's border against what is behind it. */
async function controlBorderContrasts(page: Page): Promise<{ control: string; ratio: number }[]> {
  return page.evaluate(() => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 4).map(Number);
    const lum = ([r, g, b]: number[]) =>
      [r!, g!, b!]
        .map((c) => c / 255)
        .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i]!, 0);
    const behind = (el: Element): number[] => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || (c[3] ?? 1) > 0) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return Array.from(document.querySelectorAll('input[type=email], input[type=text]:not([tabindex="-1"]), select, fieldset')).map((el) => {
      const a = lum(rgb(getComputedStyle(el).borderTopColor));
      const b = lum(behind(el));
      return { control: `${el.tagName.toLowerCase()}#${el.id}`, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
    });
  });
}

/** Elements that stick out to the right of the viewport, and the page's scroll width. */
async function overflow(page: Page): Promise<{ scrollWidth: number; viewport: number; wide: string[] }> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const wide = Array.from(document.body.querySelectorAll("*"))
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > viewport + 0.5;
      })
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}`);
    return { scrollWidth: document.documentElement.scrollWidth, viewport, wide };
  });
}

// Several Chromium page loads per check: generous time on a busy machine, no timing asserted.
const checked: string[] = [];

/**
 * Runs every check on the page as it is now: axe and control borders in light
 * and dark mode; screenshots at desktop and 390 px in both, unless the page
 * only repeats a look already captured (they cost time on a busy machine).
 */
async function audit(page: Page, name: string, screenshots = true): Promise<void> {
  const size = page.viewportSize()!;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await axeViolations(page), `${name} (${scheme})`).toEqual([]);
    for (const { control, ratio } of await controlBorderContrasts(page)) {
      expect(ratio, `${name} (${scheme}): border of ${control}`).toBeGreaterThanOrEqual(3);
    }
    if (!screenshots) continue;
    await page.screenshot({ path: join(SHOTS, `${name}-desktop-${scheme}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, `${name}-390-${scheme}.png`), fullPage: true });
    await page.setViewportSize(size);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  checked.push(name);
}

/** At 320 px nothing may stick out; the address must wrap. */
async function fitsAt320(page: Page, name: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 320, height: 640 });
  const o = await overflow(page);
  expect(o.wide, `${name} at 320 px`).toEqual([]);
  expect(o.scrollWidth, `${name} at 320 px`).toBeLessThanOrEqual(320);
  await page.screenshot({ path: join(SHOTS, `${name}-320.png`), fullPage: true });
  await page.setViewportSize(size);
}

/**
 * The focused element as tag#id.class. Locators, not page.evaluate: they work
 * with JavaScript off too (Chromium gives evaluate no context on such pages).
 */
// Chromium applies autofocus at its next rendering update, after the load: on
// a busy machine the first look can come before it, so focus is waited for.
const FOCUS_WAIT_MS = 15_000;

async function focused(page: Page): Promise<string> {
  const el = page.locator(':focus');
  if ((await el.count()) !== 1) return '';
  const [tag, id, cls] = await Promise.all([el.evaluate((e) => e.tagName.toLowerCase()).catch(() => '?'), el.getAttribute('id'), el.getAttribute('class')]);
  return `${tag}${id ? `#${id}` : ''}${cls ? `.${cls.replace(/ /g, '.')}` : ''}`;
}

const titleOf = (page: Page) => page.locator('head > title').textContent();

/**
 * Serves the signup form without the browser's own checks (no `required`,
 * `type=email` or `maxlength`), as an older browser or a hand-made embed on
 * another site would post it, so the server's checks are what answer.
 */
async function withoutBrowserChecks(context: BrowserContext): Promise<void> {
  await context.route(`${base}/`, async (route) => {
    const response = await route.fetch();
    const body = (await response.text())
      .replace(/<form (?=[^>]*action="\/subscribe")/, '<form novalidate="" ')
      .replace(/ maxLength="\d+"/gi, '');
    await route.fulfill({ response, body });
  });
}

async function signUp(context: BrowserContext, email: string): Promise<{ page: Page; confirmUrl: string; unsubscribeUrl: string }> {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel(/I would like to receive emails/).check();
  await page.getByRole('button', { name: 'Send me the series' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
  const [mail] = await mailsTo(t, email);
  return { page, confirmUrl: linkIn(mail!, 'confirm'), unsubscribeUrl: linkIn(mail!, 'unsubscribe') };
}

describe('public pages in Chromium: axe, focus, contrast, small screens', () => {
  it('keeps the production CSP on every page (only the test context bypasses it)', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('signup form and every error state, with and without JavaScript', async () => {
    for (const js of [true, false]) {
      const mode = js ? 'js' : 'nojs';
      const context = await newContext(js);
      const page = await context.newPage();
      if (js) {
        await page.goto(`${base}/`);
        await audit(page, 'signup');
      }
      await withoutBrowserChecks(context);

      // Every field wrong at once: one summary, every error listed and linked.
      await page.goto(`${base}/`);
      await page.getByLabel('Email address').fill('not-an-address');
      await page.getByLabel(/First name/).fill('x'.repeat(101));
      await page.getByRole('button', { name: 'Send me the series' }).click();
      await page.locator('.error-summary').waitFor();
      expect(await titleOf(page)).toMatch(/^Error: /);
      await expect.poll(() => focused(page), { message: mode, timeout: FOCUS_WAIT_MS }).toBe('div.error-summary');
      const links = page.locator('.error-summary a');
      expect(await links.count()).toBe(3);
      const hrefs: string[] = [];
      for (const link of await links.all()) {
        const href = (await link.getAttribute('href'))!;
        hrefs.push(href);
        const field = page.locator(href);
        expect(await field.getAttribute('aria-invalid'), href).toBe('true');
        const message = page.locator(`#${await field.getAttribute('aria-describedby')}`);
        expect(await message.textContent(), href).toBe(`Error: ${await link.textContent()}`);
      }
      expect(hrefs).toEqual(['#email', '#firstName', '#consent']);
      expect(await page.locator('#email').inputValue()).toBe('not-an-address');
      if (js) await audit(page, 'signup-errors');
      // A summary link takes focus to its field.
      await page.locator('.error-summary a[href="#consent"]').click();
      await expect.poll(() => focused(page), { message: mode, timeout: FOCUS_WAIT_MS }).toBe('input#consent');

      // Only the consent box missing: its message sits with the checkbox.
      await page.goto(`${base}/`);
      await page.getByLabel('Email address').fill(LONG_ADDRESS);
      await page.getByRole('button', { name: 'Send me the series' }).click();
      await page.locator('.error-summary').waitFor();
      expect(await page.locator('.error-summary li').allTextContents()).toEqual(['Please tick the box to agree to receive our emails.']);
      expect(await page.locator('.field.invalid').filter({ has: page.locator('#consent-error') }).locator('#consent').count()).toBe(1);
      expect(await page.locator('#email').inputValue()).toBe(LONG_ADDRESS);
      if (js) {
        await audit(page, 'signup-consent-error', false);
        await fitsAt320(page, 'signup-consent-error');
      }

      // A ticked box stays ticked and the name stays when the address is refused.
      await page.goto(`${base}/`);
      await page.getByLabel('Email address').fill('someone@localhost');
      await page.getByLabel(/First name/).fill('Ana');
      await page.getByLabel(/I would like to receive emails/).check();
      await page.getByRole('button', { name: 'Send me the series' }).click();
      await page.locator('.error-summary').waitFor();
      await expect.poll(() => focused(page), { message: mode, timeout: FOCUS_WAIT_MS }).toBe('div.error-summary');
      expect(await page.locator('#consent').isChecked()).toBe(true);
      expect(await page.locator('#firstName').inputValue()).toBe('Ana');
      expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#consent').getAttribute('aria-invalid')).toBeNull();
      await context.close();
    }
  }, 180_000);

  it('check-inbox, confirm, confirmed, preferences with its notices and errors, unsubscribe and its result', async () => {
    const context = await newContext();
    const { page, confirmUrl, unsubscribeUrl } = await signUp(context, LONG_ADDRESS);
    expect(await page.locator('.address').textContent()).toBe(LONG_ADDRESS);
    expect(new URL(page.url()).pathname).toBe('/check-inbox'); // the address is in no URL
    expect(page.url()).not.toContain('alexandra');
    await audit(page, 'check-inbox');
    await fitsAt320(page, 'check-inbox');
    await page.getByRole('link', { name: /Go back to the form/ }).click();
    await page.waitForSelector('form.signup');

    await page.goto(confirmUrl);
    await audit(page, 'confirm');
    await fitsAt320(page, 'confirm');
    await page.getByRole('button', { name: 'Yes, confirm my subscription' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are subscribed');
    await audit(page, 'confirmed');
    // The preferences page takes the same signed token as the unsubscribe link.
    await page.goto(unsubscribeUrl.replace('/unsubscribe/', '/preferences/'));
    await audit(page, 'preferences');
    await fitsAt320(page, 'preferences');
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await page.waitForSelector('.notice.ok');
    await expect.poll(() => focused(page), { timeout: FOCUS_WAIT_MS }).toBe('div.notice.ok');
    expect(await page.locator('.notice.ok').textContent()).toBe('Your choices are saved.');
    await audit(page, 'preferences-saved');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForSelector('.notice.ok');
    await expect.poll(() => focused(page), { timeout: FOCUS_WAIT_MS }).toBe('div.notice.ok');
    expect(await page.locator('.notice.ok').textContent()).toMatch(/^Paused\. We will not email you until /);
    await audit(page, 'preferences-paused', false);
    await fitsAt320(page, 'preferences-paused');
    // A refused change: summary focused, linked to the control, marked at it.
    await page.$eval('#days option', (o) => ((o as HTMLOptionElement).value = '3'));
    await page.selectOption('#days', '3');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForSelector('.error-summary');
    expect(await titleOf(page)).toMatch(/^Error: Email preferences/);
    await expect.poll(() => focused(page), { timeout: FOCUS_WAIT_MS }).toBe('div.error-summary');
    expect(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#days']);
    expect(await page.locator('#days').getAttribute('aria-invalid')).toBe('true');
    await audit(page, 'preferences-error');

    await page.goto(unsubscribeUrl);
    await audit(page, 'unsubscribe');
    await fitsAt320(page, 'unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe from everything' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
    await audit(page, 'unsubscribed');
    await context.close();
    expect(checked).toEqual(
      expect.arrayContaining(['check-inbox', 'confirm', 'confirmed', 'preferences', 'preferences-saved', 'preferences-paused', 'preferences-error', 'unsubscribe', 'unsubscribed']),
    );
  }, 180_000);
});
