// /admin/templates: every template rendered on THIS clinic's settings, never the
// sample brand, each in sandboxed 600/375 px frames with its text part,
// headers and HTML size against Gmail's 102 KB clipping limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEQUENCES } from '../../src/content/sequences';
import { TEMPLATE_IDS, TEMPLATES } from '../../src/render/templates';
import { createConsoleApp, signIn, type ConsoleApp, type Session } from './support';

const CLINIC = {
  CLINIC_NAME: 'Harbourside Needle Works',
  CLINIC_POSTAL_ADDRESS: '7 Quay Lane, Porthaven PH1 2AB',
  PUBLIC_URL: 'http://news.harbourside.test',
  EMAIL_FROM: 'Harbourside Needle Works <hello@harbourside.test>',
};
/** What emails/_components/preview-data.ts would show with no settings at all. */
const SAMPLE_BRAND = ['Meridian Acupuncture Clinic', '12 Harbour Street', 'clinic.example'];

let c: ConsoleApp;
let session: Session;
const get = (url: string) => c.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: session.cookie } });
const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

beforeAll(async () => {
  c = await createConsoleApp('admintpl', CLINIC);
  session = await signIn(c.app);
});
afterAll(() => c.close());

describe('/admin/templates', () => {
  it('lists every template, series steps first, with subject, where it is sent and its HTML size', async () => {
    const res = await get('/admin/templates');
    expect(res.statusCode).toBe(200);
    const page = decode(res.body);
    expect(page).toContain('Harbourside Needle Works');
    expect(page).toContain('<a href="/admin/templates" aria-current="page">Templates</a>');
    const listed = [...res.body.matchAll(/<a href="\/admin\/templates\/([a-z-]+)">/g)].map((m) => m[1]);
    const steps = SEQUENCES['sciatica-series'].steps.map((s) => s.template);
    expect(listed.slice(0, steps.length)).toEqual(steps);
    expect([...listed].sort()).toEqual([...TEMPLATE_IDS].sort());
    for (const id of TEMPLATE_IDS) {
      const row = page.slice(page.indexOf(`id="t-${id}"`), page.indexOf('</tr>', page.indexOf(`id="t-${id}"`)));
      expect(row, id).toContain(TEMPLATES[id].previewEnvelope().subject);
      // The size shown is the size of the HTML the frame serves.
      const frame = await get(`/admin/templates/${id}/email.html`);
      const kb = (Buffer.byteLength(frame.body) / 1024).toFixed(1);
      expect(row, id).toMatch(new RegExp(`${kb.replace('.', '\\.')} KB of 102 KB \\(\\d+%\\)`));
    }
    expect(page).toContain('sciatica-series, step 1 of 4 (on confirming)');
    expect(page).toContain('sciatica-series, step 3 of 4 (2 × DRIP_INTERVAL after confirming)');
  });

  it("renders each template with the clinic's configured name, address and URLs, never the sample brand", async () => {
    for (const id of TEMPLATE_IDS) {
      const res = await get(`/admin/templates/${id}`);
      expect(res.statusCode, id).toBe(200);
      const page = decode(res.body);
      const text = page.slice(page.indexOf('id="t-text"'));
      expect(text, id).toContain('Harbourside Needle Works');
      expect(text, id).toContain('7 Quay Lane, Porthaven PH1 2AB');
      expect(text, id).toContain('http://news.harbourside.test/unsubscribe/');
      // Headers: the configured sender and the one-click unsubscribe pair.
      const headers = page.slice(page.indexOf('id="t-headers"'), page.indexOf('</dl>', page.indexOf('id="t-headers"')));
      expect(headers, id).toContain('<dd>Harbourside Needle Works <hello@harbourside.test></dd>');
      expect(headers, id).toContain('<dt>List-Unsubscribe</dt><dd><http://news.harbourside.test/unsubscribe/');
      expect(headers, id).toContain('<dd>List-Unsubscribe=One-Click</dd>');
      // Two sandboxed frames (nothing in the email may run), 600 and 375 px, on a same-session route.
      const frames = [...res.body.matchAll(/<iframe class="(desktop|mobile)"[^>]*>/g)].map((m) => m[0]);
      expect(frames.map((f) => /class="(\w+)"/.exec(f)![1])).toEqual(['desktop', 'mobile']);
      for (const f of frames) {
        expect(f, id).toContain('sandbox=""');
        expect(f, id).toContain(`src="/admin/templates/${id}/email.html"`);
      }
      expect(res.body).toContain('Desktop, 600 px');
      expect(res.body).toContain('Mobile, 375 px');
      expect(page).toMatch(/<dd id="t-size"><span>\d+\.\d KB of 102 KB \(\d+%\)<\/span>/);

      const frame = await get(`/admin/templates/${id}/email.html`);
      expect(frame.statusCode, id).toBe(200);
      expect(frame.headers['content-security-policy'], id).toMatch(/(^|; )sandbox$/);
      expect(frame.headers['content-security-policy'], id).toContain("default-src 'none'");
      expect(frame.headers['content-security-policy'], id).toContain("frame-ancestors 'self'");
      const html = decode(frame.body);
      expect(html, id).toContain('Harbourside Needle Works');
      expect(html, id).toContain('7 Quay Lane, Porthaven PH1 2AB');
      for (const sample of SAMPLE_BRAND) {
        expect(html, `${id}: ${sample}`).not.toContain(sample);
        expect(text, `${id}: ${sample}`).not.toContain(sample);
      }
    }
    // The booking button goes where the clinic said (here: the default under PUBLIC_URL).
    expect((await get('/admin/templates/newsletter/email.html')).body).toContain('href="http://news.harbourside.test/book"');
    expect((await get('/admin/templates/confirm/email.html')).body).toContain('http://news.harbourside.test/confirm/');
  });

  it('answers 404 for unknown or hostile template names', async () => {
    for (const id of ['nope', '__proto__', 'constructor', 'welcome%00', '..%2F..%2Fetc', 'WELCOME']) {
      for (const url of [`/admin/templates/${id}`, `/admin/templates/${id}/email.html`]) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(404);
        expect(res.body, url).not.toContain('Harbourside Needle Works <hello');
      }
    }
  });
});
