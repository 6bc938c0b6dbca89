// Streamed CSV of subscribers (address, status, topics, dates), read page by
// page from the directory so memory stays flat whatever the list size.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Directory, ListFilter } from '../subscribers/directory';
import type { Subscriber } from '../subscribers/types';

export const EXPORT_COLUMNS = ['email', 'status', 'topics', 'first_name', 'time_zone', 'signed_up_at', 'confirmed_at', 'last_sent_at', 'sequence', 'next_step'] as const;

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : '');

/** Spreadsheets run cells that start with = + - @ (and tab/CR) as formulas; a leading ' keeps them text. */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function exportRow(s: Subscriber): string[] {
  return [s.email, s.status, s.topics.join(' '), s.firstName ?? '', s.timeZone ?? '', iso(s.createdAt), iso(s.confirmedAt), iso(s.lastSentAt), s.sequence ?? '', s.step ?? ''].map(neutralise);
}

async function* rows(directory: Directory, filter: ListFilter): AsyncGenerator<string[]> {
  let cursor: string | undefined;
  do {
    const page = await directory.list(filter, cursor, 500, 5000);
    for (const s of page.rows) yield exportRow(s);
    cursor = page.next ?? undefined;
  } while (cursor);
}

/** A CSV byte stream with a header line; back-pressure pauses the Redis reads. */
export function exportCsv(directory: Directory, filter: ListFilter): Readable {
  const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] });
  Readable.from(rows(directory, filter)).on('error', (err) => csv.destroy(err)).pipe(csv);
  return csv;
}
