// Settings that used to start fine and then fail silently (issue 7 §5): a
// malformed webhook secret, and production with no way to deliver mail.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isWebhookSecret, loadConfig } from '../../src/config';

const cwd = () => mkdtempSync(join(tmpdir(), 'meridian-config-startup-'));
const SECRET = 'x'.repeat(40);
const PROD = { NODE_ENV: 'production', APP_SECRET: SECRET, PUBLIC_URL: 'https://clinic.example' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, cwd());
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('RESEND_WEBHOOK_SECRET is checked at start', () => {
  it('accepts Resend\'s format: whsec_ and base64 of 24 to 64 bytes', () => {
    for (const bytes of [24, 32, 64]) {
      const secret = `whsec_${randomBytes(bytes).toString('base64')}`;
      expect(isWebhookSecret(secret), secret).toBe(true);
      expect(loadConfig({ APP_SECRET: SECRET, RESEND_WEBHOOK_SECRET: secret }, cwd()).resend.webhookSecret).toBe(secret);
    }
  });

  it('refuses anything else, naming the setting and where to find the real one', () => {
    const bad = [
      'my webhook secret',
      `whsec_${randomBytes(24).toString('base64')} `,
      randomBytes(24).toString('base64'), // the prefix left out
      'whsec_not base64!',
      'whsec_abc', // not a multiple of 4
      `whsec_${randomBytes(8).toString('base64')}`, // too short to be a real key
      `whsec_${randomBytes(24).toString('base64url').replace(/=+$/, '')}-_`,
    ];
    for (const secret of bad) {
      expect(isWebhookSecret(secret), secret).toBe(false);
      const found = problems({ APP_SECRET: SECRET, RESEND_WEBHOOK_SECRET: secret }).join('\n');
      expect(found, secret).toMatch(/^RESEND_WEBHOOK_SECRET must be the signing secret Resend shows for your webhook: "whsec_" followed by base64/);
    }
  });
});

describe('production without Resend', () => {
  it('refuses to start without RESEND_API_KEY, saying why and how to override', () => {
    const found = problems(PROD).join('\n');
    expect(found).toMatch(/RESEND_API_KEY is required in production/);
    expect(found).toMatch(/OUTBOX_IN_PRODUCTION=true/);
  });

  it('starts with a key, or without one when OUTBOX_IN_PRODUCTION=true is set on purpose', () => {
    expect(loadConfig({ ...PROD, RESEND_API_KEY: 're_live_key' }, cwd()).resend.apiKey).toBe('re_live_key');
    expect(loadConfig({ ...PROD, OUTBOX_IN_PRODUCTION: 'true' }, cwd()).resend.apiKey).toBeUndefined();
    expect(problems({ ...PROD, OUTBOX_IN_PRODUCTION: 'false' }).join('\n')).toMatch(/RESEND_API_KEY is required in production/);
    expect(problems({ ...PROD, OUTBOX_IN_PRODUCTION: 'yes' }).join('\n')).toMatch(/OUTBOX_IN_PRODUCTION must be true or false/);
  });

  it('development and tests still fall back to the outbox', () => {
    expect(loadConfig({ APP_SECRET: SECRET }, cwd()).resend.apiKey).toBeUndefined();
    expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'test' }, cwd()).env).toBe('test');
  });
});
