// npm run emails:export [-- <folder>]
// Writes every template, rendered for a sample reader with the clinic's
// configured name, address and URLs (.env and the environment, as `npm start`
// reads them), as .html, .txt and .eml (RFC 5322, as the outbox would deliver
// it) into <folder> (default: exports/, git-ignored) and lists what it wrote.
import { existsSync, lstatSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

const USAGE = `Usage: npm run emails:export [-- <folder>]

Renders every email template for a sample reader, with the clinic's settings
(CLINIC_NAME, CLINIC_POSTAL_ADDRESS, PUBLIC_URL, CLINIC_BOOKING_URL, EMAIL_FROM
from .env or the environment), into <folder> as
<template>.html, <template>.txt and <template>.eml.
<folder> defaults to exports/ and must be inside this project or the system temp folder.`;

const SAMPLE_TO = 'Maria Sample <maria@example.com>';
/** Fixed, so exporting twice gives the same .eml headers. */
const SAMPLE_DATE = new Date('2026-01-06T09:00:00Z');

class UsageError extends Error {}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** Follows symlinks of the deepest existing ancestor, so a link cannot lead the export elsewhere. */
function realTarget(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    rest.unshift(basename(existing));
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

function resolveOutputDir(args: readonly string[], cwd: string = process.cwd()): string {
  if (args.length > 1) throw new UsageError(`Expected at most one folder, got ${args.length} arguments.`);
  const arg = args[0] ?? 'exports';
  if (arg.trim() === '') throw new UsageError('The folder name is empty.');
  if (arg.startsWith('-')) throw new UsageError(`Unknown option ${JSON.stringify(arg)}. (A folder whose name starts with "-" can be given as ./${arg}.)`);
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new UsageError('The folder name contains control characters.');
  if (arg.length > 1024) throw new UsageError('The folder name is too long.');

  const projectRoot = realpathSync(cwd);
  const target = realTarget(resolve(cwd, arg));
  const allowed = [projectRoot, realpathSync(tmpdir())];
  if (!allowed.some((root) => isInside(target, root))) {
    throw new UsageError(`Refusing to write to ${target}: the folder must be inside ${projectRoot} or ${realpathSync(tmpdir())}.`);
  }
  if (allowed.includes(target)) throw new UsageError(`Refusing to write exports straight into ${target}; name a sub-folder.`);
  const rel = relative(projectRoot, target).split(sep)[0];
  if (isInside(target, projectRoot) && ['node_modules', '.git', 'src', 'emails', 'tests', 'scripts', 'workers'].includes(rel ?? '')) {
    throw new UsageError(`Refusing to write exports into ${rel}/ (source or tooling folder); pick another folder such as exports/.`);
  }
  if (existsSync(target) && !statSync(target).isDirectory()) throw new UsageError(`${target} exists and is not a folder.`);
  return target;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const outDir = resolveOutputDir(args);
  // Loaded only after the arguments are checked, so a usage error answers fast.
  const [{ emailBrand, loadConfigOrExit }, { buildMime }, { renderPreview }, { TEMPLATE_IDS }] = await Promise.all([
    import('../src/config'),
    import('../src/delivery/outbox'),
    import('../src/render/render'),
    import('../src/render/templates'),
  ]);
  mkdirSync(outDir, { recursive: true });
  const config = loadConfigOrExit();
  const from = config.emailFrom;
  const brand = emailBrand(config);
  const written: { file: string; bytes: number }[] = [];
  const write = (name: string, data: string | Buffer) => {
    const file = join(outDir, name);
    // Never follow a symlink planted where an export goes.
    if (existsSync(file) && lstatSync(file).isSymbolicLink()) throw new Error(`Refusing to overwrite symlink ${file}`);
    writeFileSync(file, data);
    written.push({ file, bytes: Buffer.byteLength(data) });
  };
  for (const id of TEMPLATE_IDS) {
    const email = await renderPreview(id, brand);
    write(`${id}.html`, email.html);
    write(`${id}.txt`, email.text);
    const mime = await buildMime(
      { from, to: SAMPLE_TO, subject: email.subject, html: email.html, text: email.text, headers: email.headers, tags: [{ name: 'template', value: id }] },
      `<preview-${id}@${new URL(brand.publicUrl).hostname}>`,
      SAMPLE_DATE,
    );
    write(`${id}.eml`, mime);
  }
  const shown = relative(process.cwd(), outDir) || '.';
  console.log(`Exported ${TEMPLATE_IDS.length} templates to ${shown.startsWith('..') ? outDir : shown}/:`);
  for (const { file, bytes } of written) {
    console.log(`  ${relative(outDir, file).padEnd(34)} ${(bytes / 1024).toFixed(1).padStart(6)} KB`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`emails:export: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`emails:export failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
