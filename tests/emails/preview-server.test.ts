// `npm run preview` (react-email's dev server) really starts and serves every
// template filled with its PreviewProps, on the clinic's configured brand.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/runtime/redis-server';
import { TEMPLATE_IDS, TEMPLATES } from '../../src/render/templates';

const ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 60_000;

let server: ChildProcess | undefined;
let base = '';
let log = '';
const CLINIC = { CLINIC_NAME: 'Harbourside Needle Works', CLINIC_POSTAL_ADDRESS: '7 Quay Lane, Porthaven PH1 2AB', PUBLIC_URL: 'https://news.harbourside.test' };

/** Kills the whole process group (the CLI starts Next.js workers of its own). */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return done();
    const pid = child.pid;
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      done();
    }
  });
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://localhost:${port}`;
  server = spawn(join(ROOT, 'node_modules/.bin/email'), ['dev', '--dir', 'emails', '--port', String(port)], {
    cwd: ROOT,
    detached: true, // its own process group, so stop() reaches every child
    // The clinic's settings, as .env or the environment would give them (src/config.ts, loadBrandSettings).
    env: { ...process.env, ...CLINIC, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (c) => (log += c));
  server.stderr?.on('data', (c) => (log += c));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`preview server exited with ${server.exitCode}:\n${log}`);
    try {
      const res = await fetch(base, { signal: AbortSignal.timeout(5_000) });
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`preview server did not answer within ${START_TIMEOUT_MS / 1000} s:\n${log}`);
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (server) await stop(server);
}, 15_000);

describe('preview server', () => {
  it('lists exactly the registered templates (shared components are not emails)', async () => {
    const html = await (await fetch(base)).text();
    const listed = [...new Set([...html.matchAll(/href="\/preview\/([^"/?#]+)"/g)].map((m) => m[1]))].sort();
    expect(listed).toEqual([...TEMPLATE_IDS].sort());
  });

  it('serves every template filled with its preview props', async () => {
    for (const id of TEMPLATE_IDS) {
      const res = await fetch(`${base}/preview/${id}`, { signal: AbortSignal.timeout(45_000) });
      const page = await res.text();
      expect(res.status, id).toBe(200);
      expect(page, `${id} failed to render:\n${log.slice(-2000)}`).not.toMatch(/Failed (while|trying)|Could not resolve/);
      expect(page, id).toContain(TEMPLATES[id].previewEnvelope().subject);
      // The confirmation greets nobody by name: the name is whatever a stranger typed.
      expect(page, id).toContain(id === 'confirm' ? 'Hello there,' : 'Hello Maria,');
      expect(page, id).toContain(CLINIC.CLINIC_POSTAL_ADDRESS);
      expect(page, id).toContain('Harbourside Needle Works');
      expect(page, id).toContain('https://news.harbourside.test/unsubscribe/');
      expect(page, id).not.toContain('12 Harbour Street');
      expect(page, id).not.toContain('Meridian Acupuncture Clinic');
    }
  }, 100_000);
});
