// Every template: renders, carries the legally and medically required parts,
// stays small, leaks nothing, links only to absolute safe URLs.
import { describe, expect, it } from 'vitest';
import { Links, TokenSigner } from '../../src/security/tokens';
import { renderEmail, renderPreview } from '../../src/render/render';
import { TEMPLATE_IDS, TEMPLATES, type TemplateId } from '../../src/render/templates';
import type { RenderContext, RenderedEmail } from '../../src/render/types';
import { context, links, recipient, urlsIn } from '../render/fixtures';

const SIZE_BUDGET = 90 * 1024;
const LEAKS = /\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/;

async function renderAll(firstName: string | null = 'Maria'): Promise<[TemplateId, RenderedEmail][]> {
  return Promise.all(TEMPLATE_IDS.map(async (id) => [id, await renderEmail(id, recipient({ firstName }), context)] as [TemplateId, RenderedEmail]));
}

describe('templates', () => {
  it('are all registered, with ids usable as file names', () => {
    expect(TEMPLATE_IDS).toEqual(['confirm', 'welcome', 'mechanisms', 'medication-free-relief', 'lasting-effects', 'newsletter']);
    for (const id of TEMPLATE_IDS) expect(id).toMatch(/^[a-z0-9-]+$/);
  });

  it('render html and text with unsubscribe and preferences links, postal address and disclaimer', async () => {
    const r = recipient();
    const unsubscribe = links.unsubscribeUrl(r.subscriberId, r.canonical);
    const preferences = links.preferencesUrl(r.subscriberId, r.canonical);
    for (const [id, email] of await renderAll()) {
      expect(email.html, id).toMatch(/^<!DOCTYPE html/);
      expect(email.html, id).toContain(`href="${unsubscribe}"`);
      expect(email.text, id).toContain(unsubscribe);
      // Before confirming there are no preferences to change: the confirmation offers none.
      if (id === 'confirm') {
        expect(email.html, id).not.toContain(preferences);
        expect(email.text, id).not.toContain(preferences);
        expect(email.text, id).not.toMatch(/preferences/i);
      } else {
        expect(email.html, id).toContain(`href="${preferences}"`);
        expect(email.text, id).toContain(preferences);
      }
      for (const out of [email.html, email.text]) {
        expect(out, id).toContain('12 Harbour Street, Springfield 01234');
        expect(out, id).toContain('not medical advice');
        expect(out, id).toMatch(/see a doctor or another qualified clinician/);
        expect(out, id).toMatch(/emergency/);
        expect(out, id).toContain('You are receiving this email because');
        expect(out, id).toContain(TEMPLATES[id].reason);
      }
      expect(email.headers, id).toEqual({
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      });
    }
  });

  it('have a one-line subject and preheader, and the html stays under 90 KB', async () => {
    for (const [id, email] of await renderAll('B'.repeat(200))) {
      for (const line of [email.subject, email.preheader]) {
        expect(line.trim().length, id).toBeGreaterThan(10);
        expect(line, id).not.toMatch(/[\r\n]/);
      }
      expect(email.subject.length, id).toBeLessThanOrEqual(80);
      expect(email.html, id).toContain(email.preheader);
      expect(Buffer.byteLength(email.html), id).toBeLessThan(SIZE_BUDGET);
      // The text part opens with the preheader, once (the html's hidden copy is skipped).
      expect(email.text.startsWith(`${email.preheader}\n\n`), id).toBe(true);
      expect(email.text.split(email.preheader).length, id).toBe(2);
      expect(email.text, id).not.toMatch(/[\u200c\ufeff]/);
    }
  });

  it('leak no undefined, null, NaN or [object Object], with or without a name, and in previews', async () => {
    const renders = [...(await renderAll('Maria')), ...(await renderAll(null))];
    for (const id of TEMPLATE_IDS) renders.push([id, await renderPreview(id)]);
    for (const [id, email] of renders) {
      for (const value of [email.subject, email.preheader, email.html, email.text, ...Object.values(email.headers)]) {
        expect(value, id).not.toMatch(LEAKS);
      }
    }
  });

  it('greet by name, and fall back to "Hello there" when no usable name is known', async () => {
    for (const [id, email] of await renderAll('Maria')) {
      // The confirmation never greets by name: whoever typed the address chose it (issue 7 §3).
      const greeting = id === 'confirm' ? 'Hello there,' : 'Hello Maria,';
      expect(email.text, id).toContain(greeting);
      expect(email.html, id).toContain(greeting);
      if (id === 'confirm') expect(email.text + email.html, id).not.toContain('Maria');
    }
    for (const firstName of [null, '', '   ', '\u200b', '<>']) {
      for (const [id, email] of await renderAll(firstName)) {
        expect(email.text, id).toContain('Hello there,');
        expect(email.text, id).not.toMatch(/Hello\s*,/);
      }
    }
  });

  it('escape hostile names in html and keep them intact in text', async () => {
    const name = `<img src=x onerror="alert('x')">&amp; Ünïcödé 😀`;
    for (const [id, email] of await renderAll(name)) {
      if (id === 'confirm') {
        expect(email.html + email.text, id).not.toContain('onerror');
        continue;
      }
      expect(email.html, id).toContain(
        'Hello &lt;img src=x onerror=&quot;alert(&#x27;x&#x27;)&quot;&gt;&amp;amp; Ünïcödé 😀,',
      );
      expect(email.html, id).not.toContain('<img src=x');
      expect(email.text, id).toContain(`Hello ${name},`);
    }
  });

  it('link only to absolute URLs under the public URL or https, and give every image alt text', async () => {
    // A development public URL (http) makes "under publicUrl" and "https" distinguishable.
    const devUrl = 'http://localhost:3000';
    const devLinks = new Links(devUrl, new TokenSigner('dev-secret-'.padEnd(40, 'y')), 1000);
    const dev: RenderContext = { ...context, links: devLinks, brand: { ...context.brand, publicUrl: devUrl, bookingUrl: `${devUrl}/book` } };
    for (const id of TEMPLATE_IDS) {
      const r = recipient({ confirmUrl: devLinks.confirmUrl('sub_1', 'maria@example.com', 0) });
      const email = await renderEmail(id, r, dev);
      const urls = urlsIn(email.html);
      expect(urls.length, id).toBeGreaterThanOrEqual(3);
      for (const url of urls) {
        const ok = url === devUrl || url.startsWith(`${devUrl}/`) || (url.startsWith('https://') && URL.canParse(url));
        expect(ok, `${id}: ${url}`).toBe(true);
      }
      const images = [...email.html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
      for (const img of images) expect(img, id).toMatch(/\salt="[^"]{5,}"/);
      if (id === 'newsletter') expect(images.length).toBeGreaterThan(0);
    }
  });

  it('wrap their content in one article landmark named by the subject, dark canvas included', async () => {
    for (const [id, email] of await renderAll()) {
      const subject = email.subject.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(email.html, id).toContain(`role="article" aria-roledescription="email" aria-label="${subject}"`);
      // The outer table cell repeats the light canvas inline: the dark-mode rules must reach it.
      expect(email.html, id).toMatch(/@media \(prefers-color-scheme: dark\)\{[^}]*\}?.*\.m-canvas>table>tbody>tr>td\{background-color:#121819 !important;\}/s);
    }
  });

  it('produce the same bytes for the same inputs', async () => {
    for (const id of TEMPLATE_IDS) {
      const r = recipient({ firstName: 'Zoë' });
      expect(await renderEmail(id, r, context)).toStrictEqual(await renderEmail(id, r, context));
    }
  });

  it('have readable plain text: no markup, no entities, no line wrapping', async () => {
    for (const [id, email] of await renderAll()) {
      expect(email.text, id).not.toMatch(/<\/?[a-z][^>]*>/i);
      expect(email.text, id).not.toMatch(/&(amp|lt|gt|quot|#x27|nbsp);/);
      // The brand header stays out of the text: it opens with the preheader, the footer names the clinic.
      expect(email.text, id).not.toMatch(/^Meridian Acupuncture Clinic https?:/m);
      expect(email.text, id).toMatch(/\nMeridian Acupuncture Clinic, 12 Harbour Street, Springfield 01234$/);
      expect(email.text, id).toMatch(/\n\nWarm wishes,\nThe team at Meridian Acupuncture Clinic\n/);
      expect(email.text, id).not.toMatch(/\n{4,}/);
      // Paragraphs are single lines (no wrapping that would depend on a name's length).
      const paragraph = email.text.split('\n').find((l) => l.startsWith('This email shares general health information.'));
      expect(paragraph, id).toMatch(/emergency number straight away\.$/);
    }
  });

  it('underline the title with = and every section heading with -, as long as the heading', async () => {
    const hostileIssue = {
      ...context.newsletter!,
      title: 'Zoë’s notes & “news” <this week> 🧘‍♀️',
      articles: [{ heading: 'Café corner: e\u0301 and 👩🏽‍⚕️ at the desk', text: 'A short note.' }, ...context.newsletter!.articles],
    };
    const renders: [string, RenderedEmail][] = [
      ...(await renderAll()),
      ['newsletter (hostile headings)', await renderEmail('newsletter', recipient(), { ...context, newsletter: hostileIssue })],
    ];
    for (const id of TEMPLATE_IDS) renders.push([`${id} (preview)`, await renderPreview(id)]);
    for (const [id, email] of renders) {
      const headings = (level: 1 | 2) =>
        [...email.html.matchAll(new RegExp(`<h${level}\\b[^>]*>(.*?)</h${level}>`, 'gs'))].map((m) => decode(m[1]!));
      const [title, ...moreTitles] = headings(1);
      const sections = headings(2);
      expect(title, id).toBeDefined();
      expect(moreTitles, id).toEqual([]);
      if (!id.startsWith('confirm')) expect(sections.length, id).toBeGreaterThan(0);
      const lines = email.text.split('\n');
      const underlined = (heading: string, mark: string) => {
        const at = lines.indexOf(heading);
        expect(at, `${id}: heading ${JSON.stringify(heading)} on a line of its own`).toBeGreaterThan(0);
        expect(lines[at - 1], `${id}: blank line before ${heading}`).toBe('');
        expect(lines[at + 1], `${id}: underline of ${heading}`).toBe(mark.repeat(graphemes(heading)));
        expect(lines[at + 2], `${id}: blank line after ${heading}`).toBe('');
      };
      underlined(title!, '=');
      for (const heading of sections) underlined(heading, '-');
      // Nothing else is underlined: every run of = or - follows a heading (the footer rule stands alone).
      for (let i = 1; i < lines.length; i++) {
        if (/^(=+|-+)$/.test(lines[i]!) && lines[i - 1] !== '') {
          expect([title, ...sections], `${id}: underline under ${JSON.stringify(lines[i - 1])}`).toContain(lines[i - 1]);
        }
      }
    }
    const hostile = renders.find(([id]) => id === 'newsletter (hostile headings)')![1].text;
    expect(hostile).toContain('\nZoë’s notes & “news” <this week> 🧘‍♀️\n' + '='.repeat(34) + '\n');
    expect(hostile).toContain('\nCafé corner: e\u0301 and 👩🏽‍⚕️ at the desk\n' + '-'.repeat(32) + '\n');
  });

  it('confirm: a confirm button to the recipient\'s URL, says it expires and that ignoring it is safe, no marketing', async () => {
    const r = recipient();
    const email = await renderEmail('confirm', r, context);
    expect(TEMPLATES.confirm.kind).toBe('transactional');
    expect(email.html).toContain(`href="${r.confirmUrl}"`);
    expect(email.text).toContain(`Confirm my email address ${r.confirmUrl}`);
    expect(email.text).toMatch(/expires/);
    expect(email.text).toMatch(/ignore this email\. Nothing will happen/);
    expect(email.html).not.toContain(context.brand.bookingUrl);
    expect(email.text).not.toMatch(/\bbook|appointment|sciatica|needles/i);
    await expect(renderEmail('confirm', recipient({ confirmUrl: undefined }), context)).rejects.toThrow(/confirmUrl/);
  });

  it('only the confirm email is transactional', () => {
    for (const id of TEMPLATE_IDS) expect(TEMPLATES[id].kind, id).toBe(id === 'confirm' ? 'transactional' : 'marketing');
  });
});

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
function graphemes(line: string): number {
  return [...segmenter.segment(line)].length;
}

/** Text content of a heading as React wrote it: entities decoded, comments (between text nodes) dropped. */
function decode(html: string): string {
  return html
    .replace(/<!-- -->/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
