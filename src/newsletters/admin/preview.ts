// What the console's preview shows for a Markdown issue: the email as a
// reader would get it (a sample reader), its text part, headers and size, and
// every problem or health claim with its line.
import type { RenderContext } from '../../render/types';
import { renderEmail } from '../../render/render';
import { formatClaim, IssueFileError, parseIssueMarkdown, type IssueProblem } from '../markdown';
import type { ClaimFinding } from '../claims';

/** Gmail clips messages whose HTML is larger than this. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

export type IssuePreview =
  | {
      ok: true;
      subject: string;
      preheader: string;
      html: string;
      text: string;
      headers: Record<string, string>;
      htmlBytes: number;
      claims: (ClaimFinding & { acknowledged: boolean; message: string })[];
    }
  | { ok: false; problems: IssueProblem[] };

export async function previewIssue(source: string, file: string, context: RenderContext, from: string): Promise<IssuePreview> {
  let parsed;
  try {
    parsed = parseIssueMarkdown(source, file);
  } catch (err) {
    if (err instanceof IssueFileError) return { ok: false, problems: err.problems };
    throw err;
  }
  const email = await renderEmail(
    'newsletter',
    { subscriberId: 'preview', email: 'maria@example.com', canonical: 'maria@example.com', firstName: 'Maria' },
    { ...context, newsletter: parsed.issue },
  );
  return {
    ok: true,
    subject: email.subject,
    preheader: email.preheader,
    html: email.html,
    text: email.text,
    headers: { From: from, To: 'Maria <maria@example.com>', Subject: email.subject, ...email.headers },
    htmlBytes: Buffer.byteLength(email.html),
    claims: parsed.claims.map((c) => ({ ...c, acknowledged: !parsed.blockingClaims.includes(c), message: formatClaim(file, c) })),
  };
}
