// The newsletter command line (`npm run newsletter -- <command>`), as a
// function of its arguments and its input/output, so tests run it in-process.
// Every failure is one line on stderr and a non-zero exit code: 2 for usage,
// 1 for anything else (an invalid file prints one line per problem).
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config';
import { buildMime } from '../delivery/outbox';
import { createLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { renderEmail } from '../render/render';
import { isTemplateId, TEMPLATE_IDS, type TemplateId } from '../render/templates';
import { compose } from '../runtime/compose';
import { Links, TokenSigner } from '../security/tokens';
import { resolveCliRedis } from './cli-redis';
import { NewsletterError } from './errors';
import { formatClaim, IssueFileError, parseIssueMarkdown, slugOfFile } from './markdown';
import { sendTest } from './test-send';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const COMMANDS: Record<string, { usage: string; about: string }> = {
  validate: { usage: 'validate FILE', about: 'Checks an issue file: Markdown, fields and health claims. Exit 1 if scheduling would refuse it.' },
  preview: { usage: 'preview FILE [--out DIR]', about: 'Renders the issue to DIR/<slug>.html, .txt and .eml (default exports/, beside npm run emails:export).' },
  test: {
    usage: 'test FILE --to ADDRESS [--to ADDRESS …]\n       test --template TEMPLATE --to ADDRESS',
    about: 'Sends a test ("[Test]" in the subject) to 1-5 addresses: an issue file, or any email template. No reader is involved; limited per hour.',
  },
  schedule: { usage: 'schedule FILE --date YYYY-MM-DD [--hour H]', about: 'Saves the issue and schedules it: each reader gets it at hour H (default SEND_WINDOW_HOUR) on that date in their own time zone.' },
  'send-now': { usage: 'send-now FILE', about: 'Saves the issue and sends it to every reader at once.' },
  cancel: { usage: 'cancel ID', about: 'Stops a scheduled or sending issue; batches not yet started send nothing. Schedule it again to send the rest.' },
  list: { usage: 'list', about: 'Lists issues with their state and progress.' },
  status: { usage: 'status ID', about: 'Shows an issue\'s progress (audience, sent, skipped and why, failed, left), its delivery figures and local send times.' },
};

const USAGE = `Usage: npm run newsletter -- <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.split('\n')[0]!.padEnd(44)} ${c.about.split('. ')[0]}.`)
  .join('\n')}

Issues are Markdown files: newsletters/<slug>.md (see newsletters/ for an example).
Run "npm run newsletter -- <command> --help" for one command.`;

class UsageError extends Error {}

function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  return `Usage: npm run newsletter -- ${c.usage}\n\n${c.about}`;
}

interface Parsed {
  values: { [option: string]: string | boolean | (string | boolean)[] | undefined };
  positionals: string[];
}

function args(name: string, argv: string[], options: ParseArgsConfig['options'], positionals: number): Parsed | null {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed.values.help) return null;
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`${name}: expected ${positionals === 0 ? 'no arguments' : positionals === 1 ? 'one argument' : `${positionals} arguments`}, got ${parsed.positionals.length} (usage: ${COMMANDS[name]!.usage.split('\n')[0]})`);
  }
  return parsed;
}

function readIssueFile(io: CliIo, given: string): { source: string; file: string } {
  const path = resolve(io.cwd, given);
  if (!existsSync(path)) throw new Error(`${given}: no such file`);
  const st = statSync(path);
  if (!st.isFile()) throw new Error(`${given}: not a file`);
  if (st.size > 200 * 1024) throw new Error(`${given}: larger than 200 KB; is it an issue?`);
  const file = relative(io.cwd, path).startsWith('..') ? path : relative(io.cwd, path);
  return { source: readFileSync(path, 'utf8'), file };
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** An output folder inside the project (not a source folder) or the temp folder. */
function outputDir(io: CliIo, arg: string): string {
  const target = resolve(io.cwd, arg);
  const root = realpathSync(io.cwd);
  const allowed = [root, realpathSync(tmpdir())];
  if (!allowed.some((r) => isInside(target, r)) || allowed.includes(target)) {
    throw new UsageError(`preview: --out must be a folder inside ${root} or ${realpathSync(tmpdir())}, such as exports/`);
  }
  const top = relative(root, target).split(sep)[0] ?? '';
  if (isInside(target, root) && ['node_modules', '.git', 'src', 'emails', 'tests', 'scripts', 'workers', 'newsletters'].includes(top)) {
    throw new UsageError(`preview: refusing to write into ${top}/; pick another folder such as exports/`);
  }
  return target;
}

function bar(done: number, total: number): string {
  if (total <= 0) return '';
  const width = 24;
  const filled = Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor((Math.min(done, total) / total) * 100)}%`;
}

