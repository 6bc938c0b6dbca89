// Every template, as the MIME message the outbox would deliver, is scored by
// SpamAssassin with local rules only (no network tests, no Bayes). Scores are
// written to test-artifacts/spam-scores.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMime } from '../../src/delivery/outbox';
import type { OutgoingEmail } from '../../src/delivery/transport';
import { renderEmail } from '../../src/render/render';
import { TEMPLATE_IDS } from '../../src/render/templates';
import { context, FROM, recipient } from '../render/fixtures';

const SPAMASSASSIN = '/usr/bin/spamassassin';
const MAX_SCORE = 2.0;
const ROOT = resolve(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'meridian-sa-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Score {
  score: number;
  tests: string[];
}

/** Runs `spamassassin -L -t` on one message and parses its X-Spam-Status header. */
function score(message: Buffer): Promise<Score> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      SPAMASSASSIN,
      ['-L', '-t', '-x', '--cf=use_bayes 0', '--cf=bayes_auto_learn 0', '--cf=use_auto_whitelist 0'],
      // A private HOME: no user prefs read, nothing learned or written in the real one.
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', () => {
      const header = /^X-Spam-Status: (?:Yes|No), score=(-?\d+(?:\.\d+)?) required=\S+ tests=([\s\S]*?) autolearn=/m.exec(out);
      if (!header) return reject(new Error(`No X-Spam-Status in spamassassin output:\n${out.slice(0, 500)}\n${err.slice(0, 500)}`));
      resolvePromise({ score: Number(header[1]), tests: header[2]!.split(/[\s,]+/).filter(Boolean) });
    });
    child.stdin.end(message);
  });
}

async function asMime(email: OutgoingEmail, id: string): Promise<Buffer> {
  return buildMime(email, `<${id}.${Date.now().toString(36)}@clinic.example>`, new Date());
}

describe('spam score', () => {
  it.runIf(existsSync(SPAMASSASSIN))(`stays under ${MAX_SCORE} for every template (and a spammy control scores high)`, async () => {
    const r = recipient();
    const messages = await Promise.all(
      TEMPLATE_IDS.map(async (id) => {
        const rendered = await renderEmail(id, r, context);
        const email: OutgoingEmail = {
          from: FROM,
          to: 'Maria Example <maria@example.com>',
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: rendered.headers,
          tags: [{ name: 'template', value: id }],
        };
        return [id, await asMime(email, id)] as const;
      }),
    );
    // The control proves the scorer and the parser work: it must be flagged.
    const control = await asMime(
      {
        from: '"WINNER" <winner@prizes.example>',
        to: 'maria@example.com',
        subject: 'FREE!!! CHEAP VIAGRA, NO PRESCRIPTION, ACT NOW',
        html: '<html><body><p style="color:#fefefe">x</p><p>CLICK HERE!!! 100% FREE, cheap viagra, no prescription needed, act now</p><img src="http://10.0.0.1/p.gif"></body></html>',
        text: '',
        headers: {},
        tags: [],
      },
      'control',
    );
    // Two at a time: each spamassassin run loads all rules (about a second).
    const results: Record<string, Score> = {};
    const queue: (readonly [string, Buffer])[] = [...messages, ['control', control]];
    await Promise.all(
      [0, 1].map(async () => {
        for (let next = queue.shift(); next; next = queue.shift()) results[next[0]] = await score(next[1]);
      }),
    );

    const report = Object.fromEntries(TEMPLATE_IDS.map((id) => [id, results[id]!]));
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(
      join(ROOT, 'test-artifacts/spam-scores.json'),
      `${JSON.stringify({ spamassassin: 'local rules only (-L), no Bayes', max: MAX_SCORE, scores: report, control: results.control }, null, 2)}\n`,
    );
    console.log(`[spam] ${Object.entries(report).map(([id, s]) => `${id}=${s.score}`).join(' ')} control=${results.control!.score}`);

    expect(results.control!.score).toBeGreaterThanOrEqual(5);
    for (const id of TEMPLATE_IDS) expect(results[id]!.score, `${id}: ${results[id]!.tests.join(' ')}`).toBeLessThan(MAX_SCORE);
  }, 90_000);
});
