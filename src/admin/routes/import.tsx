// /admin/import: CSV upload. The browser streams the file as the request body
// (text/csv) and the same importer as the CLI reads it as it arrives; the page
// shows upload (= import) progress, then the result with errors by line.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ConfirmationQueue } from '../../delivery/transactional';
import { enrolFirstSequence } from '../../sequences/enrolment';
import type { AdminContext, AdminSection } from '../context';
import { importCsv, ImportFileError, MAX_REPORTED } from '../import/importer';
import { adminPage, csrfToken } from '../respond';

export const IMPORT_MAX_BYTES = 100 * 1024 * 1024;

export function registerImportRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const { core } = ctx;
  // The body stays a stream: nothing is buffered, whatever the file size.
  app.addContentTypeParser(['text/csv', 'application/vnd.ms-excel'], (_request, payload, done) => done(null, payload));

  app.get('/', async (request, reply) =>
    adminPage(
      request,
      reply,
      { title: 'Import', scripts: ['/admin/static/import.js'] },
      <>
        <h1>Import subscribers</h1>
        <p>
          A CSV file with a header line. The <code>email</code> column is required; <code>first_name</code>, <code>topics</code> (space-separated) and{' '}
          <code>time_zone</code> are used when present. Importing the same file again changes nothing. Addresses that were erased or have unsubscribed,
          bounced or complained are never brought back.
        </p>
        <form id="import-form" className="import" data-csrf={csrfToken(reply)}>
          <div className="field">
            <label htmlFor="file">CSV file</label>
            <input id="file" name="file" type="file" accept=".csv,text/csv" required />
          </div>
          <fieldset>
            <legend>Consent</legend>
            <p className="small">
              Without a recorded consent, people come in as pending and get a confirmation email (sent at the normal pace). Only if the clinic holds proof
              of consent, name where it was recorded: they then come in active, and their consent ledger names that source.
            </p>
            <div className="field">
              <label htmlFor="consent-source">
                Where consent was recorded <span className="optional">(optional)</span>
              </label>
              <input id="consent-source" name="consentSource" type="text" maxLength={200} placeholder="Paper form at reception, 2025" />
            </div>
            <div className="field">
              <label htmlFor="consented-at">
                When it was given <span className="optional">(needed with a source)</span>
              </label>
              <input id="consented-at" name="consentedAt" type="date" />
            </div>
          </fieldset>
          <button type="submit">Import</button>
        </form>
        <div id="import-progress" hidden>
          <label htmlFor="import-bar">Importing…</label>
          <progress id="import-bar" max="100" value="0"></progress>
        </div>
        <div id="import-result" aria-live="polite"></div>
        <noscript>
          <p className="notice info">The upload page needs JavaScript. Without it, use: npm run admin -- import FILE</p>
        </noscript>
      </>,
    ),
  );

  app.post<{ Querystring: { consentSource?: string; consentedAt?: string; name?: string } }>('/', async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') {
      return reply.code(415).send({ ok: false, error: { status: 415, message: 'Send the CSV file as the request body with Content-Type: text/csv.' } });
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > IMPORT_MAX_BYTES) {
      return reply.code(413).send({ ok: false, error: { status: 413, message: `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB. Split it, or use npm run admin -- import.` } });
    }
    const q = request.query;
    const source = typeof q.consentSource === 'string' && q.consentSource.trim() ? q.consentSource.trim().slice(0, 200) : undefined;
    const consentedAt = source && typeof q.consentedAt === 'string' ? new Date(q.consentedAt) : undefined;
    const origin = typeof q.name === 'string' && q.name ? q.name.replace(/[^\w.\- ]/g, '_').slice(0, 100) : 'upload.csv';
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > IMPORT_MAX_BYTES) body.destroy(new ImportFileError(`The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB.`));
    });
    try {
      const result = await importCsv(
        body,
        {
          origin,
          consentTextVersion: core.config.consentTextVersion,
          clinicName: core.config.clinic.name,
          ...(source ? { consentSource: source } : {}),
          ...(consentedAt ? { consentedAt } : {}),
        },
        { store: core.store, confirmations: new ConfirmationQueue(core.sendQueue), enrol: enrolFirstSequence },
      );
      request.log.info({ admin: request.session.user, origin, rows: result.rows, created: result.created, errors: result.errors }, 'subscriber import');
      return reply.send({ ok: true, result: { ...result, reportedErrors: Math.min(result.errors, MAX_REPORTED) } });
    } catch (err) {
      if (err instanceof ImportFileError) return reply.code(400).send({ ok: false, error: { status: 400, message: err.message } });
      throw err;
    }
  });
}

export const importSection: AdminSection = { path: '/import', title: 'Import', plugin: registerImportRoutes };
