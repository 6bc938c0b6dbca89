// The outbox transport and the /outbox viewer (a local mail catcher).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../src/delivery/transport';
import { createTestApp, type TestApp } from '../support/app';

const email = (n: number, extra: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  from: 'Clinic <hello@clinic.example>',
  to: `reader${n}@example.org`,
  subject: `Issue ${n} <b>&</b>`,
  html: `<p>Hello number ${n}</p><script>alert(1)</script>`,
  text: `Hello number ${n}`,
  headers: { 'List-Unsubscribe': '<https://clinic.example/unsubscribe/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  tags: [{ name: 'step', value: 'welcome' }],
  ...extra,
});

describe('outbox transport', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('outbox');
  });
  afterAll(() => t.close());

  it('writes RFC 5322 multipart/alternative files with every header', async () => {
    const [outcome] = await t.outbox.sendBatch([email(1)], { idempotencyKey: 'k1' });
    expect(outcome?.ok).toBe(true);
    const files = readdirSync(t.outboxDir).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const raw = readFileSync(join(t.outboxDir, files[0]!));
    expect(raw.toString()).toMatch(/^Content-Type: multipart\/alternative;/m);
    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe('Issue 1 <b>&</b>');
    expect(parsed.text?.trim()).toBe('Hello number 1');
    expect(parsed.headers.find((h) => h.key === 'list-unsubscribe-post')?.value).toBe('List-Unsubscribe=One-Click');
    expect(parsed.headers.find((h) => h.key === 'list-unsubscribe')?.value).toBe('<https://clinic.example/unsubscribe/t>');
  });

  it('ends every line with CRLF, the text part included', async () => {
    const text = 'First line\nSecond line\r\n\nAfter a blank line';
    await t.outbox.sendBatch([email(900, { to: 'crlf@example.org', text })], { idempotencyKey: 'k-crlf' });
    const file = readdirSync(t.outboxDir).find((f) => readFileSync(join(t.outboxDir, f), 'utf8').includes('crlf@example.org'));
    const raw = readFileSync(join(t.outboxDir, file!), 'utf8');
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect((await PostalMime.parse(raw)).text?.trim()).toBe('First line\nSecond line\n\nAfter a blank line');
  });

  it('a retried batch (same idempotency key) writes nothing new', async () => {
    const before = readdirSync(t.outboxDir).length;
    await t.outbox.sendBatch([email(1)], { idempotencyKey: 'k1' });
    expect(readdirSync(t.outboxDir).length).toBe(before);
  });

  it('refuses header injection per email and still delivers the rest', async () => {
    const outcomes = await t.outbox.sendBatch(
      [email(2, { subject: 'Hi\r\nBcc: victim@example.org' }), email(3, { headers: { 'X-Evil': 'a\nBcc: x@y.z' } }), email(4, { headers: { Bcc: 'x@y.z' } }), email(5)],
      { idempotencyKey: 'k2' },
    );
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, false, true]);
    for (const f of readdirSync(t.outboxDir)) expect(readFileSync(join(t.outboxDir, f), 'utf8')).not.toMatch(/^Bcc:/m);
  });

  it('rejects a batch over 100 emails as a whole', async () => {
    await expect(t.outbox.sendBatch(Array.from({ length: 101 }, (_, i) => email(i)), { idempotencyKey: 'k3' })).rejects.toThrow(/exceeds 100/);
  });
});

describe('GET /outbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('outboxview');
    await t.outbox.sendBatch([email(10)], { idempotencyKey: 'a' });
    await new Promise((r) => setTimeout(r, 5));
    await t.outbox.sendBatch([email(11)], { idempotencyKey: 'b' });
  });
  afterAll(() => t.close());

  it('lists emails newest first, escaped', async () => {
    const res = await t.app.inject({ url: '/outbox' });
    expect(res.statusCode).toBe(200);
    expect(res.body.indexOf('Issue 11')).toBeLessThan(res.body.indexOf('Issue 10'));
    expect(res.body).toContain('Issue 11 &lt;b&gt;&amp;&lt;/b&gt;');
    expect(res.body).not.toContain('<b>&</b>');
  });

  it('shows one email as HTML (sandboxed frame), text, headers and raw source tabs', async () => {
    const [newest] = await t.outbox.list();
    const base = `/outbox/${newest!.file}`;
    const page = await t.app.inject({ url: base });
    expect(page.statusCode).toBe(200);
    // Scripts never run in the frame; links may open as normal pages.
    expect(page.body).toContain('sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"');
    expect(page.body).not.toMatch(/allow-scripts/);
    expect((await t.app.inject({ url: `${base}?tab=text` })).body).toContain('Hello number 11');
    expect((await t.app.inject({ url: `${base}?tab=headers` })).body).toMatch(/list-unsubscribe-post<\/th><td>List-Unsubscribe=One-Click/i);
    expect((await t.app.inject({ url: `${base}?tab=raw` })).body).toMatch(/Content-Type: multipart\/alternative;/);
    const html = await t.app.inject({ url: `${base}/html` });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-security-policy']).toMatch(/sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox;/);
    expect(html.headers['content-security-policy']).not.toMatch(/allow-scripts/);
    expect(html.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const raw = await t.app.inject({ url: `${base}/raw` });
    expect(raw.headers['content-type']).toMatch(/message\/rfc822/);
  });

  it.each(['..%2f..%2fetc%2fpasswd', '..%2f.data%2fapp-secret', 'x.eml%00', 'nope.eml', '.secret.eml', 'a b.eml'])('404 for hostile or unknown name %s', async (name) => {
    for (const suffix of ['', '/html', '/raw']) {
      const res = await t.app.inject({ url: `/outbox/${name}${suffix}` });
      expect(res.statusCode).toBe(404);
    }
  });

  it('does not exist in production', async () => {
    const prod = await createTestApp('outboxprod', { NODE_ENV: 'production', OUTBOX_IN_PRODUCTION: 'true' });
    try {
      expect((await prod.app.inject({ url: '/outbox' })).statusCode).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
