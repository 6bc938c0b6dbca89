// Reading outbox .eml files for the viewer: a summary for the list (cached:
// a written message never changes), the full message, the search match, and
// the two rewrites the viewer needs (links in the text part, link targets in
// the HTML part). Pure except for the parse itself.
import PostalMime from 'postal-mime';

export interface MailSummary {
  file: string;
  subject: string;
  from: string;
  to: string;
  /** ISO 8601, or null when the message has no readable date. */
  date: string | null;
}

export interface MailMessage extends MailSummary {
  html: string;
  text: string;
  headers: { key: string; value: string }[];
  raw: string;
}

type Address = { name?: string; address?: string; group?: Address[] };

function addresses(list: Address[] | Address | undefined): string {
  const all = Array.isArray(list) ? list : list ? [list] : [];
  return all
    .flatMap((a) => (a.group ? a.group : [a]))
    .map((a) => (a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '')))
    .filter(Boolean)
    .join(', ');
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export async function parseMessage(file: string, raw: Buffer): Promise<MailMessage> {
  const email = await PostalMime.parse(raw);
  return {
    file,
    subject: email.subject ?? '(no subject)',
    from: addresses(email.from as Address | undefined),
    to: addresses(email.to as Address[] | undefined),
    date: isoDate(email.date),
    html: email.html ?? '',
    text: email.text ?? '',
    headers: email.headers.map((h) => ({ key: h.key, value: h.value })),
    raw: raw.toString('utf8'),
  };
}

/** Summaries by file name; a message file is written once (atomically) and never changes. */
export class SummaryCache {
  private readonly entries = new Map<string, MailSummary>();

  constructor(private readonly max = 2000) {}

  async get(file: string, read: (file: string) => Promise<Buffer | null>): Promise<MailSummary | null> {
    const hit = this.entries.get(file);
    if (hit) return hit;
    const raw = await read(file);
    if (!raw) return null;
    const { html: _h, text: _t, headers: _hd, raw: _r, ...summary } = await parseMessage(file, raw);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(file, summary);
    return summary;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Search by address (from or to) or subject, case-insensitive; every word must match. */
export function matches(summary: MailSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = `${summary.from}\n${summary.to}\n${summary.subject}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export type TextPart = { text: string } | { url: string };

// Closing punctuation right after a URL in prose belongs to the sentence.
const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/g;

/** Splits plain text into text and http(s) URLs, so the viewer can make the URLs clickable. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_PATTERN)) {
    let url = m[0];
    const trail = /[.,;:!?)\]]+$/.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    if (!URL.canParse(url)) continue;
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ url });
    last = m.index + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * Makes every link in the previewed email open in a new tab (the frame is
 * sandboxed; with allow-popups-to-escape-sandbox the new tab is a normal page,
 * so the confirm button's form works there). The first <base target> wins, so
 * ours goes first.
 */
export function withLinksInNewTab(html: string): string {
  const base = '<base target="_blank">';
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length);
  const open = /<html(\s[^>]*)?>/i.exec(html);
  if (open) return html.slice(0, open.index + open[0].length) + `<head>${base}</head>` + html.slice(open.index + open[0].length);
  return base + html;
}
