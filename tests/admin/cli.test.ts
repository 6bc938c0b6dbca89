// `npm run admin -- <command>`: accounts, import and reindex against real
// Redis, through the same function the command line runs; and the real
// entrypoint once, for its exit codes and one-line errors.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountError, AdminAccounts } from '../../src/admin/accounts';
import { runAdminCommand } from '../../src/admin/cli';
import { runImportCommand } from '../../src/admin/import/cli';
import { Directory } from '../../src/subscribers/directory';
import { ensureDirectoryIndexes, INDEX_VERSION } from '../../src/subscribers/reindex';
import { testRedisUrl, uniquePrefix } from '../support/redis';
import { createConsoleApp, signIn, type ConsoleApp } from './support';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const meta = { ip: '198.51.100.20', userAgent: 'cli test' };

let c: ConsoleApp;
let dir: string;
let printed = '';
const out = (s: string) => {
  printed += s;
};
const admin = (...argv: string[]) => {
  printed = '';
  return runAdminCommand(c.core, argv, out, (core, args, o) => runImportCommand(core, args, o, false));
};

beforeAll(async () => {
  c = await createConsoleApp('admincli');
  dir = mkdtempSync(join(tmpdir(), 'meridian-admin-cli-'));
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run admin -- accounts', () => {
  it('add-user --generate prints a password once that signs in; a second add-user is refused', async () => {
    expect(await admin('add-user', 'Owner@Clinic.test', '--generate')).toBe(0);
    const password = /password, shown once: (\S+)/.exec(printed)?.[1];
    expect(password).toBeDefined();
    expect(printed).toContain('Created admin account owner@clinic.test.');
    expect(await c.accounts.verify('owner@clinic.test', password!)).not.toBeNull();
    // Stored as a hash, never as the password.
    const stored = JSON.stringify(await c.core.redis.hgetall(c.core.keys.scoped('admin', 'accounts')));
    expect(stored).not.toContain(password!);
    await expect(admin('add-user', 'owner@clinic.test', '--generate')).rejects.toThrow(/already exists/);
  });

  it('add-user refuses a bad address or extra arguments with one line', async () => {
    await expect(admin('add-user', 'not an address', '--generate')).rejects.toThrow(AccountError);
    await expect(admin('add-user', 'a@clinic.test', 'b@clinic.test', '--generate')).rejects.toThrow('add-user takes one email address.');
    await expect(admin('add-user', '--generate')).rejects.toThrow('add-user takes one email address.');
  });

  it('list-users lists every account; remove-user deletes one and ends its sessions', async () => {
    const accounts = new AdminAccounts(c.core.redis, c.core.keys, c.core.config.admin.passwordCost);
    await accounts.add('leaving@clinic.test', 'a long enough password here');
    const session = await signIn(c.app, 'leaving@clinic.test', 'a long enough password here');
    expect((await c.app.inject({ url: '/admin', headers: { accept: 'text/html', cookie: session.cookie } })).statusCode).toBe(200);

    expect(await admin('list-users')).toBe(0);
    const listed = printed.trim().split('\n').map((l) => l.split('\t')[0]);
    expect(listed).toEqual(expect.arrayContaining(['leaving@clinic.test', 'owner@clinic.test', 'marketer@clinic.example']));
    expect(printed).not.toMatch(/scrypt|\$|password/i);

    expect(await admin('remove-user', 'Leaving@clinic.test')).toBe(0);
    expect(printed).toBe('Removed admin account Leaving@clinic.test and ended 1 session(s).\n');
    expect(await accounts.exists('leaving@clinic.test')).toBe(false);
    // The ended session no longer opens the console.
    expect((await c.app.inject({ url: '/admin', headers: { accept: 'text/html', cookie: session.cookie } })).statusCode).toBe(302);
    expect(await admin('remove-user', 'leaving@clinic.test')).toBe(1);
    expect(printed).toContain('No admin account for leaving@clinic.test');
    expect(await admin('list-users')).toBe(0);
    expect(printed).not.toContain('leaving@clinic.test');
  });

  it('an unknown command prints the usage and exits 64; help exits 0', async () => {
    expect(await admin('frobnicate')).toBe(64);
    expect(printed).toContain('Usage: npm run admin -- <command>');
    expect(printed).toContain('reindex');
    expect(await admin('help')).toBe(0);
  });
});

describe('npm run admin -- import', () => {
  it('imports a file, reports bad lines with exit 2, and a second run adds nobody', async () => {
    const file = join(dir, 'list.csv');
    writeFileSync(file, 'Email,First name\ncli1@example.org,Una\nnot-an-address,X\ncli2@example.org,Dos\n');
    expect(await admin('import', file)).toBe(2);
    expect(printed).toContain('3 rows: 2 added (pending, confirmation emails queued), 0 already known (unchanged), 0 erased earlier (not re-added), 1 with errors.');
    expect(printed).toContain('  line 3: ');
    expect((await c.core.store.findByCanonical('cli1@example.org'))!.status).toBe('pending');
    expect(await admin('import', file)).toBe(2);
    expect(printed).toContain('3 rows: 0 added');
    expect(printed).toContain('2 already known (unchanged)');
  });

  it('with --consent-source and --consented-at the rows come in active', async () => {
    const file = join(dir, 'paper.csv');
    writeFileSync(file, 'email\npaper@example.org\n');
    expect(await admin('import', file, '--consent-source', 'Paper form at reception', '--consented-at', '2025-03-01')).toBe(0);
    expect(printed).toContain('1 added (active, consent from Paper form at reception)');
    expect((await c.core.store.findByCanonical('paper@example.org'))!.status).toBe('active');
  });

  it('refuses a missing file, a date without a source and unknown topics with one line', async () => {
    await expect(admin('import', join(dir, 'nope.csv'))).rejects.toThrow(/^Cannot read .*nope\.csv: no such file\.$/);
    await expect(admin('import')).rejects.toThrow('import takes one CSV file');
    const file = join(dir, 'one.csv');
    writeFileSync(file, 'email\none@example.org\n');
    await expect(admin('import', file, '--consented-at', '2025-03-01')).rejects.toThrow('--consented-at goes with --consent-source');
    await expect(admin('import', file, '--topics', 'knitting')).rejects.toThrow('--topics: unknown topic "knitting"');
    await expect(admin('import', file, '--consent-source', 'Fair', '--consented-at', 'soon')).rejects.toThrow(/--consented-at with a date/);
  });
});

