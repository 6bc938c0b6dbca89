// .env loading (the real environment wins) and the choice between pretty and JSON logs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadEnvFile } from '../../src/config';
import { prettyLogs } from '../../src/observability/logger';

const dir = mkdtempSync(join(tmpdir(), 'meridian-env-'));
const names = ['MERIDIAN_T_FROM_FILE', 'MERIDIAN_T_REAL', 'MERIDIAN_T_QUOTED'];

afterEach(() => {
  for (const n of names) delete process.env[n];
});

describe('loadEnvFile', () => {
  it('fills unset variables from the file; variables already in the environment win', () => {
    const file = join(dir, 'a.env');
    writeFileSync(file, 'MERIDIAN_T_FROM_FILE=from-file\nMERIDIAN_T_REAL=from-file\n# a comment\nMERIDIAN_T_QUOTED="two words"\n');
    process.env.MERIDIAN_T_REAL = 'from-environment';
    expect(loadEnvFile(file)).toBe(true);
    expect(process.env.MERIDIAN_T_FROM_FILE).toBe('from-file');
    expect(process.env.MERIDIAN_T_REAL).toBe('from-environment');
    expect(process.env.MERIDIAN_T_QUOTED).toBe('two words');
  });

  it('is fine without a file', () => {
    expect(loadEnvFile(join(dir, 'missing.env'))).toBe(false);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadEnvFile(dir)).toThrow(ConfigError);
    expect(() => loadEnvFile(dir)).toThrow(/could not be read/);
  });
});

describe('prettyLogs', () => {
  it('is readable only for development at a terminal', () => {
    expect(prettyLogs('development', true)).toBe(true);
    expect(prettyLogs('development', false)).toBe(false);
    expect(prettyLogs('development', undefined)).toBe(false); // a pipe: stdout.isTTY is undefined
    expect(prettyLogs('production', true)).toBe(false);
    expect(prettyLogs('test', true)).toBe(false);
  });
});
