// One list import in a process of its own, measuring its JavaScript memory:
//   node --expose-gc --import tsx scripts/bench/import-child.ts REDIS_URL PREFIX FILE
// Runs the real importer (src/admin/import/importer.ts, as `npm run admin --
// import` does) on FILE into Redis under PREFIX, forcing a full GC every
// SAMPLE_EVERY rows and recording live memory (V8 heap + Buffers). Prints one
// JSON line: the import's counts, the baseline before the first row and every
// sample. A fresh process, so nothing else lives on its heap.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { importCsv } from '../../src/admin/import/importer';
import { loadConfig } from '../../src/config';
import { OutboxTransport } from '../../src/delivery/outbox';
import { ConfirmationQueue } from '../../src/delivery/transactional';
import { Metrics } from '../../src/observability/metrics';
import { compose } from '../../src/runtime/compose';
import { enrolFirstSequence } from '../../src/sequences/enrolment';

export const SAMPLE_EVERY = 1000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
/** Live bytes after a full collection: what the import holds on to, not garbage waiting to be collected. */
function live(): number {
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const [redisUrl, prefix, file] = process.argv.slice(2);
if (!redisUrl || !prefix || !file) throw new Error('usage: import-child.ts REDIS_URL PREFIX FILE');
const outbox = mkdtempSync(join(tmpdir(), 'meridian-import-child-'));
const config = loadConfig({ NODE_ENV: 'test', APP_SECRET: 'import-child-secret-import-child-secret-0123', REDIS_PREFIX: prefix, OUTBOX_DIR: outbox, LOG_LEVEL: 'silent' });
const core = compose(config, { redisUrl, logger: pino({ level: 'silent' }), transport: new OutboxTransport(outbox), metrics: new Metrics(false) });
try {
  await core.redis.ping();
  await core.sendQueue.waitUntilReady();
  const baseline = live();
  const samples: { rows: number; bytes: number }[] = [];
  const t0 = performance.now();
  const result = await importCsv(
    createReadStream(file),
    { origin: 'bench.csv', consentTextVersion: config.consentTextVersion, clinicName: config.clinic.name },
    { store: core.store, confirmations: new ConfirmationQueue(core.sendQueue), enrol: enrolFirstSequence },
    (p) => {
      if (p.rows > 0 && p.rows % SAMPLE_EVERY === 0) samples.push({ rows: p.rows, bytes: live() });
    },
  );
  const ms = performance.now() - t0;
  const { errorList, ...counts } = result;
  process.stdout.write(`${JSON.stringify({ counts, firstErrors: errorList.slice(0, 3), baseline, samples, final: live(), ms })}\n`);
} finally {
  await core.close();
  rmSync(outbox, { recursive: true, force: true });
}
