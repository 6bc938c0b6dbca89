// List import, shared by the console's upload page and `npm run admin -- import`.
// Streams the CSV (csv-parse) row by row with back-pressure, so memory stays
// flat whatever the file size: at most IN_FLIGHT rows are being written at
// once (their Redis round trips overlap; one at a time, a busy machine took
// about 3 ms a row). Re-running a file changes nothing: known
// addresses are left alone, erased (tombstoned) and suppressed ones are never
// revived. Rows without recorded consent come in pending and get the ordinary
// confirmation job (paced with all other mail); with a consent source they
// come in active, with a ledger entry naming that source.
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { consentWording } from '../../content/consent';
import { DEFAULT_TOPICS, isTopicId, type TopicId } from '../../content/topics';
import type { ConfirmationRequests } from '../../subscribers/service';
import { checkAddress } from '../../subscribers/address';
import { ledgerEntry } from '../../subscribers/consent-ledger';
import { cleanName } from '../../subscribers/service';
import type { SubscriberStore } from '../../subscribers/store';
import { normaliseTimeZone } from '../../subscribers/timezone';
import type { Subscriber } from '../../subscribers/types';

/** Header names (lower-cased, spaces/dashes as _) that map to each field. */
export const HEADER_ALIASES = {
  email: ['email', 'e_mail', 'email_address', 'mail', 'address'],
  firstName: ['first_name', 'firstname', 'given_name', 'name', 'first'],
  topics: ['topics', 'topic', 'interests'],
  timeZone: ['time_zone', 'timezone', 'tz'],
} as const;
type Field = keyof typeof HEADER_ALIASES;

export interface ImportOptions {
  /** Where consent was recorded (e.g. "paper form at reception, 2025"); with consentedAt, rows come in active. */
  consentSource?: string;
  consentedAt?: Date;
  /** Topics for rows without a topics column. */
  defaultTopics?: readonly TopicId[];
  /** Shown in ledger entries: the file name. */
  origin: string;
  consentTextVersion: string;
  clinicName: string;
}

export interface ImportDeps {
  store: SubscriberStore;
  confirmations: ConfirmationRequests;
  enrol: (s: Subscriber, now: number) => { sequence: string; step: string; dueAt: number } | null;
  now?: () => number;
}

export interface ImportError {
  line: number;
  message: string;
}

