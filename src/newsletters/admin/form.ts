// The console's issue form: separate fields for the envelope, one Markdown
// body, turned into the same `newsletters/<slug>.md` text the CLI reads (and
// back), so there is one format and one parser.
import matter from 'gray-matter';

export interface IssueFields {
  subject: string;
  preheader: string;
  title: string;
  ctaText: string;
  ctaLabel: string;
  /** Comma-separated claim names. */
  acknowledgedClaims: string;
  body: string;
}

export const EMPTY_FIELDS: IssueFields = { subject: '', preheader: '', title: '', ctaText: '', ctaLabel: '', acknowledgedClaims: '', body: '' };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Reads posted form fields (anything missing is empty). */
export function fieldsFrom(body: unknown): IssueFields {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const out = { ...EMPTY_FIELDS };
  for (const k of Object.keys(EMPTY_FIELDS) as (keyof IssueFields)[]) out[k] = str(b[k]).replace(/\r\n?/g, '\n');
  return out;
}

// JSON strings are valid YAML scalars: quoting this way can never break out of a field.
const yaml = (v: string) => JSON.stringify(v.trim());

/** The Markdown file for these fields. Empty optional fields are left out. */
export function toMarkdown(f: IssueFields): string {
  const lines = ['---'];
  if (f.subject.trim()) lines.push(`subject: ${yaml(f.subject)}`);
  if (f.preheader.trim()) lines.push(`preheader: ${yaml(f.preheader)}`);
  lines.push(`title: ${yaml(f.title)}`);
  if (f.ctaText.trim() || f.ctaLabel.trim()) lines.push('cta:', `  text: ${yaml(f.ctaText)}`, `  label: ${yaml(f.ctaLabel)}`);
  const claims = f.acknowledgedClaims.split(',').map((c) => c.trim()).filter(Boolean);
  if (claims.length > 0) lines.push(`acknowledgedClaims: [${claims.map(yaml).join(', ')}]`);
  lines.push('---', '');
  return `${lines.join('\n')}${f.body.trim()}\n`;
}

/** The fields of a stored Markdown issue (for editing it in the form). */
export function fromMarkdown(source: string): IssueFields {
  try {
    const refuse = () => {
      throw new Error('only YAML front matter is allowed');
    };
    const parsed = matter(source, { language: 'yaml', engines: { js: refuse, javascript: refuse, coffee: refuse } });
    const d = (parsed.data ?? {}) as Record<string, unknown>;
    const cta = (d.cta && typeof d.cta === 'object' ? d.cta : {}) as Record<string, unknown>;
    return {
      subject: str(d.subject),
      preheader: str(d.preheader),
      title: str(d.title),
      ctaText: str(cta.text),
      ctaLabel: str(cta.label),
      acknowledgedClaims: Array.isArray(d.acknowledgedClaims) ? d.acknowledgedClaims.map(String).join(', ') : '',
      body: parsed.content.replace(/^\n+/, ''),
    };
  } catch {
    return { ...EMPTY_FIELDS, body: source };
  }
}

/** Which form field a parser problem is about, so the message can sit next to it. */
export function formFieldOf(field: string): keyof IssueFields {
  if (field === 'subject' || field === 'preheader' || field === 'title') return field;
  if (field === 'cta.text' || field === 'cta') return 'ctaText';
  if (field === 'cta.label') return 'ctaLabel';
  if (field.startsWith('acknowledgedClaims')) return 'acknowledgedClaims';
  return 'body';
}
