// The deployment files tell the truth: docker-compose.yml is valid, demands the
// production settings and has no unsafe defaults, and every setting that
// src/config.ts reads is passed through by the compose file, listed in
// .env.example and documented in README's configuration table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../src/config';

const compose = readFileSync('docker-compose.yml', 'utf8');
const readme = readFileSync('README.md', 'utf8');
const example = readFileSync('.env.example', 'utf8');

/** What production cannot run without; the compose file must refuse to start without each. */
const REQUIRED = ['PUBLIC_URL', 'APP_SECRET', 'EMAIL_FROM', 'CLINIC_NAME', 'CLINIC_POSTAL_ADDRESS', 'RESEND_API_KEY', 'RESEND_WEBHOOK_SECRET'];
const PRODUCTION_ENV: Record<string, string> = {
  PUBLIC_URL: 'https://news.clinic.example',
  APP_SECRET: 'x'.repeat(40),
  EMAIL_FROM: 'Clinic <news@clinic.example>',
  CLINIC_NAME: 'Clinic',
  CLINIC_POSTAL_ADDRESS: '1 Road, Town',
  RESEND_API_KEY: 're_test',
  RESEND_WEBHOOK_SECRET: 'whsec_test',
};

// An empty env file, so a developer's own .env never changes the outcome.
const emptyEnvFile = join(mkdtempSync(join(tmpdir(), 'meridian-compose-')), 'empty.env');
writeFileSync(emptyEnvFile, '');

function composeConfig(env: Record<string, string>): { ok: boolean; output: string } {
  // Only PATH and HOME from the real environment: the shell's own settings must not leak in.
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  try {
    const output = execFileSync('docker-compose', ['--env-file', emptyEnvFile, '-f', 'docker-compose.yml', 'config'], {
      env: { ...base, ...env },
      stdio: 'pipe',
      encoding: 'utf8',
    });
    return { ok: true, output };
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Keys of the shared environment block that web and worker both use. */
function composeSettings(): string[] {
  const block = /^x-app-environment: &app-environment\n((?:[ \t]+.*\n|\n)+)/m.exec(compose)?.[1] ?? '';
  return [...block.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}

describe('docker-compose.yml', () => {
  // docker-compose (Python) takes about 3 s per run on a busy machine: two runs in all.
  it('is valid (docker-compose config) with the production settings, runs production whatever .env says', () => {
    const result = composeConfig({ ...PRODUCTION_ENV, NODE_ENV: 'development' });
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toMatch(/NODE_ENV: production/);
    expect(result.output).not.toMatch(/NODE_ENV: development/);
    expect(result.output).toContain('PUBLIC_URL: https://news.clinic.example');
  });

  it('refuses to start without the production settings (no unsafe defaults)', () => {
    const result = composeConfig({});
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/is required/);
    // docker-compose names only the first missing one; the file must demand each.
    for (const name of REQUIRED) expect(compose, name).toMatch(new RegExp(`^  ${name}: \\$\\{${name}:\\?${name} is required`, 'm'));
    expect(compose).not.toMatch(/PUBLIC_URL:\s*\$\{PUBLIC_URL:-/);
  });

  it('web and worker share the one environment block; workers scale; health checks; durable Redis', () => {
    expect(compose.match(/environment: \*app-environment/g)?.length).toBe(2);
    const worker = (/^ {2}worker:\n((?: {4}.*\n|\n)+)/m.exec(compose)?.[1] ?? '').replace(/^\s*#.*$/gm, '');
    expect(worker).not.toMatch(/container_name|ports:/); // --scale worker=3 needs neither
    expect(compose).toMatch(/\/readyz/);
    expect(compose).toMatch(/redis-cli", "ping"/);
    expect(compose).toMatch(/"--appendonly", "yes"/);
    expect(compose).toMatch(/"--maxmemory-policy", "noeviction"/);
    expect(compose).toMatch(/- redis-data:\/data/);
    expect(compose).not.toMatch(/docker compose /); // the v1 CLI the test script installs is docker-compose
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/chown node:node \/app\/\.data/);
    expect(readFileSync('.dockerignore', 'utf8')).toMatch(/^\.env$/m);
  });
});

describe('every setting in src/config.ts is deployable and documented', () => {
  it('finds the settings', () => {
    expect(SETTING_NAMES.length).toBeGreaterThan(20);
    expect(SETTING_NAMES).toContain('PUBLIC_URL');
  });

  it('each is in docker-compose.yml, .env.example and README\'s configuration table', () => {
    const inCompose = new Set(composeSettings());
    const table = readme.slice(readme.indexOf('## Configuration'));
    const inReadme = new Set([...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!));
    const inExample = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    const missing: string[] = [];
    for (const name of SETTING_NAMES) {
      if (!inCompose.has(name)) missing.push(`${name} is missing from docker-compose.yml (add "  ${name}: \${${name}:-}" to x-app-environment)`);
      if (!inExample.has(name)) missing.push(`${name} is missing from .env.example (add a "${name}=" line)`);
      if (!inReadme.has(name)) missing.push(`${name} is missing from README.md's configuration table (add a "| \`${name}\` | default | meaning |" row)`);
    }
    // And nothing stale: a documented setting that config.ts no longer reads misleads.
    for (const name of inReadme) if (!SETTING_NAMES.includes(name)) missing.push(`${name} is in README.md's table but not in src/config.ts`);
    for (const name of inCompose) if (!SETTING_NAMES.includes(name)) missing.push(`${name} is in docker-compose.yml but not in src/config.ts`);
    expect(missing, missing.join('\n')).toEqual([]);
  });
});