export async function runNewsletterCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`newsletter: ${err.message}`);
      return 2;
    }
    if (err instanceof IssueFileError) {
      // Every problem on its own line: file:line: field: message.
      for (const line of err.message.split('\n')) io.err(line);
      return 1;
    }
    const message = err instanceof NewsletterError ? err.message : err instanceof Error ? err.message.split('\n')[0] : String(err);
    io.err(`newsletter: ${message}`);
    return 1;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (!COMMANDS[command]) throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 40))}; commands: ${Object.keys(COMMANDS).join(', ')}`);

  const parsedFor = (options: ParseArgsConfig['options'], positionals: number) => args(command, rest, options, positionals);
  let config: Config;
  try {
    config = loadConfig(io.env, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`configuration: ${err.problems.join('; ')}`);
    throw err;
  }

  const parseFile = (path: string) => {
    const { source, file } = readIssueFile(io, path);
    const slug = slugOfFile(file);
    return { source, file, slug, parsed: parseIssueMarkdown(source, file) };
  };

  if (command === 'validate') {
    const p = parsedFor({}, 1);
    if (!p) return help(io, command);
    const { file, parsed } = parseFile(p.positionals[0]!);
    for (const c of parsed.claims) {
      const acknowledged = !parsed.blockingClaims.includes(c);
      io.out(acknowledged ? `${file}:${c.line}: acknowledged health claim "${c.phrase}" (${c.claim})` : formatClaim(file, c));
    }
    if (parsed.blockingClaims.length > 0) throw new Error(`${file}: ${parsed.blockingClaims.length} unacknowledged health claim(s); scheduling will refuse this issue`);
    io.out(`${file}: ok: "${parsed.issue.subject ?? parsed.issue.title}", ${parsed.issue.articles.length} section(s)`);
    return 0;
  }

  if (command === 'preview') {
    const p = parsedFor({ out: { type: 'string' } }, 1);
    if (!p) return help(io, command);
    const outDir = outputDir(io, typeof p.values.out === 'string' ? p.values.out : 'exports');
    const { slug, parsed } = parseFile(p.positionals[0]!);
    const links = new Links(config.publicUrl, new TokenSigner(config.appSecret), config.confirmTokenTtlMs);
    const context = {
      brand: { clinicName: config.clinic.name, postalAddress: config.clinic.postalAddress, bookingUrl: config.clinic.bookingUrl, publicUrl: config.publicUrl },
      links,
      newsletter: parsed.issue,
    };
    const email = await renderEmail('newsletter', { subscriberId: 'preview', email: 'maria@example.com', canonical: 'maria@example.com', firstName: 'Maria' }, context);
    mkdirSync(outDir, { recursive: true });
    const mime = await buildMime(
      { from: config.emailFrom, to: 'Maria Sample <maria@example.com>', subject: email.subject, html: email.html, text: email.text, headers: email.headers, tags: [{ name: 'template', value: 'newsletter' }] },
      `<preview-${slug}@clinic.example>`,
      new Date('2026-01-06T09:00:00Z'),
    );
    for (const [ext, data] of [['html', email.html], ['txt', email.text], ['eml', mime]] as const) {
      const target = join(outDir, `newsletter-${slug}.${ext}`);
      if (existsSync(target) && lstatSync(target).isSymbolicLink()) throw new Error(`refusing to overwrite symlink ${target}`);
      writeFileSync(target, data);
      io.out(`  ${relative(io.cwd, target)}  ${(Buffer.byteLength(data) / 1024).toFixed(1)} KB`);
    }
    const kb = Buffer.byteLength(email.html) / 1024;
    io.out(`HTML ${kb.toFixed(1)} KB of Gmail's 102 KB clipping limit${kb > 102 ? ': Gmail will clip it' : ''}.`);
    return 0;
  }

  // Everything else talks to Redis.
  const redisUrl = config.redisCluster ? undefined : await resolveCliRedis(config.redisUrl);
  const core = compose(config, { ...(redisUrl ? { redisUrl } : {}), logger: createLogger('warn', { role: 'newsletter-cli' }), metrics: new Metrics(false) });
  try {
    const service = core.newsletters;
    const printTimes = (times: { zone: string; local: string }[]) => {
      if (times.length === 0) return;
      io.out('Local send times:');
      for (const t of times) io.out(`  ${t.zone.padEnd(22)} ${t.local}`);
    };
    switch (command) {
      case 'test': {
        const p = parsedFor({ to: { type: 'string', multiple: true }, template: { type: 'string' } }, rest.includes('--template') || rest.some((a) => a.startsWith('--template=')) ? 0 : 1);
        if (!p) return help(io, command);
        const to = Array.isArray(p.values.to) ? p.values.to.map(String) : [];
        if (to.length === 0) throw new UsageError('test: give --to ADDRESS (one to five)');
        const templateArg = typeof p.values.template === 'string' ? p.values.template : undefined;
        let template: TemplateId = 'newsletter';
        let issue;
        if (templateArg !== undefined) {
          if (!isTemplateId(templateArg)) throw new UsageError(`test: unknown template ${JSON.stringify(templateArg.slice(0, 40))}; templates: ${TEMPLATE_IDS.join(', ')}`);
          template = templateArg;
          if (template === 'newsletter') throw new UsageError('test: for the newsletter template, give the issue FILE instead of --template');
        } else {
          issue = parseFile(p.positionals[0]!).parsed.issue;
        }
        const result = await sendTest(
          { redis: core.redis, keys: core.keys, transport: core.transport, renderContext: core.renderContext, from: config.emailFrom },
          { template, ...(issue ? { issue } : {}), to, actor: 'cli', now: Date.now() },
        );
        io.out(`Sent "${result.subject}" to ${result.sent.join(', ')} via ${core.transport.name}${core.transport.name === 'outbox' ? ` (${config.outboxDir})` : ''}.`);
        return 0;
      }
      case 'schedule':
      case 'send-now': {
        const p = command === 'schedule' ? parsedFor({ date: { type: 'string' }, hour: { type: 'string' } }, 1) : parsedFor({}, 1);
        if (!p) return help(io, command);
        const { slug, source, file, parsed } = parseFile(p.positionals[0]!);
        let hour: number | undefined;
        if (command === 'schedule') {
          if (!p.values.date) throw new UsageError('schedule: give --date YYYY-MM-DD');
          if (p.values.hour !== undefined) {
            if (!/^\d{1,2}$/.test(String(p.values.hour))) throw new UsageError(`schedule: --hour must be a whole number from 0 to 23, not ${JSON.stringify(String(p.values.hour).slice(0, 10))}`);
            hour = Number(p.values.hour);
          }
        }
        if (parsed.blockingClaims.length > 0) for (const c of parsed.blockingClaims) io.err(formatClaim(file, c));
        const saved = await service.save(slug, source, file);
        const { issue, times } = await service.schedule(
          slug,
          command === 'send-now' ? { sendNow: true } : { date: String(p.values.date), ...(hour !== undefined ? { hour } : {}) },
        );
        io.out(
          command === 'send-now'
            ? `Issue "${issue.id}" ${saved.created ? 'created and ' : ''}sending now to every reader.`
            : `Issue "${issue.id}" ${saved.created ? 'created and ' : ''}scheduled for ${issue.date} at ${String(issue.hour).padStart(2, '0')}:00 in each reader's time zone (clinic: ${config.clinic.timeZone}).`,
        );
        if (command === 'schedule') printTimes(times);
        io.out(`Follow it with: npm run newsletter -- status ${issue.id}`);
        return 0;
      }
      case 'cancel': {
        const p = parsedFor({}, 1);
        if (!p) return help(io, command);
        const issue = await service.cancel(p.positionals[0]!);
        io.out(`Issue "${issue.id}" cancelled: ${issue.progress.sent} sent, ${issue.progress.cancelled} not sent. Schedule it again to send the rest; nobody gets it twice.`);
        return 0;
      }
      case 'list': {
        const p = parsedFor({}, 0);
        if (!p) return help(io, command);
        const issues = await service.list();
        if (issues.length === 0) {
          io.out('No issues yet. Write newsletters/<slug>.md, then: npm run newsletter -- schedule newsletters/<slug>.md --date YYYY-MM-DD');
          return 0;
        }
        io.out(`${'ID'.padEnd(32)} ${'STATE'.padEnd(10)} ${'DATE'.padEnd(13)} ${'SENT'.padStart(8)} ${'AUDIENCE'.padStart(9)}`);
        for (const i of issues) {
          const when = i.sendNow ? 'now' : i.date ? `${i.date} ${String(i.hour).padStart(2, '0')}h` : '-';
          io.out(`${i.id.padEnd(32)} ${i.state.padEnd(10)} ${when.padEnd(13)} ${String(i.progress.sent + i.progress.sentBefore).padStart(8)} ${String(i.progress.audience).padStart(9)}`);
        }
        return 0;
      }
      case 'status': {
        const p = parsedFor({}, 1);
        if (!p) return help(io, command);
        const { issue, delivery, times } = await service.status(p.positionals[0]!);
        const pr = issue.progress;
        io.out(`Issue "${issue.id}": ${issue.state}${issue.sendNow ? ' (send now)' : issue.date ? ` for ${issue.date} at ${String(issue.hour).padStart(2, '0')}:00 local` : ''}`);
        io.out(`  audience so far ${pr.audience}${issue.fanoutDone || issue.state === 'sent' ? '' : ' (still counting)'}  ${bar(pr.audience - pr.left, pr.audience)}`);
        io.out(`  sent ${pr.sent}${pr.sentBefore ? ` (+${pr.sentBefore} in an earlier run)` : ''}, failed ${pr.failed}, skipped ${pr.skipped}, cancelled ${pr.cancelled}, left ${pr.left}`);
        for (const [why, n] of Object.entries(pr.skippedBy)) io.out(`    skipped, ${why}: ${n}`);
        const d = ['delivered', 'opened', 'clicked', 'bounced', 'complained'].map((k) => `${k} ${delivery[k] ?? 0}`).join(', ');
        io.out(`  from webhooks: ${d}`);
        printTimes(times);
        return 0;
      }
    }
    return 2;
  } finally {
    await core.close();
  }
}

function help(io: CliIo, command: string): number {
  io.out(commandHelp(command));
  return 0;
}

