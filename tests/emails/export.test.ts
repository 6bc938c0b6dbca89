// npm run emails:export: writes .html, .txt and .eml per template; refuses bad folders.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEMPLATE_IDS } from '../../src/render/templates';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SCRIPT = join(ROOT, 'scripts/export-emails.ts');

async function exportTo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exportIn(ROOT, process.env, args);
}

async function exportIn(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, ['--tsconfig', join(ROOT, 'tsconfig.json'), SCRIPT, ...args], { cwd, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('emails:export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-export-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every template as html, txt and eml and lists them', async () => {
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await exportTo(out);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(TEMPLATE_IDS.flatMap((id) => [`${id}.eml`, `${id}.html`, `${id}.txt`]).sort());
    for (const file of files) expect(stdout).toContain(file);
    const eml = readFileSync(join(out, 'welcome.eml'), 'utf8');
    expect(eml).toMatch(/^From: Meridian Acupuncture Clinic <hello@clinic\.example>$/m);
    expect(eml).toMatch(/^Subject: Welcome: sciatica, and how acupuncture may help$/m);
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(eml).toMatch(/multipart\/alternative/);
    expect(readFileSync(join(out, 'welcome.txt'), 'utf8')).toContain('Hello Maria,');
    expect(readFileSync(join(out, 'newsletter.html'), 'utf8')).toContain('alt="A person sitting upright');
  });

  it("uses the clinic's configured name, address and URLs (.env under the environment), not the sample ones", async () => {
    // A clinic's own folder: its .env names the clinic, the environment sets the public URL (and wins over the file).
    const project = mkdtempSync(join(tmpdir(), 'meridian-clinic-'));
    try {
      writeFileSync(
        join(project, '.env'),
        'CLINIC_NAME=Harbourside Needle Works\nCLINIC_POSTAL_ADDRESS=7 Quay Lane, Porthaven PH1 2AB\nPUBLIC_URL=https://ignored.example\n',
      );
      const env = { ...process.env, PUBLIC_URL: 'https://news.harbourside.test', CLINIC_NAME: undefined, CLINIC_POSTAL_ADDRESS: undefined, EMAIL_FROM: undefined, CLINIC_BOOKING_URL: undefined };
      const { code, stderr } = await exportIn(project, env, ['out']);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = join(project, 'out');
      for (const id of TEMPLATE_IDS) {
        const html = readFileSync(join(out, `${id}.html`), 'utf8');
        const text = readFileSync(join(out, `${id}.txt`), 'utf8');
        for (const part of [html, text]) {
          expect(part, id).toContain('Harbourside Needle Works');
          expect(part, id).toContain('7 Quay Lane, Porthaven PH1 2AB');
          expect(part, id).toContain('https://news.harbourside.test/unsubscribe/');
          expect(part, id).not.toContain('Meridian Acupuncture Clinic');
          expect(part, id).not.toContain('12 Harbour Street');
          expect(part, id).not.toContain('clinic.example');
          expect(part, id).not.toContain('ignored.example');
        }
      }
      expect(readFileSync(join(out, 'newsletter.html'), 'utf8')).toContain('href="https://news.harbourside.test/book"');
      expect(readFileSync(join(out, 'confirm.txt'), 'utf8')).toContain('https://news.harbourside.test/confirm/');
      const eml = readFileSync(join(out, 'welcome.eml'), 'utf8');
      expect(eml).toMatch(/^From: Harbourside Needle Works <hello@clinic\.example>$/m);
      expect(eml).toMatch(/^Message-ID: <preview-welcome@news\.harbourside\.test>$/im);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('refuses hostile or invalid folders with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['--rm'], /Unknown option "--rm"/],
      [['/'], /must be inside/],
      [['../../../etc'], /must be inside/],
      [['a', 'b'], /at most one folder/],
      [['bad\nname'], /control characters/],
      [[''], /empty/],
      [['src'], /source or tooling folder/],
      [[tmpdir()], /name a sub-folder/],
      [[SCRIPT], /not a folder|source or tooling/],
    ];
    const results = await Promise.all(cases.map(([args]) => exportTo(...args)));
    cases.forEach(([args, message], i) => {
      const { code, stderr } = results[i]!;
      expect(code, JSON.stringify(args)).toBe(2);
      expect(stderr, JSON.stringify(args)).toMatch(message);
      expect(stderr).toContain('Usage: npm run emails:export');
    });
  });
});
