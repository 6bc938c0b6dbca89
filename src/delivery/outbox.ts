// Local delivery for development and demos: each email becomes an RFC 5322
// .eml file (multipart/alternative, all headers), like a mail catcher.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import PostalMime from 'postal-mime';
import { canonicalAddress } from '../subscribers/address';
import type { BatchOptions, OutgoingEmail, SendOutcome, Transport } from './transport';
import { assertSafeEmail } from './transport';

export interface OutboxEntry {
  file: string;
  sentAt: Date;
  size: number;
}

export class OutboxTransport implements Transport {
  readonly name = 'outbox' as const;
  readonly maxBatchSize = 100;

  constructor(
    private readonly dir: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async sendBatch(emails: OutgoingEmail[], options: BatchOptions): Promise<SendOutcome[]> {
    if (emails.length > this.maxBatchSize) {
      throw new Error(`Outbox batch of ${emails.length} exceeds ${this.maxBatchSize}; split it before sending.`);
    }
    await mkdir(this.dir, { recursive: true });
    const outcomes: SendOutcome[] = [];
    for (const [index, email] of emails.entries()) {
      try {
        assertSafeEmail(email);
      } catch (err) {
        outcomes.push({ ok: false, reason: (err as Error).message });
        continue;
      }
      // The file name comes from the idempotency key, so a retried batch
      // overwrites its own files instead of delivering twice.
      const id = createHash('sha256').update(`${options.idempotencyKey}/${index}`).digest('hex').slice(0, 20);
      const sentAt = this.clock();
      const file = `${sentAt.toISOString().replace(/[:.]/g, '-')}_${id}.eml`;
      const existing = await this.findById(id);
      if (existing) {
        outcomes.push({ ok: true, providerId: id });
        continue;
      }
      const raw = await buildMime(email, `<${id}@meridian.outbox>`, sentAt);
      const tmp = join(this.dir, `.${id}.tmp`);
      await writeFile(tmp, raw);
      await rename(tmp, join(this.dir, file)); // atomic: readers never see half a message
      outcomes.push({ ok: true, providerId: id });
    }
    return outcomes;
  }

  /** Newest first. */
  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries = await Promise.all(
      names
        .filter((n) => n.endsWith('.eml') && !n.startsWith('.'))
        .map(async (file) => {
          const s = await stat(join(this.dir, file));
          return { file, sentAt: s.mtime, size: s.size };
        }),
    );
    return entries.sort((a, b) => (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  }

  /** Deletes every message (the viewer's "delete all"); returns how many went. */
  async clear(): Promise<number> {
    const entries = await this.list();
    let removed = 0;
    for (const e of entries) {
      try {
        await unlink(join(this.dir, e.file));
        removed += 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }

  /** Reads one message by file name; refuses anything that is not a plain outbox file name. */
  async read(file: string): Promise<Buffer | null> {
    if (!/^[A-Za-z0-9_-]+\.eml$/.test(file)) return null;
    try {
      return await readFile(join(this.dir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /**
   * Erasure: deletes every message addressed to this person (by canonical
   * address) or tagged with their subscriber id. Returns how many went.
   */
  async forget(canonical: string, subscriberId: string): Promise<number> {
    let removed = 0;
    for (const entry of await this.list()) {
      const raw = await this.read(entry.file);
      if (!raw) continue;
      const mail = await PostalMime.parse(raw);
      const to = (mail.to ?? []).some((a) => typeof a.address === 'string' && canonicalAddress(a.address) === canonical);
      const tags = mail.headers.find((h) => h.key === 'x-meridian-tags')?.value ?? '';
      const tagged = tags.split(';').some((tag) => tag.trim().startsWith(`send=${subscriberId}_`));
      if (!to && !tagged) continue;
      await unlink(join(this.dir, entry.file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      removed++;
    }
    return removed;
  }

  private async findById(id: string): Promise<string | null> {
    const all = await this.list();
    return all.find((e) => e.file.endsWith(`_${id}.eml`))?.file ?? null;
  }
}

export function buildMime(email: OutgoingEmail, messageId: string, date: Date): Promise<Buffer> {
  const composer = new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.subject,
    // RFC 5322 wants CRLF throughout; MailComposer writes a text part's line ends as given.
    text: email.text.replace(/\r?\n/g, '\r\n'),
    html: email.html,
    headers: {
      ...email.headers,
      ...(email.tags.length > 0 ? { 'X-Meridian-Tags': email.tags.map((t) => `${t.name}=${t.value}`).join('; ') } : {}),
    },
    messageId,
    date,
  });
  return new Promise((resolve, reject) => {
    composer.compile().build((err, message) => (err ? reject(err) : resolve(message)));
  });
}
