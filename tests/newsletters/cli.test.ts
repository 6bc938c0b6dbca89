// `npm run newsletter -- …` as a marketer runs it: a child process against the
// suite's Redis, mail to a temporary outbox.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNewsletterCli } from '../../src/newsletters/cli';
import { createTestApp, type TestApp } from '../support/app';
import { SAMPLE_ISSUE_FILE } from '../support/newsletter';
import { testRedisUrl } from '../support/redis';

const run = promisify(execFile);

describe('newsletter CLI', () => {
  let t: TestApp;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-nlcli-'));
  /** The real process: exit code and streams as the shell sees them. */
  const spawnCli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/newsletter.ts', ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  /** The same code in-process (process start-up costs seconds on a busy machine). */
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runNewsletterCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd: process.cwd() });
    return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
  };
  beforeAll(async () => {
    t = await createTestApp('nlcli', {}, { sender: false });
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: t.config.redisPrefix,
      APP_SECRET: t.config.appSecret,
      PUBLIC_URL: t.config.publicUrl,
      OUTBOX_DIR: join(dir, 'outbox'),
      CLINIC_TIMEZONE: 'Europe/London',
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('validates: ok for the sample, one line per problem with file:line and exit 1 otherwise', async () => {
    const ok = await cli('validate', SAMPLE_ISSUE_FILE);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok: "Sitting with sciatica/);
    const bad = join(dir, 'bad-issue.md');
    writeFileSync(bad, '---\ntitle: T\nsubjet: x\n---\nIntro <script>alert(1)</script>\n\n## A\n\nThis cures sciatica.\n');
    // As the shell sees it: exit 1, one line per problem on stderr.
    const res = await spawnCli('validate', bad);
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/bad-issue\.md:3: subjet: is not a known front matter field/);
    expect(lines[1]).toMatch(/bad-issue\.md:5: intro: raw HTML/);
    writeFileSync(bad, '---\ntitle: T\n---\nIntro\n\n## A\n\nThis cures sciatica.\n');
    const claims = await cli('validate', bad);
    expect(claims.code).toBe(1);
    expect(claims.stdout).toMatch(/bad-issue\.md:8: health claim "cures" \(cure\)/);
    expect(claims.stderr.trim().split('\n')).toHaveLength(1);
    const usage = await cli('schedule', SAMPLE_ISSUE_FILE);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe('newsletter: schedule: give --date YYYY-MM-DD');
  }, 120_000);

  it('has --help on every command', async () => {
    const res = await cli('--help');
    expect(res.code).toBe(0);
    for (const c of ['validate', 'preview', 'test', 'schedule', 'send-now', 'cancel', 'list', 'status']) expect(res.stdout).toContain(c);
    const one = await cli('status', '--help');
    expect(one.stdout).toMatch(/^Usage: npm run newsletter -- status ID/);
  });

  it('previews beside the other exports; test-sends an issue and a drip template; schedules with local times; shows status; cancels', async () => {
    const out = join(dir, 'exports');
    const preview = await cli('preview', SAMPLE_ISSUE_FILE, '--out', out);
    expect(preview.code, preview.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['2026-12-sitting-with-sciatica'].flatMap((s) => [`newsletter-${s}.eml`, `newsletter-${s}.html`, `newsletter-${s}.txt`]));
    expect(preview.stdout).toMatch(/of Gmail's 102 KB/);

    const test = await cli('test', SAMPLE_ISSUE_FILE, '--to', 'me@example.com', '--to', 'you@example.com');
    expect(test.code, test.stderr).toBe(0);
    const drip = await cli('test', '--template', 'mechanisms', '--to', 'me@example.com');
    expect(drip.code, drip.stderr).toBe(0);
    const eml = readdirSync(join(dir, 'outbox')).map((f) => readFileSync(join(dir, 'outbox', f), 'utf8'));
    expect(eml).toHaveLength(3);
    expect(eml.every((m) => /^Subject: \[Test\] /m.test(m))).toBe(true);
    const six = await cli('test', SAMPLE_ISSUE_FILE, '--to', 'a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com');
    expect(six.code).toBe(1);
    expect(six.stderr.trim()).toBe('newsletter: A test goes to at most 5 addresses; 6 were given.');
    // No reader was touched: no issue exists and no ledger was written.
    expect(await t.core.newsletterStore.list()).toEqual([]);

    const sched = await cli('schedule', SAMPLE_ISSUE_FILE, '--date', '2099-06-02', '--hour', '8');
    expect(sched.code, sched.stderr).toBe(0);
    expect(sched.stdout).toMatch(/scheduled for 2099-06-02 at 08:00/);
    expect(sched.stdout).toMatch(/America\/New_York\s+Tue, 2 Jun 2099, 08:00 GMT-4/);
    expect(sched.stdout).toMatch(/Asia\/Tokyo\s+Tue, 2 Jun 2099, 08:00 GMT\+9/);
    const status = await cli('status', '2026-12-sitting-with-sciatica');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/scheduled for 2099-06-02 at 08:00 local/);
    expect(status.stdout).toMatch(/sent 0, failed 0, skipped 0, cancelled 0, left 0/);
    const list = await cli('list');
    expect(list.stdout).toMatch(/2026-12-sitting-with-sciatica\s+scheduled\s+2099-06-02 08h/);
    const cancel = await cli('cancel', '2026-12-sitting-with-sciatica');
    expect(cancel.code).toBe(0);
    const again = await cli('cancel', '2026-12-sitting-with-sciatica');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^newsletter: Issue "2026-12-sitting-with-sciatica" is cancelled; only a scheduled or sending issue can be cancelled\.$/);
    const missing = await cli('status', 'no-such-issue');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
