// Shared helpers for the subscriber HTTP / store / browser tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime, { type Email } from 'postal-mime';
import type { TestApp } from '../support/app';

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function form(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  return p.toString();
}

/** A hand-built multipart/form-data body. */
export function multipart(fields: Record<string, string>): { body: string; contentType: string } {
  const boundary = '----meridian' + Math.random().toString(16).slice(2);
  const body =
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface ParsedMail {
  file: string;
  raw: string;
  mail: Email;
}

/** Every .eml in the outbox, oldest first, parsed; first waits for queued confirmation jobs to run. */
export async function outboxMails(t: Pick<TestApp, 'outboxDir'> & Partial<Pick<TestApp, 'settle'>>): Promise<ParsedMail[]> {
  await t.settle?.();
  let names: string[] = [];
  try {
    names = readdirSync(t.outboxDir).filter((f) => f.endsWith('.eml') && !f.startsWith('.'));
  } catch {
    return [];
  }
  names.sort();
  return Promise.all(
    names.map(async (file) => {
      const raw = readFileSync(join(t.outboxDir, file));
      return { file, raw: raw.toString('utf8'), mail: await PostalMime.parse(raw) };
    }),
  );
}

export async function mailsTo(t: Pick<TestApp, 'outboxDir'> & Partial<Pick<TestApp, 'settle'>>, address: string): Promise<ParsedMail[]> {
  return (await outboxMails(t)).filter((m) => m.mail.to?.some((a) => a.address?.toLowerCase() === address.toLowerCase()));
}

export function header(m: ParsedMail, name: string): string | undefined {
  return m.mail.headers.find((h) => h.key === name.toLowerCase())?.value;
}

/** The first href in the HTML body whose path starts with `/kind/`. */
export function linkIn(m: ParsedMail, kind: 'confirm' | 'unsubscribe' | 'preferences'): string {
  const html = m.mail.html ?? '';
  const re = new RegExp(`href="([^"]*/${kind}/[A-Za-z0-9_.-]+)"`);
  const found = re.exec(html);
  if (!found) throw new Error(`no /${kind}/ link in the email HTML`);
  return found[1]!.replaceAll('&amp;', '&');
}

/** The path part of an absolute link, for app.inject(). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

export const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

/** Every key on the test Redis that starts with `prefix:` (SCAN, never KEYS). */
export async function keysWithPrefix(t: TestApp, prefix = t.config.redisPrefix): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await t.core.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out.sort();
}

/** Every key on the whole test Redis (other files' prefixes included). */
export async function allKeys(t: TestApp): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await t.core.redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Attributes (names lower-cased) of the first <tag> whose `key` attribute equals `value`. */
export function attrs(html: string, tag: string, key: string, value: string): Record<string, string> {
  for (const m of html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const found: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([A-Za-z-]+)(?:="([^"]*)")?/g)) found[a[1]!.toLowerCase()] = a[2] ?? '';
    if (found[key.toLowerCase()] === value) return found;
  }
  throw new Error(`no <${tag} ${key}="${value}">`);
}