describe('npm run admin -- reindex', () => {
  it('puts subscribers from before the console into its lists and counts; running it again changes nothing', async () => {
    const emails = ['old1@example.org', 'old2@example.org', 'old3@example.org'];
    for (const email of emails) expect((await c.core.service.signup({ email, consent: 'yes' }, meta, 'signup-page')).ok).toBe(true);
    const [a, b, d] = await Promise.all(emails.map(async (e) => (await c.core.store.findByCanonical(e))!));
    await c.core.service.confirm(a!, meta);
    await c.core.store.unsubscribe(b!.id, 'test', meta);
    const directory = new Directory(c.core.redis, c.core.keys, c.core.store);
    const before = await directory.statusCounts();
    const pendingBefore = await c.core.redis.zrange(c.core.keys.pending, 0, -1, 'WITHSCORES');

    // An installation from before the console: no directory indexes, no pending index, never indexed.
    const drop = async () => {
      const stale = await c.core.redis.keys(`${c.core.keys.prefix}:dir:*`);
      if (stale.length) await c.core.redis.del(...stale, c.core.keys.pending);
    };
    await drop();
    expect(Object.values(await directory.statusCounts()).every((n) => n === 0)).toBe(true);
    expect((await directory.list({ status: 'active' }, undefined, 50)).rows).toEqual([]);

    expect(await admin('reindex')).toBe(0);
    const [, subscribers, added] = /^Indexed (\d+) subscriber\(s\): (\d+) index entries added, 0 removed\.\n$/.exec(printed) ?? [];
    expect(Number(subscribers)).toBeGreaterThanOrEqual(3);
    expect(Number(added)).toBeGreaterThanOrEqual(3);
    expect(await directory.statusCounts()).toEqual(before);
    expect((await directory.list({ status: 'active' }, undefined, 50)).rows.map((s) => s.id)).toContain(a!.id);
    expect((await directory.list({ status: 'unsubscribed' }, undefined, 50)).rows.map((s) => s.id)).toContain(b!.id);
    expect((await directory.list({ step: 'sciatica-series/welcome' }, undefined, 50)).rows.map((s) => s.id)).toContain(a!.id);
    // The pending index is back with the same scores (PENDING_RETENTION counts from them).
    // The pending index is back for everyone still pending, with the same score (PENDING_RETENTION counts from it);
    // the confirmed and the unsubscribed are left out (the purge would only have skipped them).
    const pendingAfter = await c.core.redis.zrange(c.core.keys.pending, 0, -1);
    for (const id of pendingAfter) expect((await c.core.store.get(id))!.status).toBe('pending');
    expect(await c.core.redis.zscore(c.core.keys.pending, d!.id)).toBe(pendingBefore[pendingBefore.indexOf(d!.id) + 1]);
    expect(pendingAfter).not.toContain(a!.id);
    expect(pendingAfter).not.toContain(b!.id);
    // And the console page shows them.
    const session = await signIn(c.app);
    const page = await c.app.inject({ url: '/admin/subscribers?status=unsubscribed', headers: { accept: 'text/html', cookie: session.cookie } });
    expect(page.body).toContain('old2@example.org');

    // A second run finds everything in place.
    expect(await admin('reindex')).toBe(0);
    expect(printed).toMatch(/: 0 index entries added, 0 removed\.\n$/);

    // A subscriber listed under the wrong status is moved.
    await c.core.redis.zadd(directory.statusKey('bounced'), 1, a!.id);
    expect(await admin('reindex')).toBe(0);
    expect(printed).toMatch(/: 0 index entries added, 1 removed\.\n$/);
    expect(await directory.statusCounts()).toEqual(before);
  });

  it('at start, rebuilds once for a Redis that was never indexed, and not again', async () => {
    await c.core.redis.del(c.core.keys.scoped('dir', 'indexed'));
    const first = await ensureDirectoryIndexes(c.core.redis, c.core.keys);
    expect(first).not.toBeNull();
    expect(await c.core.redis.get(c.core.keys.scoped('dir', 'indexed'))).toBe(INDEX_VERSION);
    expect(await ensureDirectoryIndexes(c.core.redis, c.core.keys)).toBeNull();
  });
});

describe('the admin entrypoint', () => {
  it('exits 65 with one line for a bad address, 64 with the usage for an unknown command', async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: uniquePrefix('admincli2'),
      APP_SECRET: 'admin-cli-secret-admin-cli-secret-0123456789',
      ADMIN_PASSWORD_COST: '10',
      LOG_LEVEL: 'silent',
    };
    const admin = async (...args: string[]) => {
      try {
        const r = await run(process.execPath, ['--import', 'tsx', 'src/admin/cli.ts', ...args], { cwd: ROOT, env, timeout: 90_000 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };
    const [bad, unknown] = await Promise.all([admin('add-user', 'nobody', '--generate'), admin('frobnicate')]);
    expect(bad.code).toBe(65);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('"nobody" is not an email address');
    expect(unknown.code).toBe(64);
    expect(unknown.stdout).toContain('Usage: npm run admin -- <command>');
  }, 120_000);
});
