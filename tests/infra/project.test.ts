// Project-level promises (the compose file, and every setting of src/config.ts's schema in
// README, .env.example and compose: tests/infra/deployment.test.ts): the React Email pins
// match, engines agree with the image, and .env.example loads.
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

  it('engines.node and the Dockerfile name the same Node major, and the image admits the minimum', () => {
    // What the project promises (engines) and what it ships (the image) must
    // agree, whatever Node happens to run this test.
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? [];
    expect(wantMajor, `engines.node should read ">=major.minor.patch", not ${pkg.engines.node}`).toBeDefined();
    const image = /^FROM node:(\d+)(?:\.(\d+))?(?:\.(\d+))?-/m.exec(readFileSync('Dockerfile', 'utf8'));
    expect(image, 'Dockerfile should start FROM node:<major>-...').not.toBeNull();
    expect(Number(image![1])).toBe(Number(wantMajor));
    // node:<major>-... is the newest release of that major; a pinned minor must reach the minimum.
    if (image![2] !== undefined) expect(Number(image![2])).toBeGreaterThanOrEqual(Number(wantMinor));
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
