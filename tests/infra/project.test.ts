// Project-level promises (the compose file: tests/infra/deployment.test.ts): the React Email pins
// match, engines tell the truth, and config defaults match the docs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('project', () => {
  it('pins react-email and @react-email/ui to the same exact version', () => {
    const a = pkg.dependencies['react-email'];
    const b = pkg.dependencies['@react-email/ui'] ?? pkg.devDependencies['@react-email/ui'];
    expect(a).toMatch(/^\d+\.\d+\.\d+$/);
    expect(b).toBe(a);
  });

  it('engines.node admits the running Node', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(pkg.engines.node)!.map(Number) as [number, number, number];
    expect(major > wantMajor || (major === wantMajor && minor >= wantMinor)).toBe(true);
  });

  it('every setting in README\'s configuration table exists in .env.example and is accepted by config.ts', () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'));
    const names = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    const example = readFileSync('.env.example', 'utf8');
    for (const name of names) expect(example, name).toMatch(new RegExp(`^${name}=`, 'm'));
    const source = readFileSync('src/config.ts', 'utf8');
    for (const name of names) expect(source, name).toContain(`${name}:`);
  });

  it('the .env.example values load as a valid configuration', () => {
    const env = Object.fromEntries(
      readFileSync('.env.example', 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const config = loadConfig({ ...env, APP_SECRET: 'x'.repeat(32) });
    expect(config.port).toBe(3000);
    expect(config.drip.intervalMs).toBe(7 * 86_400_000);
  });
});