export interface ImportProgress {
  rows: number;
  created: number;
  /** Already known: left exactly as they are. */
  unchanged: number;
  /** Erased earlier (tombstone): never re-added by an import. */
  erased: number;
  errors: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

export interface ImportResult extends ImportProgress {
  /** The first MAX_REPORTED errors, by line number. */
  errorList: ImportError[];
  columns: Partial<Record<Field, string>>;
}

export const MAX_REPORTED = 1000;
/** Rows written concurrently; the parser waits while this many are open. */
export const IN_FLIGHT = 32;
const META = { ip: null, userAgent: null };

export class ImportFileError extends Error {}

const norm = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** Which header column feeds which field; the email column is required. */
export function mapHeader(header: readonly string[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(HEADER_ALIASES) as Field[]) {
    const found = header.find((h) => (HEADER_ALIASES[field] as readonly string[]).includes(norm(h)));
    if (found !== undefined) out[field] = found;
  }
  if (!out.email) throw new ImportFileError(`No email column in the header (${header.slice(0, 10).join(', ') || 'empty'}). Name it "email".`);
  return out;
}

export function parseTopics(raw: string | undefined, fallback: readonly TopicId[]): TopicId[] | string {
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const list = raw.split(/[\s,;|]+/).filter(Boolean);
  const bad = list.filter((t) => !isTopicId(t));
  if (bad.length > 0) return `unknown topic ${JSON.stringify(bad[0])}`;
  return [...new Set(list)] as TopicId[];
}

export async function importCsv(input: Readable, options: ImportOptions, deps: ImportDeps, onProgress?: (p: ImportProgress) => void): Promise<ImportResult> {
  const now = deps.now ?? Date.now;
  const active = options.consentSource !== undefined;
  if (active && (!options.consentedAt || Number.isNaN(options.consentedAt.getTime()))) {
    throw new ImportFileError('--consent-source needs --consented-at with a date (YYYY-MM-DD) saying when that consent was given.');
  }
  const wording = consentWording(options.consentTextVersion, options.clinicName);
  const result: ImportResult = { rows: 0, created: 0, unchanged: 0, erased: 0, errors: 0, bytes: 0, errorList: [], columns: {} };
  const fail = (line: number, message: string) => {
    result.errors++;
    if (result.errorList.length < MAX_REPORTED) result.errorList.push({ line, message });
  };
  const reject = (line: number, message: string): null => {
    fail(line, message);
    return null;
  };
  let columns: Partial<Record<Field, string>> | null = null;
  input.on('data', (chunk: Buffer | string) => {
    result.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });
  const parser = input.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        columns = mapHeader(header);
        result.columns = columns;
        return header;
      },
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      max_record_size: 64 * 1024,
      info: true,
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  // Rows being written, and per address the row that holds it: a second row
  // with the same address waits for the first, so it finds it and changes nothing.
  const open = new Set<Promise<void>>();
  const holding = new Map<string, Promise<void>>();
  let failure: unknown = null;
  const start = (row: Promise<void>) => {
    const tracked = row.catch((err: unknown) => {
      failure ??= err;
    });
    open.add(tracked);
    void tracked.finally(() => open.delete(tracked));
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      result.rows++;
      const checked = checkRow(record, columns!, info.lines);
      if (checked) {
        const before = holding.get(checked.canonical);
        const row = (before ?? Promise.resolve()).then(() => importRow(checked));
        holding.set(checked.canonical, row);
        start(row.finally(() => holding.get(checked.canonical) === row && holding.delete(checked.canonical)));
      }
      while (open.size >= IN_FLIGHT && failure === null) await Promise.race(open);
      if (failure !== null) break;
      if (onProgress && result.rows % 500 === 0) onProgress({ ...result });
    }
    await Promise.all(open);
    if (failure !== null) throw failure;
  } catch (err) {
    await Promise.all(open);
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof ImportFileError) throw err;
    if (code.startsWith('CSV_')) {
      const line = (err as { lines?: number }).lines ?? 0;
      fail(line, `The CSV could not be read from here on: ${(err as Error).message}`);
    } else throw err;
  }
  onProgress?.({ ...result });
  return result;

  /** The row's fields, checked without Redis (so errors are reported in line order), or null after reporting it. */
  function checkRow(record: Record<string, string>, cols: Partial<Record<Field, string>>, line: number) {
    const address = checkAddress(record[cols.email!] ?? '');
    if (!address.ok) return reject(line, address.message);
    const name = cleanName(cols.firstName ? record[cols.firstName] : undefined);
    if (!name.ok) return reject(line, `first name: ${name.message}`);
    const topics = parseTopics(cols.topics ? record[cols.topics] : undefined, options.defaultTopics ?? DEFAULT_TOPICS);
    if (typeof topics === 'string') return reject(line, topics);
    const timeZone = normaliseTimeZone(cols.timeZone ? record[cols.timeZone] : undefined);
    return { line, email: address.email, canonical: address.canonical, firstName: name.name, topics, timeZone };
  }

  async function importRow(row: NonNullable<ReturnType<typeof checkRow>>): Promise<void> {
    const { line, firstName, topics } = row;
    const address = row;
    if (await deps.store.isErased(address.canonical)) {
      result.erased++;
      return;
    }
    if (await deps.store.findByCanonical(address.canonical)) {
      result.unchanged++;
      return;
    }
    const at = now();
    const entry = ledgerEntry('imported', at, active ? options.consentSource! : `import: ${options.origin}`, META, {
      detail: active
        ? { file: options.origin, line, consentedAt: options.consentedAt!.toISOString(), consent: 'recorded by the clinic outside Meridian' }
        : { file: options.origin, line, consent: 'none recorded: double opt-in requested' },
    });
    const signup = await deps.store.signup(
      {
        email: address.email,
        canonical: address.canonical,
        firstName,
        timeZone: row.timeZone,
        topics,
        consentVersion: wording.version,
        consentText: wording.text,
        form: 'import',
        meta: META,
      },
      0,
      entry,
    );
    if (signup.outcome !== 'send-confirmation' || signup.subscriber.createdAt !== signup.subscriber.confirmationSentAt) {
      // Someone signed up with this address between the check and the write.
      result.unchanged++;
      return;
    }
    result.created++;
    if (active) {
      await deps.store.confirm(signup.subscriber.id, META, deps.enrol({ ...signup.subscriber, status: 'active' }, at), `import: ${options.consentSource}`);
    } else {
      await deps.confirmations.request({ subscriberId: signup.subscriber.id, confirmationAt: signup.subscriber.confirmationSentAt });
    }
  }
}
