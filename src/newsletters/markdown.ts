// Newsletter issues as Markdown: `newsletters/<slug>.md`, kept in git.
//
//   ---
//   subject: …            (optional; the inbox subject)
//   preheader: …          (optional; the inbox preview text)
//   title: …              (the heading at the top of the email)
//   cta: { text: …, label: … }          (optional booking call to action)
//   acknowledgedClaims: [no side effects] (optional; see claims.ts)
//   ---
//   The intro: the paragraphs before the first "##".
//
//   ## A section heading        (each "##" section is one article)
//   ![Alt text](https://…/picture.jpg "536x300")   (optional image; alt required)
//   Paragraphs of text.
//   [Link label](https://…)     (optional; a paragraph that is only a link)
//
// gray-matter reads the front matter (YAML only: its JavaScript engine would
// eval the file), markdown-it the body. Raw HTML is refused, never passed on.
// The result goes through the one zod schema in issue.ts; every problem names
// the file, the line and the field.
import matter from 'gray-matter';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import { CLAIM_NAMES, findHealthClaims, unacknowledged, type ClaimFinding } from './claims';
import { NewsletterIssueSchema, type NewsletterIssue } from './issue';

/** A slug is the issue's id everywhere: file name, Redis, tags, URLs. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Markdown sources above this are refused before parsing (an issue is a few KB). */
export const MAX_SOURCE_BYTES = 200 * 1024;

export interface IssueProblem {
  line: number;
  /** The field the problem is about ("subject", "articles.2.image.alt"), or "markdown". */
  field: string;
  message: string;
}

export class IssueFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: IssueProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'IssueFileError';
  }
}

export function formatProblem(file: string, p: IssueProblem): string {
  return `${file}:${p.line}: ${p.field}: ${p.message}`;
}

export interface ParsedIssue {
  issue: NewsletterIssue;
  /** Claim names the front matter acknowledges. */
  acknowledgedClaims: string[];
  /** Every absolute health claim found, acknowledged or not. */
  claims: ClaimFinding[];
  /** The claims scheduling refuses: found and not acknowledged. */
  blockingClaims: ClaimFinding[];
}

const FrontMatterSchema = z.strictObject({
  subject: z.unknown().optional(),
  preheader: z.unknown().optional(),
  title: z.unknown().optional(),
  cta: z.unknown().optional(),
  acknowledgedClaims: z
    .array(z.string().refine((v) => CLAIM_NAMES.includes(v.trim().toLowerCase()), { message: `names a claim that is not checked; known: ${CLAIM_NAMES.join(', ')}` }), {
      error: 'must be a list of claim names',
    })
    .optional(),
});

const markdown = new MarkdownIt('commonmark', { html: true, linkify: false });
type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];
const attr = (t: Token, name: string): string => String(t.attrGet(name) ?? '');

