// `npm run admin -- <command>`: admin accounts and list import from the
// command line. Same Redis, same code as the console.
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../observability/logger';
import { compose, type Core } from '../runtime/compose';
import { resolveRedis } from '../runtime/redis-server';
import { ensureDirectoryIndexes, reindexDirectory } from '../subscribers/reindex';
import { AccountError, AdminAccounts } from './accounts';
import { generatePassword, MIN_PASSWORD } from './password';
import { RedisSessionStore } from './session-store';

const USAGE = `Usage: npm run admin -- <command>

  add-user EMAIL            create an admin account; asks for a password (empty: generate one)
  add-user EMAIL --generate create it with a generated password, printed once
  remove-user EMAIL         delete an account and end its sessions
  list-users                list admin accounts
  import FILE [--consent-source "…" --consented-at YYYY-MM-DD] [--topics a,b]
                            import subscribers from a CSV file (see README, "Importing a list")
  reindex                   rebuild the console's lists and counts (and the pending index) from the
                            subscriber records: for subscribers from before the console; safe to repeat
`;

/** Reads a line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolvePromise) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    output._writeToOutput = (s: string) => {
      // Show the question once, then nothing of what is typed.
      if (!asked) process.stdout.write(s);
      asked = true;
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolvePromise(answer);
    });
  });
}

async function choosePassword(generate: boolean): Promise<{ password: string; generated: boolean }> {
  if (generate || !process.stdin.isTTY) return { password: generatePassword(), generated: true };
  for (;;) {
    const first = await askHidden(`Password (at least ${MIN_PASSWORD} characters; leave empty to generate one): `);
    if (first === '') return { password: generatePassword(), generated: true };
    if (first.length < MIN_PASSWORD) {
      console.error(`Too short: at least ${MIN_PASSWORD} characters.`);
      continue;
    }
    const again = await askHidden('Same password again: ');
    if (again === first) return { password: first, generated: false };
    console.error('The two passwords differ. Try again.');
  }
}

export async function runAdminCommand(core: Core, argv: string[], out: (s: string) => void, importFile?: (core: Core, argv: string[], out: (s: string) => void) => Promise<number>): Promise<number> {
  const accounts = new AdminAccounts(core.redis, core.keys, core.config.admin.passwordCost);
  const [command, ...rest] = argv;
  switch (command) {
    case 'add-user': {
      const { values, positionals } = parseArgs({ args: rest, options: { generate: { type: 'boolean', default: false } }, allowPositionals: true });
      if (positionals.length !== 1) throw new AccountError('add-user takes one email address.');
      const { password, generated } = await choosePassword(values.generate);
      const account = await accounts.add(positionals[0]!, password);
      out(`Created admin account ${account.email}.\n`);
      if (generated) out(`Its password, shown once: ${password}\n`);
      out(`Sign in at ${core.config.publicUrl}/admin\n`);
      return 0;
    }
    case 'remove-user': {
      if (rest.length !== 1) throw new AccountError('remove-user takes one email address.');
      const removed = await accounts.remove(rest[0]!);
      if (!removed) {
        out(`No admin account for ${rest[0]}.\n`);
        return 1;
      }
      const ended = await new RedisSessionStore(core.redis, core.keys, core.config.admin.sessionTtlMs).destroyFor(rest[0]!.trim().toLowerCase());
      out(`Removed admin account ${rest[0]} and ended ${ended} session(s).\n`);
      return 0;
    }
    case 'list-users': {
      const list = await accounts.list();
      if (list.length === 0) out('No admin accounts. Create one with: npm run admin -- add-user you@clinic.example\n');
      for (const a of list) out(`${a.email}\tcreated ${new Date(a.createdAt).toISOString()}${a.generated ? '\t(development account)' : ''}\n`);
      return 0;
    }
    case 'reindex': {
      if (rest.length > 0) throw new AccountError('reindex takes no arguments.');
      const r = await reindexDirectory(core.redis, core.keys);
      if (r.upgraded > 0) out(`Rewrote ${r.upgraded} record(s) written before the compact layout.\n`);
      out(`Indexed ${r.subscribers} subscriber(s): ${r.added} index entries added, ${r.removed} removed.\n`);
      return 0;
    }
    case 'import': {
      if (!importFile) throw new AccountError('import is not available here.');
      // The import's scripts read records in the compact layout only.
      await ensureDirectoryIndexes(core.redis, core.keys);
      return importFile(core, rest, out);
    }
    default:
      out(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 64;
  }
}

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { role: 'admin-cli' });
  const redis = config.redisCluster ? { url: undefined, embedded: null } : await resolveRedis(config.redisUrl, resolve('.data/redis'), (msg) => logger.info(msg));
  const core = compose(config, { ...(redis.url ? { redisUrl: redis.url } : {}), logger });
  let code = 1;
  try {
    const { runImportCommand } = await import('./import/cli');
    code = await runAdminCommand(core, process.argv.slice(2), (s) => process.stdout.write(s), runImportCommand);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    code = err instanceof AccountError ? 65 : 1;
  } finally {
    await core.close();
    await redis.embedded?.stop();
  }
  process.exit(code);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) void main();
