// Runs scripts/bench/import-child.ts on a generated CSV and reports how much
// live memory the import held: shared by `npm run bench` (100,000 rows) and
// tests/admin/import-memory.test.ts (a smaller file, cheap enough for the suite).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

/**
 * Writes `rows` subscribers as CSV, streamed (the file is never held in memory
 * here either). A `notesChars` column the importer ignores makes rows fat, so
 * an import that held rows, or the file, would show at once.
 */
export async function writeCsv(path: string, rows: number, notesChars = 1000, prefix = 'reader'): Promise<number> {
  const notes = 'n'.repeat(notesChars);
  const out = createWriteStream(path);
  out.write('email,first_name,topics,time_zone,notes\n');
  for (let i = 0; i < rows; i++) {
    if (!out.write(`${prefix}${i}@example.org,Reader,sciatica-series newsletter,Europe/Berlin,${notes}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return out.bytesWritten;
}

export interface ImportMemory {
  counts: { rows: number; created: number; unchanged: number; erased: number; errors: number; bytes: number };
  /** Live bytes (V8 heap + Buffers, after a full GC) before the first row. */
  baseline: number;
  samples: { rows: number; bytes: number }[];
  final: number;
  /** How long the import itself took (information only: the machine is shared). */
  ms: number;
}

/** The most live memory above the baseline at any sample. */
export const peakGrowth = (m: ImportMemory) => Math.max(0, ...m.samples.map((s) => s.bytes - m.baseline));

export async function measureImport(redisUrl: string, prefix: string, file: string): Promise<ImportMemory> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/bench/import-child.ts', redisUrl, prefix, file], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'test' },
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ImportMemory;
}
