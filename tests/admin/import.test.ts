// List import into real Redis: the same importer behind the upload page and the CLI.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../../src/admin/import/importer';
import { ConfirmationQueue } from '../../src/delivery/transactional';
import { enrolFirstSequence } from '../../src/sequences/enrolment';
import { createConsoleApp, signIn, type ConsoleApp, type Session } from './support';

let c: ConsoleApp;
let session: Session;
const N = 2000;

function csv(rows: number, extra = ''): string {
  const lines = ['Email,First Name,Topics'];
  for (let i = 0; i < rows; i++) lines.push(`reader${i}@example.org,Reader ${i},`);
  return lines.join('\n') + '\n' + extra;
}

const deps = () => ({ store: c.core.store, confirmations: new ConfirmationQueue(c.core.sendQueue), enrol: enrolFirstSequence });
const options = () => ({ origin: 'list.csv', consentTextVersion: c.core.config.consentTextVersion, clinicName: c.core.config.clinic.name });

beforeAll(async () => {
  c = await createConsoleApp('adminimport');
  session = await signIn(c.app);
});
afterAll(() => c.close());

describe('import', () => {
  it('imports pending rows with confirmations, reports bad lines, and a second run changes nothing', async () => {
    const bad = 'not-an-address,Bad,\nok.row@example.org,Ok,unknown-topic\n';
    const first = await importCsv(Readable.from([csv(N, bad)]), options(), deps());
    expect(first.created).toBe(N);
    expect(first.errors).toBe(2);
    expect(first.errorList.map((e) => e.line)).toEqual([N + 2, N + 3]);
    const s = await c.core.store.findByCanonical('reader7@example.org');
    expect(s!.status).toBe('pending');
    expect((await c.core.store.ledger(s!.id))[0]).toMatchObject({ event: 'imported', source: 'import: list.csv' });
    const jobs = await c.core.sendQueue.getJobCounts('prioritized', 'waiting');
    expect((jobs.prioritized ?? 0) + (jobs.waiting ?? 0)).toBeGreaterThanOrEqual(N);

    // Keys under this file's prefix only: other test files share the server.
    const count = async () => {
      let cursor = '0';
      let n = 0;
      do {
        const [next, keys] = await c.core.redis.scan(cursor, 'MATCH', `${c.core.config.redisPrefix}:*`, 'COUNT', 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      return n;
    };
    const before = await count();
    const second = await importCsv(Readable.from([csv(N)]), options(), deps());
    expect(second).toMatchObject({ created: 0, unchanged: N, errors: 0 });
    expect(await count()).toBe(before);
  });

  it('never revives erased or suppressed addresses', async () => {
    const gone = (await c.core.store.findByCanonical('reader1@example.org'))!;
    await c.core.store.erase(gone.id);
    const unsub = (await c.core.store.findByCanonical('reader2@example.org'))!;
    await c.core.store.unsubscribe(unsub.id, 'test', { ip: null, userAgent: null });
    const again = await importCsv(Readable.from([csv(3)]), options(), deps());
    expect(again).toMatchObject({ created: 0, erased: 1, unchanged: 2 });
    expect(await c.core.store.findByCanonical('reader1@example.org')).toBeNull();
    expect((await c.core.store.get(unsub.id))!.status).toBe('unsubscribed');
  });

  it('with a consent source, rows come in active with a ledger entry naming it', async () => {
    const r = await importCsv(Readable.from(['email\nconsented@example.org\n']), { ...options(), consentSource: 'Paper form at reception', consentedAt: new Date('2025-03-01') }, deps());
    expect(r.created).toBe(1);
    const s = (await c.core.store.findByCanonical('consented@example.org'))!;
    expect(s.status).toBe('active');
    const ledger = await c.core.store.ledger(s.id);
    expect(ledger[0]).toMatchObject({ event: 'imported', source: 'Paper form at reception', detail: { consentedAt: '2025-03-01T00:00:00.000Z' } });
  });

  it('the upload page streams the file through the same importer, CSRF-checked', async () => {
    const upload = (token: string) =>
      c.app.inject({
        method: 'POST',
        url: '/admin/import?name=web.csv',
        headers: { 'content-type': 'text/csv', accept: 'application/json', cookie: session.cookie, 'x-csrf-token': token },
        payload: 'email,first_name\nweb1@example.org,Web\nbroken\n',
      });
    expect((await upload('wrong')).statusCode).toBe(403);
    const res = await upload(session.csrf);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { result: { created: number; errors: number; errorList: { line: number }[] } };
    expect(body.result.created).toBe(1);
    expect(body.result.errorList[0]!.line).toBe(3);
    const noEmail = await c.app.inject({
      method: 'POST',
      url: '/admin/import',
      headers: { 'content-type': 'text/csv', accept: 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      payload: 'name\nx\n',
    });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.body).toContain('No email column');
  });
});
