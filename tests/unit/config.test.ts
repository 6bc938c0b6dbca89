import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACER_JITTER_BUDGET_MS } from '../../src/delivery/pacer';
import { ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_SIGNUP_LIMITS } from '../../src/subscribers/signup-limits';

const SECRET = 's'.repeat(40);
const cwd = () => mkdtempSync(join(tmpdir(), 'meridian-config-'));

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, cwd());
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('REDIS_CLUSTER_NODES', () => {
  it('one Redis: keys start with the prefix as written', () => {
    const c = loadConfig({ APP_SECRET: SECRET, REDIS_URL: 'redis://r:6379', REDIS_PREFIX: 'clinic' }, cwd());
    expect(c.redisCluster).toBeUndefined();
    expect(c.redisUrl).toBe('redis://r:6379');
    expect(c.redisKeyPrefix).toBe('clinic');
  });

  it('a cluster: seed nodes, credentials and TLS from the URLs, REDIS_URL ignored, the prefix a hash tag', () => {
    const c = loadConfig(
      { APP_SECRET: SECRET, REDIS_URL: 'redis://redis:6379', REDIS_PREFIX: 'clinic', REDIS_CLUSTER_NODES: 'rediss://app:p%40ss@node-1.example:7000, rediss://node-2.example' },
      cwd(),
    );
    expect(c.redisCluster).toEqual({
      nodes: [
        { host: 'node-1.example', port: 7000 },
        { host: 'node-2.example', port: 6379 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(c.redisUrl).toBeUndefined();
    expect(c.redisPrefix).toBe('clinic');
    expect(c.redisKeyPrefix).toBe('{clinic}');
    expect(loadConfig({ APP_SECRET: SECRET, REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002' }, cwd()).redisCluster).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
      ],
      tls: false,
    });
  });

  it('never repeats a password in its message', () => {
    const list = problems({ APP_SECRET: SECRET, REDIS_CLUSTER_NODES: 'redis://u:secret-pw@host:1/db' });
    expect(list.join('\n')).toMatch(/not understood: redis:\/\/\*\*\*@host:1\/db/);
    expect(list.join('\n')).not.toContain('secret-pw');
  });
});

describe('signup limits', () => {
  it('default to DEFAULT_SIGNUP_LIMITS and are raised by configuration only', () => {
    expect(loadConfig({ APP_SECRET: SECRET }, cwd()).signupLimits).toEqual({ perIpPerHour: DEFAULT_SIGNUP_LIMITS.perIpPerHour, perAddressPerHour: DEFAULT_SIGNUP_LIMITS.perAddressPerHour });
    expect(loadConfig({ APP_SECRET: SECRET, SIGNUPS_PER_IP_PER_HOUR: '100000', SIGNUPS_PER_ADDRESS_PER_HOUR: '10' }, cwd()).signupLimits).toEqual({ perIpPerHour: 100_000, perAddressPerHour: 10 });
    expect(problems({ APP_SECRET: SECRET, SIGNUPS_PER_IP_PER_HOUR: '0' })[0]).toMatch(/^SIGNUPS_PER_IP_PER_HOUR: /);
  });
});

describe('the pacer jitter budget', () => {
  it('defaults to PACER_JITTER_BUDGET_MS and takes whole milliseconds from 0 to 5000', () => {
    expect(loadConfig({ APP_SECRET: SECRET }, cwd()).resend.jitterBudgetMs).toBe(PACER_JITTER_BUDGET_MS);
    expect(loadConfig({ APP_SECRET: SECRET, RESEND_JITTER_BUDGET_MS: '600' }, cwd()).resend.jitterBudgetMs).toBe(600);
    for (const bad of ['-1', '5001', '2.5', 'soon']) expect(problems({ APP_SECRET: SECRET, RESEND_JITTER_BUDGET_MS: bad })[0], bad).toMatch(/^RESEND_JITTER_BUDGET_MS: /);
  });
});

describe('loadConfig', () => {
  it('gives defaults in development and anchors paths at cwd', () => {
    const dir = cwd();
    const c = loadConfig({ APP_SECRET: SECRET }, dir);
    expect(c.env).toBe('development');
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.redisPrefix).toBe('meridian');
    expect(c.outboxDir).toBe(join(dir, '.outbox'));
    expect(c.corsOrigins).toEqual([]);
    expect(c.confirmTokenTtlMs).toBe(3 * 86_400_000);
  });

  it('treats empty strings as unset and strips trailing slashes from PUBLIC_URL', () => {
    const c = loadConfig({ APP_SECRET: SECRET, PORT: '', PUBLIC_URL: 'https://clinic.example//' }, cwd());
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('https://clinic.example');
  });

  it('requires APP_SECRET and PUBLIC_URL in production', () => {
    expect(problems({ NODE_ENV: 'production', APP_SECRET: SECRET }).join('\n')).toMatch(/PUBLIC_URL is required in production/);
    expect(problems({ NODE_ENV: 'production', PUBLIC_URL: 'https://clinic.example' }).join('\n')).toMatch(/APP_SECRET is required in production/);
    const both = problems({ NODE_ENV: 'production' }).join('\n');
    expect(both).toMatch(/PUBLIC_URL/);
    expect(both).toMatch(/APP_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET, PUBLIC_URL: 'https://clinic.example', RESEND_API_KEY: 're_x' }, cwd()).env).toBe('production');
  });

  it('refuses an http PUBLIC_URL in production, except on the local machine', () => {
    const prod = (url: string) => problems({ NODE_ENV: 'production', APP_SECRET: SECRET, PUBLIC_URL: url }).join('\n');
    expect(prod('http://clinic.example')).toMatch(/PUBLIC_URL must start with https:\/\/ in production \(got http:\/\/clinic\.example\)/);
    expect(prod('http://localhost.clinic.example')).toMatch(/PUBLIC_URL must start with https/);
    expect(prod('http://127.0.0.1.nip.io')).toMatch(/PUBLIC_URL must start with https/);
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://app.localhost']) {
      expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET, PUBLIC_URL: local, RESEND_API_KEY: 're_x' }, cwd()).publicUrl).toBe(local);
    }
    // Outside production, http is fine (development, tests).
    expect(loadConfig({ APP_SECRET: SECRET, PUBLIC_URL: 'http://clinic.example' }, cwd()).publicUrl).toBe('http://clinic.example');
  });

  it.each([
    [{ APP_SECRET: 'short' }, /APP_SECRET must be at least 32 characters/],
    [{ PORT: 'abc' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ PUBLIC_URL: 'clinic.example' }, /PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ REDIS_URL: 'http://localhost:6379' }, /REDIS_URL must start with redis:\/\//],
    [{ REDIS_PREFIX: 'a:b' }, /REDIS_PREFIX may hold letters/],
    [{ REDIS_CLUSTER_NODES: ' , ' }, /REDIS_CLUSTER_NODES .*it is empty/],
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:6379,http://10.0.0.2:6379' }, /REDIS_CLUSTER_NODES .*not understood: http:\/\/10\.0\.0\.2:6379/],
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:99999' }, /not understood: 10\.0\.0\.1:99999/],
    [{ REDIS_CLUSTER_NODES: 'rediss://a:1,redis://b:2' }, /mix of redis:\/\/ and rediss:\/\//],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY takes false, the number of reverse proxies/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY=true would take the client IP from the first X-Forwarded-For entry/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /not understood: 10\.0\.0\.0\/33/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 24 characters/],
    [{ CLINIC_TIMEZONE: 'Mars/Base' }, /CLINIC_TIMEZONE must be an IANA time zone/],
    [{ CONFIRM_TOKEN_TTL: 'soon' }, /^CONFIRM_TOKEN_TTL: /],
    [{ SEND_WINDOW_WEEKDAY: 'someday' }, /SEND_WINDOW_WEEKDAY must be one of monday/],
    [{ SEND_WINDOW_HOUR: '24' }, /^SEND_WINDOW_HOUR: /],
    [{ CORS_ORIGINS: 'https://a.example, not an origin' }, /CORS_ORIGINS/],
    [{ CONSENT_TEXT_VERSION: '1999-01' }, /CONSENT_TEXT_VERSION/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  ])('rejects %j with a clear message', (env, message) => {
    const list = problems({ APP_SECRET: SECRET, ...env });
    expect(list.some((p) => message.test(p)), list.join('\n')).toBe(true);
  });

  it('lists every problem at once', () => {
    const list = problems({ APP_SECRET: 'short', PORT: 'abc', REDIS_PREFIX: 'a:b' });
    expect(list).toHaveLength(3);
    expect(() => loadConfig({ PORT: 'abc', APP_SECRET: SECRET }, cwd())).toThrow(/Invalid configuration:\n {2}- PORT/);
  });

  it('listens on 127.0.0.1 unless HOST is set, and on every interface in production', () => {
    expect(loadConfig({ APP_SECRET: SECRET }, cwd()).host).toBe('127.0.0.1');
    expect(loadConfig({ APP_SECRET: SECRET, HOST: '0.0.0.0' }, cwd()).host).toBe('0.0.0.0');
    expect(loadConfig({ APP_SECRET: SECRET, HOST: '' }, cwd()).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET, PUBLIC_URL: 'https://clinic.example', OUTBOX_IN_PRODUCTION: 'true' }, cwd()).host).toBe('0.0.0.0');
  });

  it('reads TRUST_PROXY as a hop count or a list of proxy addresses, never as "trust everything"', () => {
    const trust = (v: string) => loadConfig({ APP_SECRET: SECRET, TRUST_PROXY: v }, cwd()).trustProxy;
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.1, 192.168.0.0/16,loopback,::1')).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback', '::1']);
    expect(loadConfig({ APP_SECRET: SECRET }, cwd()).trustProxy).toBe(false);
  });

  it('parses CORS_ORIGINS into a list of origins', () => {
    expect(loadConfig({ APP_SECRET: SECRET, CORS_ORIGINS: ' https://a.example , https://b.example/ ,' }, cwd()).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('keeps a generated development secret in SECRET_FILE across restarts', () => {
    const dir = cwd();
    const a = loadConfig({}, dir).appSecret;
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}, dir).appSecret).toBe(a);
  });
});