/** The line of `key:` in front matter lines, searching from `from` (0-based); null when absent. */
function keyLine(lines: string[], key: string, from = 0): number | null {
  const re = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`);
  for (let i = from; i < lines.length; i++) if (re.test(lines[i]!)) return i;
  return null;
}

function inlineText(tokens: Token[], report: (message: string) => void): string {
  let out = '';
  // One message per kind and paragraph is enough.
  const said = new Set<string>();
  const onProblem = (m: string) => {
    const kind = m.split(' (')[0]!.slice(0, 20);
    if (said.has(kind)) return;
    said.add(kind);
    report(m);
  };
  for (const t of tokens) {
    if (t.type === 'text' || t.type === 'code_inline') out += t.content;
    else if (t.type === 'softbreak') out += ' ';
    else if (t.type === 'hardbreak') out += '\n';
    else if (t.type === 'html_inline') onProblem(`raw HTML (${t.content.slice(0, 40)}) is not allowed; write plain Markdown`);
    else if (t.type === 'link_open') onProblem('links inside text are not supported; put the link on its own line as [Label](https://…)');
    else if (t.type === 'image') onProblem('an image must be on its own line as ![Alt text](https://…)');
    // em/strong open/close: emphasis is dropped, the words stay.
  }
  return out;
}

interface Section {
  heading: string;
  headingLine: number;
  paragraphs: string[];
  textLine: number | null;
  image?: { src: string; alt: string; width?: number; height?: number; line: number };
  link?: { href: string; label: string; line: number };
}

/**
 * Parses one issue file. `file` is only used in messages. Throws IssueFileError
 * listing every problem, each with file:line and field.
 */
export function parseIssueMarkdown(source: string, file: string): ParsedIssue {
  const problems: IssueProblem[] = [];
  const add = (line: number, field: string, message: string) => problems.push({ line, field, message });
  if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) throw new IssueFileError(file, [{ line: 1, field: 'file', message: `is larger than ${MAX_SOURCE_BYTES / 1024} KB` }]);
  if (source.includes('\u0000')) throw new IssueFileError(file, [{ line: 1, field: 'file', message: 'contains NUL bytes; is it a text file?' }]);
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');

  // The opening delimiter must be a bare "---": "---js" would select gray-matter's eval engine.
  if (!text.startsWith('---\n')) {
    const first = text.split('\n', 1)[0] ?? '';
    const message = /^---\S/.test(first)
      ? `front matter must be YAML between two "---" lines ("${first.slice(0, 20)}" is not allowed)`
      : 'the file must start with front matter: a "---" line, subject/title lines, and another "---" line';
    throw new IssueFileError(file, [{ line: 1, field: 'front matter', message }]);
  }
  let parsed: matter.GrayMatterFile<string>;
  try {
    const refuse = () => {
      throw new Error('only YAML front matter is allowed');
    };
    parsed = matter(text, { language: 'yaml', engines: { js: refuse, javascript: refuse, coffee: refuse, coffeescript: refuse, toml: refuse, json: refuse } });
  } catch (err) {
    const e = err as { mark?: { line?: number }; reason?: string; message: string };
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 2 : 1; // +1 for the "---" line, +1 for 1-based
    throw new IssueFileError(file, [{ line, field: 'front matter', message: `is not valid YAML: ${(e.reason ?? e.message).split('\n')[0]}` }]);
  }
  const fmLines = parsed.matter.replace(/^\n/, '').split('\n');
  // Line (1-based) in the file of front matter line i (0-based): one for "---".
  const fmLine = (i: number | null) => (i === null ? 1 : i + 2);
  // The body starts after the closing delimiter.
  const bodyOffset = text.length - parsed.content.length;
  const bodyFirstLine = text.slice(0, bodyOffset).split('\n').length;

  const data: Record<string, unknown> = parsed.data && typeof parsed.data === 'object' ? (parsed.data as Record<string, unknown>) : {};
  const fm = FrontMatterSchema.safeParse(data);
  if (!fm.success) {
    for (const issue of fm.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          add(fmLine(keyLine(fmLines, key)), key, `is not a known front matter field (known: subject, preheader, title, cta, acknowledgedClaims)`);
        }
      } else {
        const field = issue.path.join('.');
        add(fmLine(keyLine(fmLines, String(issue.path[0] ?? ''))), field || 'front matter', issue.message);
      }
    }
  }
  const acknowledgedClaims = fm.success ? (fm.data.acknowledgedClaims ?? []).map((c) => c.trim().toLowerCase()) : [];

  // ---- body ----
  const tokens = markdown.parse(parsed.content, {});
  const lineOf = (t: Token) => bodyFirstLine + (t.map ? t.map[0] : 0);
  const intro: string[] = [];
  let introLine: number | null = null;
  const sections: Section[] = [];
  let listDepth = 0;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const line = lineOf(t);
    const current = sections.at(-1);
    const where = current ? `articles.${sections.length - 1}` : 'intro';
    switch (t.type) {
      case 'heading_open': {
        const inline = tokens[i + 1]!;
        i += 2;
        if (t.tag !== 'h2') {
          add(line, 'markdown', t.tag === 'h1' ? 'a "#" heading is not used: the title goes in the front matter, and each section starts with "##"' : `only "##" headings start sections; "${'#'.repeat(Number(t.tag.slice(1)))}" is not supported`);
          break;
        }
        const heading = inlineText(inline.children ?? [], (m) => add(line, `articles.${sections.length}.heading`, m));
        sections.push({ heading, headingLine: line, paragraphs: [], textLine: null });
        break;
      }
      case 'paragraph_open': {
        const inline = tokens[i + 1]!;
        i += 2;
        const children = (inline.children ?? []).filter((c) => !(c.type === 'text' && c.content.trim() === '') && c.type !== 'softbreak');
        // A paragraph that is only an image, or only a link, is the section's image or link.
        if (listDepth === 0 && children.length === 1 && children[0]!.type === 'image') {
          const img = children[0]!;
          if (!current) {
            add(line, 'intro', 'images belong in a "##" section, not in the intro');
            break;
          }
          if (current.image) {
            add(line, `${where}.image`, 'a section has at most one image');
            break;
          }
          const size = attr(img, 'title');
          const image: NonNullable<Section['image']> = { src: attr(img, 'src'), alt: inlineText(img.children ?? [], () => undefined), line };
          if (size) {
            const m = /^(\d{1,4})x(\d{1,4})$/.exec(size.trim());
            if (!m) add(line, `${where}.image`, `the image title "${size.slice(0, 20)}" must be its size in pixels, like "536x300"`);
            else Object.assign(image, { width: Number(m[1]), height: Number(m[2]) });
          }
          current.image = image;
          break;
        }
        if (listDepth === 0 && children.length === 3 && children[0]!.type === 'link_open' && children[2]!.type === 'link_close') {
          if (!current) {
            add(line, 'intro', 'links belong in a "##" section, not in the intro');
            break;
          }
          if (current.link) {
            add(line, `${where}.link`, 'a section has at most one link');
            break;
          }
          current.link = { href: attr(children[0]!, 'href'), label: children[1]!.type === 'text' ? children[1]!.content : '', line };
          break;
        }
        const words = inlineText(inline.children ?? [], (m) => add(line, current ? `${where}.text` : 'intro', m));
        const paragraph = listDepth > 0 ? `• ${words}` : words;
        if (current) {
          current.paragraphs.push(paragraph);
          current.textLine ??= line;
        } else {
          intro.push(paragraph);
          introLine ??= line;
        }
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open':
        listDepth += 1;
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        listDepth -= 1;
        break;
      case 'list_item_open':
      case 'list_item_close':
        break;
      case 'html_block':
        add(line, current ? where : 'intro', `raw HTML is not allowed (${t.content.trim().slice(0, 40)}); write plain Markdown`);
        break;
      case 'fence':
      case 'code_block':
        add(line, current ? where : 'intro', 'code blocks are not supported in an email; write plain paragraphs (an indented line counts as code)');
        break;
      case 'blockquote_open': {
        add(line, current ? where : 'intro', 'quotes (">") are not supported; write a plain paragraph');
        let depth = 1;
        while (depth > 0 && i + 1 < tokens.length) {
          i += 1;
          if (tokens[i]!.type === 'blockquote_open') depth += 1;
          if (tokens[i]!.type === 'blockquote_close') depth -= 1;
        }
        break;
      }
      case 'hr':
        add(line, current ? where : 'intro', 'horizontal rules ("---" or "***") are not supported; sections are separated by "##" headings');
        break;
      default:
        add(line, current ? where : 'intro', `unsupported Markdown (${t.type})`);
    }
  }

  // ---- assemble and validate against the one schema ----
  const lines: Record<string, number> = {};
  const candidate: Record<string, unknown> = {};
  for (const key of ['subject', 'preheader', 'title', 'cta'] as const) {
    if (data[key] !== undefined) candidate[key] = data[key];
    lines[key] = fmLine(keyLine(fmLines, key));
  }
  const ctaLine = keyLine(fmLines, 'cta');
  if (ctaLine !== null) {
    lines['cta.text'] = fmLine(keyLine(fmLines, 'text', ctaLine) ?? ctaLine);
    lines['cta.label'] = fmLine(keyLine(fmLines, 'label', ctaLine) ?? ctaLine);
  }
  if (data.title === undefined) add(1, 'title', 'is missing from the front matter');
  candidate.intro = intro.join('\n\n');
  lines.intro = introLine ?? bodyFirstLine;
  if (intro.length === 0) add(bodyFirstLine, 'intro', 'write at least one paragraph before the first "##" section');
  candidate.articles = sections.map((s, n) => {
    const article: Record<string, unknown> = { heading: s.heading, text: s.paragraphs.join('\n\n') };
    lines[`articles.${n}`] = s.headingLine;
    lines[`articles.${n}.heading`] = s.headingLine;
    lines[`articles.${n}.text`] = s.textLine ?? s.headingLine;
    if (s.paragraphs.length === 0) add(s.headingLine, `articles.${n}.text`, `the section "${s.heading.slice(0, 40)}" has no text`);
    if (s.image) {
      const { line, ...image } = s.image;
      article.image = image;
      for (const f of ['', '.src', '.alt', '.width', '.height']) lines[`articles.${n}.image${f}`] = line;
    }
    if (s.link) {
      const { line, ...link } = s.link;
      article.link = link;
      for (const f of ['', '.href', '.label']) lines[`articles.${n}.link${f}`] = line;
    }
    return article;
  });
  lines.articles = sections[8]?.headingLine ?? sections[0]?.headingLine ?? bodyFirstLine;
  if (sections.length === 0) add(bodyFirstLine, 'articles', 'an issue needs at least one "##" section');

  const result = NewsletterIssueSchema.safeParse(candidate);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.join('.');
      // Problems already reported more precisely above are not repeated.
      if ((field === 'intro' && intro.length === 0) || (field === 'articles' && sections.length === 0)) continue;
      if (/^articles\.\d+\.text$/.test(field) && problems.some((p) => p.field === field)) continue;
      if (field === 'title' && data.title === undefined) continue;
      let line = lines[field];
      for (let path = issue.path.slice(); line === undefined && path.length > 0; path = path.slice(0, -1)) line = lines[path.join('.')];
      add(line ?? 1, field || 'issue', issue.message);
    }
  }
  if (problems.length > 0) throw new IssueFileError(file, problems.sort((a, b) => a.line - b.line));

  // The health-claims check runs over everything a reader sees.
  // The acknowledgedClaims list itself names claims; it is not copy.
  const ackStart = keyLine(fmLines, 'acknowledgedClaims');
  const scanned = text.split('\n').map((l, i) => {
    const fmIndex = i - 1;
    if (ackStart === null || fmIndex < ackStart || fmIndex >= fmLines.length) return l;
    const inBlock = fmIndex === ackStart || fmLines.slice(ackStart + 1, fmIndex + 1).every((x) => /^\s+-|^\s*$/.test(x));
    return inBlock ? '' : l;
  });
  const claims = findHealthClaims(scanned.join('\n'));
  return { issue: result.data!, acknowledgedClaims, claims, blockingClaims: unacknowledged(claims, acknowledgedClaims) };
}

/** The slug of `newsletters/<slug>.md`, or an error naming the rule. */
export function slugOfFile(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? '';
  if (!base.endsWith('.md')) throw new IssueFileError(path, [{ line: 1, field: 'file', message: 'an issue file name ends in .md (newsletters/<slug>.md)' }]);
  const slug = base.slice(0, -3);
  if (!SLUG.test(slug)) {
    throw new IssueFileError(path, [{ line: 1, field: 'file', message: `"${slug.slice(0, 70)}" is not a valid issue slug: use lower-case letters, digits and "-" (at most 64)` }]);
  }
  return slug;
}

export function formatClaim(file: string, c: ClaimFinding): string {
  return `${file}:${c.line}: health claim "${c.phrase}" (${c.claim}): ${c.advice}, or acknowledge it with acknowledgedClaims: [${c.claim}]`;
}
