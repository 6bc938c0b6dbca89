// The copy covers every topic of the clinic's article, in careful language,
// and in our own words.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/render/render';
import { TEMPLATE_IDS, type TemplateId } from '../../src/render/templates';
import { context, recipient } from '../render/fixtures';

// The clinic's article sits in shared/ beside the checkout (as in CI); MERIDIAN_ARTICLE overrides.
const ARTICLE = process.env.MERIDIAN_ARTICLE ?? resolve('..', 'shared', 'content', 'acupuncture-for-sciatica.txt');

async function text(id: TemplateId): Promise<string> {
  return (await renderEmail(id, recipient(), context)).text;
}

/** Key phrases each template must carry (case-insensitive). */
const TOPICS: Record<Exclude<TemplateId, 'confirm' | 'newsletter'>, RegExp[]> = {
  welcome: [
    /sciatic nerve/, /lower back/, /\bpain\b/, /tingling/, /numbness/, /pinched nerve/, /inflamed/,
    /week 1/, /week 2/, /week 3/,
    /very thin needles/, /skin's top layer/, /\bqi\b/, /Eastern medicine/, /tradition/,
    /not an established scientific finding/,
  ],
  mechanisms: [
    /release of endorphins/, /brain and spinal cord/,
    /inflammation/, /pressure off the sciatic nerve/,
    /blood flow/, /microcirculation/,
    /nerve healing and regeneration/,
  ],
  'medication-free-relief': [
    /without a prescription/, /liver/, /prescription|from your doctor/, /habit\s*forming/, /dependence/,
    /get used to a painkiller/, /need more/, /avoids these side effects of medication/,
    /do not stop or change any medication/,
  ],
  'lasting-effects': [
    /days or weeks/, /even longer/, /treating the cause rather than masking symptoms/, /aims at the cause/,
    /book a first appointment/, /Book an appointment/,
  ],
};

describe('copy', () => {
  for (const [id, phrases] of Object.entries(TOPICS) as [TemplateId, RegExp[]][]) {
    it(`${id} covers its topics`, async () => {
      const body = await text(id);
      const missing = phrases.filter((p) => !new RegExp(p.source, 'i').test(body));
      expect(missing, `${id} is missing`).toEqual([]);
    });
  }

  it('lasting-effects invites the reader to book, with a link to the booking page', async () => {
    const email = await renderEmail('lasting-effects', recipient(), context);
    expect(email.html).toContain(`href="${context.brand.bookingUrl}"`);
    expect(email.text).toContain(`Book an appointment ${context.brand.bookingUrl}`);
  });

  it('the newsletter lays out the issue: title, intro paragraphs, articles, image, link, call to action', async () => {
    const email = await renderEmail('newsletter', recipient(), context);
    const issue = context.newsletter!;
    expect(email.subject).toBe(issue.subject);
    expect(email.preheader).toBe(issue.preheader);
    expect(email.text).toContain(issue.title);
    expect(email.text).toContain('A short round-up from the clinic.\n\nThank you for reading.');
    for (const article of issue.articles) expect(email.text).toContain(article.heading);
    expect(email.html).toContain('alt="A tidy desk with a supportive chair"');
    expect(email.text).toContain('Read the article https://clinic.example/articles/sitting-well');
    expect(email.text).toContain(`Book a visit ${context.brand.bookingUrl}`);
  });

  it('uses careful language and never promises a cure', async () => {
    for (const id of TEMPLATE_IDS) {
      const body = await text(id);
      expect(body, id).not.toMatch(/\bcure[sd]?\b|guarantee|miracle|100 ?%|proven to|will (heal|fix|cure|end)|permanent(ly)?\b/i);
      if (id !== 'confirm' && id !== 'newsletter') {
        const hedges = body.match(/\bmay\b|thought to|many patients|can\b/gi) ?? [];
        expect(hedges.length, id).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it.skipIf(!existsSync(ARTICLE))('paraphrases the article instead of pasting it (no 8-word run in common)', async () => {
    const words = (s: string) => s.toLowerCase().replace(/[’']/g, "'").match(/[a-z0-9']+/g) ?? [];
    const shingles = (ws: string[], n: number) => new Set(ws.slice(0, ws.length - n + 1).map((_, i) => ws.slice(i, i + n).join(' ')));
    const article = shingles(words(readFileSync(ARTICLE, 'utf8')), 8);
    expect(article.size).toBeGreaterThan(500);
    for (const id of TEMPLATE_IDS) {
      const shared = [...shingles(words(await text(id)), 8)].filter((s) => article.has(s));
      expect(shared, id).toEqual([]);
    }
  });
});
