// `npm run admin -- import FILE [--consent-source "…" --consented-at YYYY-MM-DD] [--topics a,b]`
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { ConfirmationQueue } from '../../delivery/transactional';
import type { Core } from '../../runtime/compose';
import { enrolFirstSequence } from '../../sequences/enrolment';
import { AccountError } from '../accounts';
import { importCsv, ImportFileError, parseTopics } from './importer';

export async function runImportCommand(core: Core, argv: string[], out: (s: string) => void, showBar = process.stdout.isTTY === true): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'consent-source': { type: 'string' }, 'consented-at': { type: 'string' }, topics: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new AccountError('import takes one CSV file: npm run admin -- import FILE');
  const file = positionals[0]!;
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new AccountError(`Cannot read ${file}: no such file.`);
  }
  const source = values['consent-source']?.trim();
  if (values['consented-at'] !== undefined && !source) throw new AccountError('--consented-at goes with --consent-source "where consent was recorded".');
  const consentedAt = values['consented-at'] ? new Date(values['consented-at']) : undefined;
  const topics = values.topics ? parseTopics(values.topics, []) : undefined;
  if (typeof topics === 'string') throw new AccountError(`--topics: ${topics}`);
  const bar = showBar ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {rows} rows | {created} new | {errors} errors', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(size, 0, { rows: 0, created: 0, errors: 0 });
  try {
    const result = await importCsv(
      createReadStream(file),
      {
        origin: basename(file),
        consentTextVersion: core.config.consentTextVersion,
        clinicName: core.config.clinic.name,
        ...(source ? { consentSource: source } : {}),
        ...(consentedAt ? { consentedAt } : {}),
        ...(topics ? { defaultTopics: topics } : {}),
      },
      { store: core.store, confirmations: new ConfirmationQueue(core.sendQueue), enrol: enrolFirstSequence },
      (p) => bar?.update(p.bytes, { rows: p.rows, created: p.created, errors: p.errors }),
    );
    bar?.update(size);
    bar?.stop();
    out(
      `${result.rows} rows: ${result.created} added (${source ? 'active, consent from ' + source : 'pending, confirmation emails queued'}), ` +
        `${result.unchanged} already known (unchanged), ${result.erased} erased earlier (not re-added), ${result.errors} with errors.\n`,
    );
    for (const e of result.errorList) out(`  line ${e.line}: ${e.message}\n`);
    if (result.errors > result.errorList.length) out(`  … and ${result.errors - result.errorList.length} more\n`);
    return result.errors > 0 ? 2 : 0;
  } catch (err) {
    bar?.stop();
    if (err instanceof ImportFileError) throw new AccountError(err.message);
    throw err;
  }
}
