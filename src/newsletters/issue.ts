// A weekly newsletter issue as data: marketers write it as JSON, the
// `newsletter` template lays it out. Validated before anything is rendered.
import { z } from 'zod';

// Control characters (except tab and newline, allowed in long text) have no place in copy.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const LINE_BREAK = /[\r\n]/;

const text = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`)
    .refine((v) => !CONTROL.test(v), `${field} contains control characters`);

/** One line only: subjects, headings, labels (a line break in a subject would inject headers). */
const line = (field: string, max: number) =>
  text(field, max).refine((v) => !LINE_BREAK.test(v), `${field} must be a single line`);

const httpsUrl = (field: string) =>
  z
    .string({ error: `${field} must be a URL` })
    .trim()
    .max(2000, `${field} is too long`)
    .refine((v) => {
      if (!/^https:\/\/[^\s"'<>\\]+$/i.test(v) || !URL.canParse(v)) return false;
      return new URL(v).protocol === 'https:';
    }, `${field} must be an absolute https:// URL`);

export const NewsletterImageSchema = z.strictObject({
  src: httpsUrl('image.src'),
  /** Describes the picture for screen readers and for clients that block images. */
  alt: line('image.alt', 200),
  width: z.number().int().min(16).max(536).optional(),
  height: z.number().int().min(16).max(2000).optional(),
});

export const NewsletterLinkSchema = z.strictObject({
  href: httpsUrl('link.href'),
  label: line('link.label', 60),
});

export const NewsletterArticleSchema = z.strictObject({
  heading: line('article.heading', 120),
  /** Plain text; a blank line starts a new paragraph. */
  text: text('article.text', 3000),
  image: NewsletterImageSchema.optional(),
  link: NewsletterLinkSchema.optional(),
});

export const NewsletterIssueSchema = z.strictObject({
  /** Overrides the template's default subject line. */
  subject: line('subject', 120).optional(),
  /** Overrides the template's default preheader (the inbox preview text). */
  preheader: line('preheader', 150).optional(),
  title: line('title', 120),
  intro: text('intro', 2000),
  articles: z.array(NewsletterArticleSchema).min(1, 'an issue needs at least one article').max(8, 'at most 8 articles per issue'),
  /** The booking call to action at the end; sensible defaults when omitted. */
  cta: z
    .strictObject({
      text: text('cta.text', 300),
      label: line('cta.label', 40),
    })
    .optional(),
});

export type NewsletterIssue = z.infer<typeof NewsletterIssueSchema>;
export type NewsletterArticle = z.infer<typeof NewsletterArticleSchema>;

export class NewsletterIssueError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid newsletter issue:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'NewsletterIssueError';
  }
}

/** Validates untrusted input (e.g. parsed JSON); throws NewsletterIssueError listing every problem. */
export function parseNewsletterIssue(input: unknown): NewsletterIssue {
  const result = NewsletterIssueSchema.safeParse(input);
  if (result.success) return result.data;
  throw new NewsletterIssueError(
    result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)),
  );
}

/** Splits article text into paragraphs at blank lines. */
export function paragraphs(value: string): string[] {
  return value
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}
