// The emails in Chromium, as a mail client's web view shows them.
// - axe-core on every template in light and dark mode: 0 violations, and the
//   canvas is dark to its edges in dark mode. Two page
//   rules are left out, on purpose: `landmark-one-main` and `region` want a
//   <main> landmark, and an email shown inside a webmail page must not bring a
//   second one; the email is one article landmark named by its subject
//   (role="article", aria-roledescription="email"), as email accessibility
//   guides advise. Both are axe best practices, not WCAG criteria.
// - The newsletter with images blocked, as many mail clients open it: the
//   picture's alt text sits in a tinted box no taller than the text (no blank
//   area the height of the picture), and is painted. With images on, the
//   picture keeps its proportions.
// Screenshots (desktop and 390 px, light and dark) go to test-artifacts/emails/.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/render/render';
import { TEMPLATE_IDS } from '../../src/render/templates';
import { launchChromium } from '../support/browser';
import { context, recipient } from '../render/fixtures';

const SHOTS = join(process.cwd(), 'test-artifacts', 'emails');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Page-level rules that an email must not satisfy (see the top of this file). */
const PAGE_ONLY_RULES = ['landmark-one-main', 'region'];
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '390', width: 390, height: 844 },
] as const;
/** Two lines of 14/20 px alt text plus the mat's padding, with room to spare; the picture is 300 px high. */
const MAX_IMAGES_OFF_HEIGHT = 80;

let browser: Browser;
let html: string;
const image = context.newsletter!.articles[0]!.image!;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  html = (await renderEmail('newsletter', recipient(), context)).html;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A page showing the newsletter; every image request is refused (images off) or answered with a 536×300 picture. */
async function open(ctx: BrowserContext, images: 'off' | 'on'): Promise<Page> {
  const page = await ctx.newPage();
  const picture = `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}"><rect width="100%" height="100%" fill="#8a6d4b"/></svg>`;
  await page.route('**/*', (route) => {
    if (route.request().resourceType() !== 'image') return route.abort();
    return images === 'off' ? route.abort('blockedbyclient') : route.fulfill({ contentType: 'image/svg+xml', body: picture });
  });
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

const img = (page: Page) => page.locator(`img[src="${image.src}"]`);

describe('newsletter image in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`images off, ${viewport.name}: the alt text in a box no taller than the text, painted`, async () => {
      for (const colorScheme of ['light', 'dark'] as const) {
        const ctx = await browser.newContext({ viewport, colorScheme });
        try {
          const page = await open(ctx, 'off');
          const picture = img(page);
          expect(await picture.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 0)).toBe(true);
          const box = (await picture.boundingBox())!;
          const mat = (await picture.evaluate((el) => {
            const r = el.closest('table')!.getBoundingClientRect();
            return { height: r.height, width: r.width };
          }))!;
          console.log(`[images off] ${viewport.name} ${colorScheme}: image box ${box.height} px, mat ${mat.height} px (picture ${image.height} px)`);
          // Room for one line of text, and nowhere near the picture's 300 px.
          expect(box.height, `${viewport.name} ${colorScheme}: image box`).toBeGreaterThanOrEqual(20);
          expect(box.height, `${viewport.name} ${colorScheme}: image box`).toBeLessThan(MAX_IMAGES_OFF_HEIGHT);
          expect(mat.height, `${viewport.name} ${colorScheme}: mat`).toBeLessThan(MAX_IMAGES_OFF_HEIGHT + 24);
          expect(box.width).toBeGreaterThan(250);
          expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
          // The alt text is styled on the img and is painted: another alt gives other pixels in the same box.
          const style = await picture.evaluate((el) => {
            const s = getComputedStyle(el);
            return { fontSize: s.fontSize, color: s.color, mat: getComputedStyle(el.closest('table')!).backgroundColor };
          });
          expect(style.fontSize).toBe('14px');
          expect(style.color).not.toBe(style.mat);
          const withAlt = await picture.screenshot();
          await picture.evaluate((el) => el.setAttribute('alt', 'x'));
          const withOtherAlt = await picture.screenshot();
          expect(withAlt.equals(withOtherAlt), `${viewport.name} ${colorScheme}: alt text painted`).toBe(false);
          await picture.evaluate((el, alt) => el.setAttribute('alt', alt), image.alt);
          await page.screenshot({ path: join(SHOTS, `newsletter-images-off-${viewport.name}-${colorScheme}.png`), fullPage: true });
        } finally {
          await ctx.close();
        }
      }
    });
  }

  it('images on: the picture keeps its proportions inside the mat', async () => {
    for (const viewport of VIEWPORTS) {
      const ctx = await browser.newContext({ viewport });
      try {
        const page = await open(ctx, 'on');
        const picture = img(page);
        await expect.poll(() => picture.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(image.width);
        const box = (await picture.boundingBox())!;
        expect(Math.abs(box.height / box.width - image.height! / image.width!), viewport.name).toBeLessThan(0.02);
        expect(box.width, viewport.name).toBeLessThanOrEqual(512);
        await page.screenshot({ path: join(SHOTS, `newsletter-images-on-${viewport.name}.png`), fullPage: true });
      } finally {
        await ctx.close();
      }
    }
  });
});

describe('every email in Chromium: axe', () => {
  it('finds 0 violations in light and dark mode, images off', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
      try {
        const page = await ctx.newPage();
        await page.route('**/*', (route) => route.abort());
        for (const id of TEMPLATE_IDS) {
          await page.setContent((await renderEmail(id, recipient(), context)).html);
          await page.addScriptTag({ content: AXE_SOURCE });
          const found = await page.evaluate(async (skip) => {
            type Axe = { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> };
            const axe = (window as unknown as { axe: Axe }).axe;
            const rules = Object.fromEntries(skip.map((rule) => [rule, { enabled: false }]));
            const result = await axe.run(document, { resultTypes: ['violations'], rules });
            return result.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
          }, PAGE_ONLY_RULES);
          expect(found, `${id} (${colorScheme})`).toEqual([]);
          // The landmark axe's page rules look for instead: one article, named by the subject.
          expect(await page.locator('[role="article"][aria-roledescription="email"]').count(), id).toBe(1);
          // The canvas, the outer cell that repeats it inline included, follows the scheme (no light frame in dark mode).
          const canvas = await page.evaluate(() =>
            [document.body, document.querySelector('.m-canvas > table > tbody > tr > td')!].map((el) => getComputedStyle(el).backgroundColor),
          );
          expect(canvas, `${id} (${colorScheme})`).toEqual(Array(2).fill(colorScheme === 'dark' ? 'rgb(18, 24, 25)' : 'rgb(243, 240, 234)'));
        }
      } finally {
        await ctx.close();
      }
    }
  });
});
